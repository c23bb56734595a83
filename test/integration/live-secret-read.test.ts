/**
 * Reading live Secrets on the real apiserver: a Secret applied client-side by kubectl carries its
 * values in plaintext in the last-applied-configuration annotation; trueup drops that annotation as
 * it reads, in a list, a watch and a read alike, so no live Secret value stays in memory.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import type { LiveObject } from '../../reconciler/core/model.ts';
import { kubeClusterAccess } from '../../reconciler/kube/kube-cluster.ts';
import { lastAppliedAnnotation } from '../../reconciler/kube/live-object.ts';
import { clientsFor, eventually, freshNamespace, kubectl } from './kube.ts';

const fleet = inject('fleet');
const [first] = fleet.clusters as [string];
const canary = 'last-applied-canary-7Hq2';

describe('a live Secret applied client-side', () => {
  it('is read (list, watch, read) without its last-applied-configuration, so its plaintext is never held', async () => {
    const ns = await freshNamespace('lastapp', [clientsFor(first)]);
    const kc = new KubeConfig();
    kc.loadFromFile(fleet.kubeconfigPath);
    const access = kubeClusterAccess(kc, first, first, { fieldManager: 'trueup-lastapp', namespaces: [ns] });
    const { resourceVersion } = await access.listKind('Secret');
    const watched: LiveObject[] = [];
    const stop = await access.watchKind('Secret', resourceVersion, {
      onChange: (_type, o) => watched.push(o),
      onProgress: () => undefined,
      onDone: () => undefined,
    });
    try {
      const file = join(tmpdir(), `trueup-${ns}-secret.yaml`);
      await writeFile(
        file,
        `apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: ${ns}, labels: {app: db}}\nstringData:\n  password: ${canary}\n`,
      );
      await kubectl(first, ['apply', '-f', file]);
      // The apiserver holds the annotation, with the value in it.
      const raw = await clientsFor(first).core.readNamespacedSecret({ name: 'db', namespace: ns });
      expect(raw.metadata?.annotations?.[lastAppliedAnnotation]).toContain(canary);

      const fromWatch = await eventually('the watch event', async () => watched.find((o) => o.name === 'db'));
      const fromList = (await access.listKind('Secret')).objects.find((o) => o.name === 'db');
      const fromRead = await access.read({ cluster: first, kind: 'Secret', namespace: ns, name: 'db' });
      for (const live of [fromWatch, fromList, fromRead]) {
        expect(live?.annotations).toEqual({});
        expect(live?.labels).toEqual({ app: 'db' });
        const held = JSON.stringify(live);
        expect(held).not.toContain(canary);
        expect(held).not.toContain(Buffer.from(canary).toString('base64'));
      }
    } finally {
      stop();
    }
  });
});
