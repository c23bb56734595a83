import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AlertGroup, parseAlertGroup } from './alert.ts';
import { type Incident, receiveGroup } from './incident.ts';

/** The bodies Debian's Alertmanager 0.25 really posted (see test/fixtures/alertmanager). */
function fixture(name: 'firing' | 'resolved'): AlertGroup {
  const body = JSON.parse(
    readFileSync(
      new URL(`../test/fixtures/alertmanager/alertmanager-0.25-${name}.json`, import.meta.url),
      'utf8',
    ),
  );
  const parsed = parseAlertGroup(body);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.group;
}

const now = new Date('2026-11-23T03:02:00Z');
let ids = 0;
const newId = () => `i${++ids}`;

function withAlert(group: AlertGroup, fingerprint: string, status: 'firing' | 'resolved'): AlertGroup {
  const first = group.alerts[0] as AlertGroup['alerts'][number];
  return { ...group, alerts: [...group.alerts, { ...first, fingerprint, status }] };
}

describe('receiveGroup', () => {
  it('opens an incident for a firing group and asks for an investigation', () => {
    const step = receiveGroup(undefined, fixture('firing'), now, newId);
    expect(step.outcome).toBe('opened');
    expect(step.investigate).toBe(true);
    expect(step.incident?.status).toBe('firing');
    expect(step.incident?.alerts.map((a) => a.fingerprint)).toEqual(['cc7c3f977796b538']);
  });

  it('treats a re-sent group with the same firing alerts as a duplicate (no second investigation)', () => {
    const open = receiveGroup(undefined, fixture('firing'), now, newId).incident as Incident;
    const again = receiveGroup(open, fixture('firing'), now, newId);
    expect(again.outcome).toBe('duplicate');
    expect(again.investigate).toBe(false);
    expect(again.incident?.id).toBe(open.id);
    expect(again.incident?.notifications).toBe(2);
  });

  it('updates the incident and investigates again when a new alert joins the group', () => {
    const open = receiveGroup(undefined, fixture('firing'), now, newId).incident as Incident;
    const joined = receiveGroup(open, withAlert(fixture('firing'), 'ffff000011112222', 'firing'), now, newId);
    expect(joined.outcome).toBe('updated');
    expect(joined.investigate).toBe(true);
    expect(joined.incident?.investigations).toBe(2);
    expect(joined.incident?.alerts).toHaveLength(2);
  });

  it('resolves the incident when every alert is resolved', () => {
    const open = receiveGroup(undefined, fixture('firing'), now, newId).incident as Incident;
    const resolved = receiveGroup(open, fixture('resolved'), now, newId);
    expect(resolved.outcome).toBe('resolved');
    expect(resolved.incident?.status).toBe('resolved');
    expect(resolved.incident?.resolved).toBe(now.toISOString());
  });

  it('keeps the incident firing while one of its alerts still fires', () => {
    const two = withAlert(fixture('firing'), 'ffff000011112222', 'firing');
    const open = receiveGroup(undefined, two, now, newId).incident as Incident;
    const oneResolved = {
      ...two,
      alerts: [{ ...(two.alerts[0] as Incident['alerts'][number]), status: 'resolved' as const }],
    };
    const step = receiveGroup(open, oneResolved, now, newId);
    expect(step.outcome).toBe('updated');
    expect(step.investigate).toBe(false);
    expect(step.incident?.status).toBe('firing');
  });

  it('ignores a resolve for a group with no open incident', () => {
    const step = receiveGroup(undefined, fixture('resolved'), now, newId);
    expect(step).toEqual({ outcome: 'duplicate', investigate: false });
  });
});

describe('parseAlertGroup', () => {
  it.each([
    // Alertmanager's webhook version 4 is the only one there is; anything else is refused.
    [{ ...fixture('firing'), version: '3' }, 'version'],
    // A group without alerts carries nothing to investigate.
    [{ ...fixture('firing'), alerts: [] }, 'alerts'],
    // Each alert needs its fingerprint: it is how duplicates are recognised.
    [
      { ...fixture('firing'), alerts: [{ ...fixture('firing').alerts[0], fingerprint: undefined }] },
      'fingerprint',
    ],
  ])('rejects %#, naming the field', (body, field) => {
    const parsed = parseAlertGroup(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(field);
  });
});
