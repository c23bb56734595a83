import { describe, expect, it } from 'vitest';
import { resolveHints } from './hint-evidence.ts';
import type { WorkloadReader } from './kube-reader.ts';

const reader: WorkloadReader = {
  cluster: 'c1',
  readWorkload: async () => ({ found: false }),
  listPods: async () => [],
  ownerWorkloadOf: async () => undefined,
  events: async () => [],
  listWorkloads: async () => [
    { kind: 'Deployment', name: 'web', podLabels: { app: 'web' }, containers: ['app'] },
    { kind: 'Deployment', name: 'batch', podLabels: { app: 'batch' }, containers: ['worker'] },
  ],
  serviceSelector: async (_, name) => (name === 'web' ? { app: 'web' } : undefined),
};

describe('resolveHints', () => {
  it('resolves a Service and a namespace to workload subjects, once each', async () => {
    const notes: string[] = [];
    const subjects = await resolveHints(
      [
        { cluster: 'c1', namespace: 'shop', by: 'service', value: 'web', label: 'service' },
        { cluster: 'c1', namespace: 'shop', by: 'namespace', value: '', label: 'namespace' },
      ],
      { reader: () => reader },
      notes,
    );
    expect(subjects).toEqual([
      { cluster: 'c1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      { cluster: 'c1', kind: 'Deployment', namespace: 'shop', name: 'batch' },
    ]);
    expect(notes).toEqual([]);
  });

  it('notes a hint that matches no workload, and a cluster it cannot list', async () => {
    const notes: string[] = [];
    const failing = { ...reader, listWorkloads: async () => Promise.reject(new Error('forbidden')) };
    await resolveHints(
      [{ cluster: 'c1', namespace: 'shop', by: 'label', key: 'app', value: 'nope', label: 'app' }],
      { reader: () => reader },
      notes,
    );
    await resolveHints(
      [{ cluster: 'c1', namespace: 'shop', by: 'namespace', value: '', label: 'namespace' }],
      { reader: () => failing },
      notes,
    );
    expect(notes).toEqual(['app=nope on c1: no workload found', 'workloads of shop on c1: forbidden']);
  });
});
