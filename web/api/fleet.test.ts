/**
 * The console's reads at fleet scale, in process (fastify inject) with 10,000 records each: pages
 * that cover every row once and stay put while rows come and go, filters combined with pages, the
 * per-namespace heat map and the timelines. Behaviour only: no timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../diagnose/incident.ts';
import type { IncidentStore } from '../../diagnose/incident-store.ts';
import { openIncidentStore } from '../../diagnose/incident-store.ts';
import type { Drift } from '../../reconciler/core/model.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { type AuditStore, openAuditStore } from '../../reconciler/store/store.ts';
import { authConfigFromEnv } from '../auth/auth.ts';
import type { DriftList, History } from '../contract/api.ts';
import type { NamespaceStates, Timeline } from '../contract/fleet.ts';
import type { IncidentList } from '../contract/incidents.ts';
import { buildServer } from '../server.ts';

const rows = 10_000;
const clusters = Array.from({ length: 10 }, (_, i) => ({
  name: `c${String(i).padStart(2, '0')}`,
  labels: { region: i < 5 ? 'eu' : 'us' },
}));
const driftOf = (i: number): Drift => ({
  cluster: clusters[i % 10]?.name as string,
  kind: i % 7 === 0 ? 'Secret' : 'ConfigMap',
  namespace: `ns-${i % 4}`,
  name: `app-${String(i).padStart(5, '0')}`,
  status: i % 5 === 0 ? 'missing' : 'modified',
  changes: [],
  driftedBy: [],
});

function fakeDaemon(drifts: Drift[]): Daemon {
  return {
    status: () => ({
      ready: true,
      revision: 'abc',
      clusters: clusters.map((c, i) => ({
        ...c,
        status: 'drifted',
        pendingApprovals: 0,
        held: 0,
        reachable: i !== 9,
        synced: true,
        objects: 1,
        drifted: 1,
      })),
      errors: [],
    }),
    drifts: async () => drifts,
    namespaces: () => [
      { cluster: 'c00', namespace: 'ns-0', objects: 3, drifted: 0 },
      { cluster: 'c00', namespace: 'ns-1', objects: 3, drifted: 2 },
      { cluster: 'c01', namespace: 'ns-0', objects: 3, drifted: 1 },
      { cluster: 'c09', namespace: 'ns-0', objects: 3, drifted: 0 },
    ],
  } as unknown as Daemon;
}

async function server(deps: { drifts?: Drift[]; store?: AuditStore; incidents?: IncidentStore } = {}) {
  const app = await buildServer({
    daemon: fakeDaemon(deps.drifts ?? []),
    metrics: createMetrics(),
    store: deps.store ?? openAuditStore(':memory:'),
    ...(deps.incidents ? { incidents: deps.incidents } : {}),
    auth: authConfigFromEnv({}, undefined, true),
  });
  return <T>(url: string) =>
    app.inject({ method: 'GET', url }).then((r) => ({ status: r.statusCode, body: r.json() as T }));
}

describe('the drift list at fleet scale', { timeout: 60_000 }, () => {
  const drifts = Array.from({ length: rows }, (_, i) => driftOf(i));

  it('answers every drift, sorted, when no page is asked for (as before paging existed)', async () => {
    const get = await server({ drifts });
    const { body } = await get<DriftList>('/api/v1/drifts');
    expect(body.drifts).toHaveLength(rows);
    expect(body.total).toBe(rows);
    expect(body.next).toBeUndefined();
    expect(body.drifts[0]).toMatchObject({ cluster: 'c00', namespace: 'ns-0' });
  });

  it('pages through 10,000 drifts with a cursor, each object exactly once, in order', async () => {
    const get = await server({ drifts });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { body } = await get<DriftList>(
        `/api/v1/drifts?limit=750${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(body.total).toBe(rows);
      seen.push(...body.drifts.map((d) => `${d.cluster}/${d.namespace}/${d.kind}/${d.name}`));
      cursor = body.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(Math.ceil(rows / 750));
    expect(new Set(seen).size).toBe(rows);
    expect(seen).toEqual([...seen].sort());
  });

  it('keeps the next page in place when objects on earlier pages return to sync', async () => {
    const live = [...drifts];
    const get = await server({ drifts: live });
    const first = (await get<DriftList>('/api/v1/drifts?limit=100')).body;
    const expected = (
      await get<DriftList>(`/api/v1/drifts?limit=100&cursor=${encodeURIComponent(first.next as string)}`)
    ).body;
    // Half the first page is fixed meanwhile: the second page still starts right after the cursor.
    for (const d of first.drifts.slice(0, 50)) live.splice(live.indexOf(d as Drift), 1);
    const second = (
      await get<DriftList>(`/api/v1/drifts?limit=100&cursor=${encodeURIComponent(first.next as string)}`)
    ).body;
    expect(second.drifts).toEqual(expected.drifts);
    expect(second.total).toBe(rows - 50);
  });

  it('filters by cluster label, namespace, status, kind and a case-insensitive name search', async () => {
    const get = await server({ drifts });
    const { body } = await get<DriftList>(
      '/api/v1/drifts?label=region%3Dus&namespace=ns-2&status=modified&kind=ConfigMap&q=APP-0&limit=5',
    );
    const expected = drifts
      .filter((d) => ['c05', 'c06', 'c07', 'c08', 'c09'].includes(d.cluster))
      .filter(
        (d) =>
          d.namespace === 'ns-2' &&
          d.status === 'modified' &&
          d.kind === 'ConfigMap' &&
          d.name.startsWith('app-0'),
      );
    expect(body.total).toBe(expected.length);
    expect(body.drifts).toHaveLength(5);
    expect(body.drifts.map((d) => `${d.cluster}/${d.name}`)).toEqual(
      expected
        .map((d) => `${d.cluster}/${d.name}`)
        .sort()
        .slice(0, 5),
    );
  });

  it('refuses an unknown filter value with a readable reason', async () => {
    const get = await server({ drifts });
    const res = await get<{ error: string; message: string }>('/api/v1/drifts?status=sideways');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'TRUEUP_BAD_QUERY', message: expect.stringContaining('status') });
  });
});

describe('the history at fleet scale', { timeout: 60_000 }, () => {
  async function filledStore(): Promise<AuditStore> {
    const store = openAuditStore(':memory:');
    const start = Date.UTC(2026, 11, 1);
    for (let i = 0; i < rows; i++) {
      const drift = driftOf(i);
      await store.recordDrift('rev', drift, new Date(start + i * 1000));
      await store.recordRemediation(
        'rev',
        {
          ...drift,
          action: i % 3 === 2 ? 'skipped' : 'configured',
          reasons: [],
          decision: { mode: 'auto', reasons: [], ruleRefs: [] },
          ...(i % 3 === 1 ? { error: 'apply refused' } : {}),
        },
        'trueup',
        new Date(start + i * 1000 + 500),
      );
    }
    return store;
  }

  it('pages 10,000 drift records newest first, each once, with cursors that ignore newer records', async () => {
    const store = await filledStore();
    const get = await server({ store });
    const ids: number[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await get<History>(
        `/api/v1/history?only=drifts&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(body.remediations).toEqual([]);
      ids.push(...body.drifts.map((r) => r.id));
      cursor = body.next?.drifts;
      // Records arriving while someone pages land before page one, never on the next page.
      if (ids.length === 1000) await store.recordDrift('rev', driftOf(0));
    } while (cursor);
    expect(ids).toHaveLength(rows);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('pages remediations filtered by cluster, namespace, result and name, and leaves drift records out of a result search', async () => {
    const get = await server({ store: await filledStore() });
    const url = '/api/v1/history?cluster=c03&namespace=ns-1&result=failed&q=app-0&limit=20';
    const first = (await get<History>(url)).body;
    expect(first.drifts).toEqual([]);
    expect(first.remediations).toHaveLength(20);
    for (const r of first.remediations) {
      expect(r.entry).toMatchObject({ cluster: 'c03', namespace: 'ns-1', error: 'apply refused' });
      expect(r.entry.name.startsWith('app-0')).toBe(true);
    }
    const second = (await get<History>(`${url}&only=remediations&cursor=${first.next?.remediations}`)).body;
    expect(Math.max(...second.remediations.map((r) => r.id))).toBeLessThan(
      Math.min(...first.remediations.map((r) => r.id)),
    );
  });

  it('answers an unpaged history as before: both lists, newest first, 100 each', async () => {
    const get = await server({ store: await filledStore() });
    const { body } = await get<History>('/api/v1/history');
    expect(body.drifts).toHaveLength(100);
    expect(body.remediations).toHaveLength(100);
    expect(body.next).toEqual({
      drifts: String(body.drifts[99]?.id),
      remediations: String(body.remediations[99]?.id),
    });
  });
});

describe('incidents at fleet scale', { timeout: 60_000 }, () => {
  const incidentOf = (i: number): Incident =>
    ({
      id: `i${i + 1}-x`,
      groupKey: `g${i}`,
      receiver: 'trueup',
      status: i % 2 ? 'resolved' : 'firing',
      opened: new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString(),
      updated: new Date(Date.UTC(2026, 11, 1) + i * 1000).toISOString(),
      groupLabels: {},
      commonLabels: {
        alertname: i % 10 === 0 ? 'CheckoutErrors' : 'Latency',
        cluster: `c0${i % 3}`,
        namespace: `ns-${i % 4}`,
      },
      commonAnnotations: {},
      externalURL: '',
      alerts: [],
      notifications: 1,
      investigation: 'done',
      investigations: 1,
    }) as Incident;

  it('pages 10,000 incidents filtered by status, cluster, namespace and alert name, each once', async () => {
    const incidents = openIncidentStore(':memory:');
    for (let i = 0; i < rows; i++) incidents.save(incidentOf(i));
    const get = await server({ incidents });
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await get<IncidentList>(
        `/api/v1/incidents?status=firing&cluster=c00&namespace=ns-2&q=checkout&limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...body.incidents.map((i) => i.id));
      cursor = body.next;
    } while (cursor);
    const expected = Array.from({ length: rows }, (_, i) => incidentOf(i))
      .filter(
        (i) =>
          i.status === 'firing' &&
          i.commonLabels.cluster === 'c00' &&
          i.commonLabels.namespace === 'ns-2' &&
          i.commonLabels.alertname === 'CheckoutErrors',
      )
      .map((i) => i.id)
      .reverse();
    expect(expected.length).toBeGreaterThan(50);
    expect(ids).toEqual(expected);
  });
});

describe('the fleet heat map and timelines', { timeout: 60_000 }, () => {
  it('gives each cluster × namespace its worst state', async () => {
    const store = openAuditStore(':memory:');
    await store.queueApproval(
      'rev',
      {
        ...driftOf(0),
        cluster: 'c00',
        namespace: 'ns-1',
        action: 'skipped',
        reasons: [],
        decision: { mode: 'approve', reasons: [], ruleRefs: [] },
      },
      { ...driftOf(0), cluster: 'c00', namespace: 'ns-1' },
    );
    const get = await server({ store });
    const { body } = await get<NamespaceStates>('/api/v1/namespaces');
    expect(body.namespaces.map((n) => [n.cluster, n.namespace, n.status, n.pendingApprovals])).toEqual([
      ['c00', 'ns-0', 'in-sync', 0],
      ['c00', 'ns-1', 'held', 1],
      ['c01', 'ns-0', 'drifted', 0],
      ['c09', 'ns-0', 'unreachable', 0],
    ]);
  });

  it('buckets drifts, remediations by result and incidents for one cluster, with the latency from detection to fix', async () => {
    const store = openAuditStore(':memory:');
    const incidents = openIncidentStore(':memory:');
    const t0 = Date.UTC(2026, 11, 1);
    for (let i = 0; i < rows; i++) {
      const drift = { ...driftOf(i), cluster: i % 2 ? 'c01' : 'c00' };
      await store.recordDrift('rev', drift, new Date(t0 + i * 6000));
      if (i % 2 === 0)
        await store.recordRemediation(
          'rev',
          {
            ...drift,
            action: 'configured',
            reasons: [],
            decision: { mode: 'auto', reasons: [], ruleRefs: [] },
          },
          'trueup',
          new Date(t0 + i * 6000 + 2000),
        );
    }
    incidents.save({
      ...({} as Incident),
      id: 'i1-x',
      groupKey: 'g',
      status: 'firing',
      opened: new Date(t0 + 60_000).toISOString(),
      updated: new Date(t0).toISOString(),
      commonLabels: { cluster: 'c00' },
    } as Incident);
    const get = await server({ store, incidents });
    const since = new Date(t0).toISOString();
    const until = new Date(t0 + rows * 6000).toISOString();
    const { status, body } = await get<Timeline>(
      `/api/v1/timeline?cluster=c00&since=${since}&until=${until}&buckets=50`,
    );
    expect(status).toBe(200);
    expect(body.times).toHaveLength(50);
    expect(body.stepSeconds).toBe(1200);
    expect(body.series.drifts.reduce((a, b) => a + b, 0)).toBe(rows / 2);
    expect(body.series.drifts.every((n) => n === 100)).toBe(true);
    expect(body.series.applied.reduce((a, b) => a + b, 0)).toBe(rows / 2);
    expect(body.series.failed.every((n) => n === 0)).toBe(true);
    expect(body.series.incidents[0]).toBe(1);
    expect(body.latency).toMatchObject({ samples: rows / 2, p50: 2000, p99: 2000 });
    expect(body.latency.counts[body.latency.bounds.indexOf(2500)]).toBe(rows / 2);
  });
});
