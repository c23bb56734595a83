import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFleet } from './fleet.ts';

describe('startFleet', () => {
  it('fails with the dead server named and keeps its logs when a server cannot start', async () => {
    // `false` exits 1 at once: the launcher must notice instead of waiting for /readyz.
    const binaries = {
      kubeApiserver: '/bin/false',
      etcd: '/bin/false',
      kubernetesVersion: 'v0',
      etcdVersion: 'v0',
    };
    const err = (await startFleet({ binaries, readyTimeoutMs: 20_000 }).catch((e) => e)) as Error;
    expect(err.message).toMatch(/^waiting for etcd: etcd exited with code 1 \(log: .*etcd\.log\)/);
    const dir = /server logs kept in (\S+)\)$/.exec(err.message)?.[1] as string;
    expect(existsSync(join(dir, 'etcd.log'))).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a binary that does not exist', async () => {
    const binaries = {
      kubeApiserver: '/nonexistent/kube-apiserver',
      etcd: '/nonexistent/etcd',
      kubernetesVersion: 'v0',
      etcdVersion: 'v0',
    };
    const err = (await startFleet({ binaries, readyTimeoutMs: 20_000 }).catch((e) => e)) as Error;
    expect(err.message).toContain('could not start /nonexistent/etcd');
    const dir = /server logs kept in (\S+)\)$/.exec(err.message)?.[1] as string;
    expect(existsSync(dir)).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});
