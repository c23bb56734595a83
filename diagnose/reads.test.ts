/**
 * One investigation through the read port: the evidence, the agent's tools and the fix validation
 * all ask about the same ConfigMap, which is read live, evaluated and blamed at most once (and,
 * from the daemon's cache, not read live at all).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveObject, ObjectRef } from '../reconciler/core/model.ts';
import { type DaemonCache, daemonObjectReader } from '../reconciler/daemon/object-reader.ts';
import { buildFleetState, type FleetState } from '../reconciler/repo/fleet-state.ts';
import { type AuditStore, openAuditStore } from '../reconciler/store/store.ts';
import { approvalProposer } from '../reconciler/sync/approvals.ts';
import { evaluateObject } from '../reconciler/sync/evaluate.ts';
import {
  cycleObjectReader,
  type ObjectReader,
  type RevisionBlame,
} from '../reconciler/sync/object-reader.ts';
import { type OpenAIStub, startOpenAIStub } from '../test/llm/openai-stub.ts';
import type { AlertGroup } from './alert.ts';
import { defaultEvidenceOptions } from './evidence.ts';
import type { FixDryRun } from './fix-validation.ts';
import { type InvestigationDeps, investigate } from './investigate.ts';
import type { WorkloadReader } from './kube-reader.ts';

const target = 'prod/payments/ConfigMap/api-config';
const ref: ObjectRef = { cluster: 'prod', kind: 'ConfigMap', namespace: 'payments', name: 'api-config' };

const files = new Map([
  [
    'fleet.yaml',
    'apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n  - name: prod\ntargets:\n  - path: base\n    namespace: payments\n',
  ],
  [
    'base/api.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api-config\ndata:\n  DB_HOST: db.internal\n',
  ],
]);

/** live is api-config with DB_HOST changed by kubectl. */
const live: LiveObject = {
  ...ref,
  uid: 'u1',
  resourceVersion: '7',
  data: { DB_HOST: 'db.wrong' },
  binaryData: {},
  labels: {},
  annotations: {},
  managedFields: [
    {
      manager: 'kubectl-patch',
      operation: 'Update',
      time: '2026-11-23T02:59:00Z',
      fieldsV1: { 'f:data': { 'f:DB_HOST': {} } },
    },
  ],
} as LiveObject;

const group: AlertGroup = {
  version: '4',
  groupKey: 'g-reads',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'trueup',
  groupLabels: {},
  commonLabels: { alertname: 'KubeDeploymentReplicasMismatch' },
  commonAnnotations: {},
  externalURL: '',
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'KubeDeploymentReplicasMismatch',
        cluster: 'prod',
        namespace: 'payments',
        deployment: 'api',
      },
      annotations: {},
      startsAt: '2026-11-23T03:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f1',
    },
  ],
};

/** Counts are the reads an investigation made, by what was read. */
interface Counts {
  live: Map<string, number>;
  blame: Map<string, number>;
  workloads: Map<string, number>;
  dryRuns: number;
}

const bump = (m: Map<string, number>, key: string) => m.set(key, (m.get(key) ?? 0) + 1);

/** workloads is the alert's Deployment, whose pods take api-config as their environment. */
function workloads(counts: Counts): WorkloadReader {
  return {
    cluster: 'prod',
    readWorkload: async (kind, namespace, name) => {
      bump(counts.workloads, `${kind}/${namespace}/${name}`);
      return {
        found: true,
        selector: {},
        podSpec: { containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'api-config' } }] }] },
      };
    },
    listPods: async () => [],
    ownerWorkloadOf: async () => undefined,
    events: async () => [],
  };
}

function depsFor(
  state: FleetState,
  store: AuditStore,
  counts: Counts,
  objects: (reader: ObjectReader, blame: RevisionBlame) => ObjectReader,
  llm?: InvestigationDeps['llm'],
): InvestigationDeps {
  const blame = async (_revision: string, file: string) => {
    bump(counts.blame, file);
    return new Map([[6, { commit: 'c0ffee', author: 'dev', time: '2026-11-01T00:00:00Z', summary: 'api' }]]);
  };
  const oneShot = cycleObjectReader({
    state: () => state,
    live: () => async (r) => {
      bump(counts.live, `${r.cluster}/${r.kind}/${r.namespace}/${r.name}`);
      return r.name === live.name ? live : undefined;
    },
    store,
    blame,
    context: { fieldManager: 'trueup', remediate: false },
  });
  const reader = objects(oneShot, blame);
  const dryRun: FixDryRun = async (evaluation) => {
    counts.dryRuns++;
    return {
      ...ref,
      action: 'skipped',
      reasons: ['waiting for approval'],
      decision: { mode: evaluation.decision.mode, reasons: evaluation.decision.reasons, ruleRefs: [] },
      dryRun: 'passed',
      pending: { action: 'configured', resourceVersion: live.resourceVersion },
    };
  };
  return {
    sources: { objects: reader, reader: () => workloads(counts), git: { log: async () => [] } },
    validation: {
      objects: reader,
      dryRun: () => dryRun,
      approvals: approvalProposer(store),
      options: { fieldManager: 'trueup', remediate: false },
      approvalsWhenDetectOnly: true,
    },
    ...(llm ? { llm } : {}),
    evidence: defaultEvidenceOptions(),
    log: pino({ level: 'silent' }),
  };
}

