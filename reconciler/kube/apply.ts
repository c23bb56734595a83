/**
 * The apply verbs: server-side apply as trueup's field manager, and a dry-run create that asks the
 * server whether an object could be created (validation, quota, admission) without creating it.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { LiveObject } from '../core/model.ts';
import type { ApplyManifest } from '../sync/plan.ts';
import { dryRunParam, type KubeClient } from './client.ts';
import { PatchStrategy } from './client-node.ts';
import { KubeError } from './kube-errors.ts';
import { toLiveObject } from './live-object.ts';

/** applyManifest server-side-applies a manifest (force: take over other managers' fields). */
export async function applyManifest(
  client: KubeClient,
  manifest: ApplyManifest,
  { dryRun, force }: { dryRun: boolean; force: boolean },
): Promise<LiveObject> {
  const what = `${dryRun ? 'dry-run ' : ''}apply ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
  client.checkScope(what, manifest.metadata.namespace);
  const raw = await client.call(what, () =>
    client.objects.patch(
      manifest,
      undefined,
      dryRunParam(dryRun),
      client.fieldManager,
      force,
      PatchStrategy.ServerSideApply,
    ),
  );
  return toLiveObject(client.cluster, manifest.kind, raw as V1ConfigMap | V1Secret);
}

/**
 * validateCreate dry-run-creates the manifest under its own name: the server runs validation and
 * admission before it looks the name up, so `AlreadyExists` means they all passed.
 */
export async function validateCreate(client: KubeClient, manifest: ApplyManifest): Promise<void> {
  const what = `dry-run create ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
  client.checkScope(what, manifest.metadata.namespace);
  try {
    await client.call(what, () => client.objects.create(manifest, undefined, 'All', client.fieldManager));
  } catch (err) {
    // Name lookup comes after validation and validating admission in the apiserver's create path.
    if (err instanceof KubeError && err.status === 409 && err.statusReason === 'AlreadyExists') return;
    throw err;
  }
}
