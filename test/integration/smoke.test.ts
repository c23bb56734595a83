/**
 * Smoke tests of the paths every later feature relies on, against the real kube-apiservers of the
 * local fleet: server-side apply, server dry-run, and out-of-band kubectl edits in managedFields.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PatchStrategy, type V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { clientsFor, freshNamespace, kubectl } from './kube.ts';

const fleet = inject('fleet');
const clusters = fleet.clusters.map(clientsFor);

function configMap(namespace: string, name: string, data: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

describe('the local fleet', () => {
  it('has three clusters by default', () => {
    expect(fleet.clusters).toHaveLength(3);
  });

  it('runs the pinned kube-apiserver release', async () => {
    const { stdout } = await promisify(execFile)(fleet.kubeApiserverBin, ['--version']);
    expect(stdout.trim()).toBe(`Kubernetes ${fleet.kubernetesVersion}`);
    const version = JSON.parse(await kubectl(fleet.clusters[0] as string, ['version', '-o', 'json']));
    expect(version.serverVersion.gitVersion).toBe(fleet.kubernetesVersion);
  });

  it('keeps each cluster separate: an object created on one is absent from the others', async () => {
    const [first, ...others] = clusters;
    if (!first) throw new Error('no clusters');
    const ns = await freshNamespace('separate', clusters);
    await first.objects.create(configMap(ns, 'only-here', { a: '1' }));
    for (const other of others) {
      const list = await other.core.listNamespacedConfigMap({ namespace: ns });
      expect(list.items.map((cm) => cm.metadata?.name)).not.toContain('only-here');
    }
  });
});

describe.each(fleet.clusters)('on %s', (context) => {
  const c = clientsFor(context);

  it('creates a ConfigMap with server-side apply under field manager trueup', async () => {
    const ns = await freshNamespace('ssa', [c]);
    const applied = await c.objects.patch(
      configMap(ns, 'app', { color: 'blue' }),
      undefined,
      undefined,
      'trueup',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(applied.data).toEqual({ color: 'blue' });
    const live = await c.core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    const trueup = live.metadata?.managedFields?.find((f) => f.manager === 'trueup');
    expect(trueup?.operation).toBe('Apply');
    expect(trueup?.fieldsV1).toMatchObject({ 'f:data': { 'f:color': {} } });
  });

  it('does not persist a dryRun=All apply, for a change or for a new object', async () => {
    const ns = await freshNamespace('dryrun', [c]);
    await c.objects.patch(
      configMap(ns, 'app', { color: 'blue' }),
      undefined,
      undefined,
      'trueup',
      true,
      PatchStrategy.ServerSideApply,
    );
    const dry = await c.objects.patch(
      configMap(ns, 'app', { color: 'green' }),
      undefined,
      'All',
      'trueup',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect(dry.data).toEqual({ color: 'green' });
    const live = await c.core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(live.data).toEqual({ color: 'blue' });

    await c.objects.patch(
      configMap(ns, 'new', { a: '1' }),
      undefined,
      'All',
      'trueup',
      true,
      PatchStrategy.ServerSideApply,
    );
    const list = await c.core.listNamespacedConfigMap({ namespace: ns });
    expect(list.items.map((cm) => cm.metadata?.name)).not.toContain('new');
  });

  it('records an out-of-band kubectl edit in managedFields under kubectl-edit', async () => {
    const ns = await freshNamespace('oob', [c]);
    await c.objects.patch(
      configMap(ns, 'app', { color: 'blue' }),
      undefined,
      undefined,
      'trueup',
      true,
      PatchStrategy.ServerSideApply,
    );
    // kubectl edit runs $KUBE_EDITOR on a temp file: sed makes the edit a person would make.
    await kubectl(context, ['-n', ns, 'edit', 'configmap', 'app'], {
      KUBE_EDITOR: `sed -i -e 's/color: blue/color: red/' -e 's/^data:/data:\\n  extra: added/'`,
    });
    const live = await c.core.readNamespacedConfigMap({ name: 'app', namespace: ns });
    expect(live.data).toEqual({ color: 'red', extra: 'added' });
    const edit = live.metadata?.managedFields?.find((f) => f.manager === 'kubectl-edit');
    expect(edit?.operation).toBe('Update');
    expect(edit?.fieldsV1).toMatchObject({ 'f:data': { 'f:color': {}, 'f:extra': {} } });
    const trueup = live.metadata?.managedFields?.find((f) => f.manager === 'trueup');
    expect(trueup?.fieldsV1 ?? {}).not.toMatchObject({ 'f:data': { 'f:color': {} } });
  });
});