const fresh = (): Counts => ({ live: new Map(), blame: new Map(), workloads: new Map(), dryRuns: 0 });

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('one investigation through the read port', () => {
  it('reads each object live at most once and blames it at most once, across evidence, tools and fix validation', async () => {
    const state = await buildFleetState({ revision: 'r'.repeat(40), files });
    const store = openAuditStore(':memory:');
    const answer = {
      summary: 'api-config lost its DB_HOST',
      rootCause: 'DB_HOST was changed with kubectl',
      confidence: 0.9,
      evidence: [`config:${target}#data.DB_HOST`],
      fix: { type: 'revert-drift', target, description: 'restore git' },
      risk: 'low',
    };
    stub = await startOpenAIStub([
      {
        toolCalls: [
          { name: 'get_config', arguments: { target } },
          {
            name: 'get_workload',
            arguments: { cluster: 'prod', namespace: 'payments', kind: 'Deployment', name: 'api' },
          },
        ],
      },
      { content: JSON.stringify(answer) },
    ]);
    const counts = fresh();
    const llm = { baseURL: stub.url, apiKey: 'sk-test', model: 'test-model', maxRetries: 0 };
    const { evidence, diagnosis } = await investigate(
      group,
      depsFor(state, store, counts, (r) => r, llm),
    );

    // Every step asked: the evidence, the tools (two tool results went back) and the validation.
    expect(evidence.configs[0]?.drift?.changes).toEqual([
      { path: 'data.DB_HOST', type: 'changed', desired: 'db.internal', live: 'db.wrong' },
    ]);
    expect(evidence.configs[0]?.drift?.provenance?.['data.DB_HOST']?.commit).toBe('c0ffee');
    expect(evidence.configs[0]?.provenance['data.DB_HOST']).toMatchObject({
      file: 'base/api.yaml',
      commit: 'c0ffee',
    });
    expect(stub.chatRequests()).toHaveLength(2);
    expect(JSON.stringify(stub.chatRequests()[1]?.body)).toContain('db.wrong');
    expect(diagnosis.source).toBe('llm');
    expect(diagnosis.validation).toMatchObject({ status: 'validated', approval: expect.any(String) });
    expect(await store.approvals({ state: 'pending' })).toHaveLength(1);
    expect(counts.dryRuns).toBe(1);

    expect(Object.fromEntries(counts.live)).toEqual({ 'prod/ConfigMap/payments/api-config': 1 });
    expect(Object.fromEntries(counts.blame)).toEqual({ 'base/api.yaml': 1 });
    expect(Object.fromEntries(counts.workloads)).toEqual({ 'Deployment/payments/api': 1 });
    // Nothing was written into the fleet state: its origins carry no commit.
    expect(state.clusters[0]?.objects[0]?.provenance['data.DB_HOST']?.commit).toBeUndefined();
  });

  it('reads nothing live when the daemon holds the cluster, and leaves its evaluation as it was', async () => {
    const state = await buildFleetState({ revision: 'r'.repeat(40), files });
    const store = openAuditStore(':memory:');
    const clusterState = state.clusters[0];
    const desired = clusterState?.objects[0];
    if (!clusterState || !desired) throw new Error('no desired state');
    const evaluation = evaluateObject(clusterState, desired, live, {
      fieldManager: 'trueup',
      policy: state.policy,
      remediate: false,
      now: new Date(),
    });
    const daemon: DaemonCache = {
      fleetState: () => state,
      evaluation: (r) =>
        r.name === ref.name && evaluation ? { evaluation, desired, live, cached: true } : { cached: true },
    };
    const counts = fresh();
    const { evidence, diagnosis } = await investigate(
      group,
      depsFor(state, store, counts, (fallback, blame) =>
        daemonObjectReader(daemon, { store, blame, fallback }),
      ),
    );

    expect(evidence.configs[0]?.drift?.status).toBe('modified');
    expect(diagnosis.validation?.status).toBe('validated');
    expect(counts.live.size).toBe(0);
    expect(Object.fromEntries(counts.blame)).toEqual({ 'base/api.yaml': 1 });
    expect(evaluation?.drift.provenance?.['data.DB_HOST']?.commit).toBeUndefined();
  });
});
