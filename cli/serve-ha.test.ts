import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ServeOptions } from './options.ts';
import { replicaIdentity, setupReplicas } from './serve-ha.ts';

const base = { timeout: 15, leaseName: 'trueup', leaseDuration: 15 } as ServeOptions;
const log = pino({ level: 'silent' });
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'trueup-ha-kc-')), 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: a, cluster: {server: "https://127.0.0.1:1"}}]\n' +
    'users: [{name: u, user: {token: t}}]\ncontexts: [{name: somewhere, context: {cluster: a, user: u}}]\n' +
    'current-context: somewhere\n',
);

describe('setupReplicas', () => {
  it('changes nothing for a single replica', () => {
    const setup = setupReplicas(base, log, new Registry());
    const factory = () => ({ name: 'x' }) as never;
    expect(setup.guardAccess(factory)).toBe(factory);
  });

  it.each([
    // one coordination at a time
    [{ leaderElect: true, shards: 'auto' }, '--leader-elect and --shards: choose one'],
    [{ shards: 'hash' }, '--shards: only "auto" is supported (Lease-based), got hash'],
    [
      { leaderElect: true, leaseDuration: 1 },
      '--lease-duration: a whole number of seconds, at least 2, got 1',
    ],
    [
      { leaderElect: true, leaseDuration: Number('soon') },
      '--lease-duration: a whole number of seconds, at least 2, got NaN',
    ],
    [
      { leaderElect: true, leaseName: 'Trueup_HA' },
      "--lease-name: lower-case letters, digits and '-', at most 40, got Trueup_HA",
    ],
    [
      { leaderElect: true, leaseCluster: 'nowhere', kubeconfig },
      '--lease-cluster: cluster nowhere: load kubeconfig for leases: no context named nowhere in the kubeconfig',
    ],
  ])('refuses %o: %s', (options, message) => {
    expect(() => setupReplicas({ ...base, ...options }, log, new Registry())).toThrow(message);
  });
});

describe('replicaIdentity', () => {
  it('is the pod name when there is one, else hostname-pid', () => {
    const saved = process.env.POD_NAME;
    try {
      process.env.POD_NAME = 'trueup-7d9f-x2';
      expect(replicaIdentity({})).toBe('trueup-7d9f-x2');
      delete process.env.POD_NAME;
      expect(replicaIdentity({})).toMatch(new RegExp(`-${process.pid}$`));
      expect(replicaIdentity({ identity: 'given' })).toBe('given');
    } finally {
      if (saved === undefined) delete process.env.POD_NAME;
      else process.env.POD_NAME = saved;
    }
  });
});
