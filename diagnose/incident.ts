/**
 * Incidents: one per Alertmanager group (its groupKey) while any of its alerts fires. Pure: how a
 * webhook notification changes an incident. Alertmanager re-sends a group every group_interval /
 * repeat_interval and retries failed posts, so the same group with the same firing alerts is a
 * duplicate: it never starts a second investigation. New alerts joining an open group update it and
 * start one more investigation; when every alert is resolved the incident is resolved.
 */
import type { Alert, AlertGroup } from './alert.ts';
import type { Diagnosis, EvidenceBundle } from './model.ts';

/** InvestigationState is where an incident's investigation stands. */
export type InvestigationState = 'queued' | 'running' | 'done' | 'failed';

/** Incident is one alert group's story: its alerts, evidence and diagnosis. */
export interface Incident {
  id: string;
  groupKey: string;
  receiver: string;
  status: 'firing' | 'resolved';
  opened: string;
  updated: string;
  resolved?: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  /** alerts by fingerprint, as last reported. */
  alerts: Alert[];
  /** notifications counts the webhook posts received for it (duplicates included). */
  notifications: number;
  investigation: InvestigationState;
  /** investigations counts how many were started (1 unless alerts joined the group). */
  investigations: number;
  evidence?: EvidenceBundle;
  diagnosis?: Diagnosis;
  /** error says why the last investigation failed. */
  error?: string;
}

/** IntakeOutcome is what a notification did to its incident. */
export type IntakeOutcome = 'opened' | 'updated' | 'duplicate' | 'resolved';

/** IntakeStep is the incident after a notification, and whether to investigate. */
export interface IntakeStep {
  outcome: IntakeOutcome;
  incident: Incident;
  investigate: boolean;
}

/**
 * receiveGroup applies one notification to the open incident of its group (undefined if none).
 * newId is called only when a new incident opens. A notification with nothing firing and no open
 * incident changes nothing (a resolve for an incident closed before, or re-sent).
 */
export function receiveGroup(
  open: Incident | undefined,
  group: AlertGroup,
  now: Date,
  newId: () => string,
): IntakeStep | { outcome: 'duplicate'; incident?: undefined; investigate: false } {
  const time = now.toISOString();
  const firing = group.alerts.filter((a) => a.status === 'firing');
  if (!open) {
    if (firing.length === 0) return { outcome: 'duplicate', investigate: false };
    const incident: Incident = {
      id: newId(),
      groupKey: group.groupKey,
      receiver: group.receiver,
      status: 'firing',
      opened: time,
      updated: time,
      groupLabels: group.groupLabels,
      commonLabels: group.commonLabels,
      commonAnnotations: group.commonAnnotations,
      externalURL: group.externalURL,
      alerts: sortAlerts(group.alerts),
      notifications: 1,
      investigation: 'queued',
      investigations: 1,
    };
    return { outcome: 'opened', incident, investigate: true };
  }

  const known = new Map(open.alerts.map((a) => [a.fingerprint, a]));
  const joined = firing.filter((a) => known.get(a.fingerprint)?.status !== 'firing');
  const changed = group.alerts.some((a) => known.get(a.fingerprint)?.status !== a.status);
  for (const a of group.alerts) known.set(a.fingerprint, a);
  const alerts = sortAlerts([...known.values()]);
  const stillFiring = alerts.some((a) => a.status === 'firing');
  const incident: Incident = {
    ...open,
    alerts,
    groupLabels: group.groupLabels,
    commonLabels: group.commonLabels,
    commonAnnotations: group.commonAnnotations,
    notifications: open.notifications + 1,
  };
  if (!changed) return { outcome: 'duplicate', incident, investigate: false };
  incident.updated = time;
  if (!stillFiring) {
    return {
      outcome: 'resolved',
      incident: { ...incident, status: 'resolved', resolved: time },
      investigate: false,
    };
  }
  const investigate = joined.length > 0;
  if (investigate) {
    incident.investigations = open.investigations + 1;
    incident.investigation = 'queued';
  }
  return { outcome: 'updated', incident, investigate };
}

function sortAlerts(alerts: Alert[]): Alert[] {
  return [...alerts].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
}
