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

/** ApplyOptions are an apply's switches. */
export interface ApplyOptions {
  dryRun: boolean;
  /** force takes over fields other managers own. */
  force: boolean;
  /**
   * keepLive lists Secret keys to send with their live values (ignored keys whose live value differs
   * from the repo's): trueup holds only their digests, so they are read right before the apply, and
   * the apply is guarded by the resourceVersion read, so a concurrent change is never overwritten.
   */
  keepLive?: string[];
}

/** applyManifest server-side-applies a manifest (force: take over other managers' fields). */
export async function applyManifest(
  client: KubeClient,
  manifest: ApplyManifest,
  { dryRun, force, keepLive }: ApplyOptions,
): Promise<LiveObject> {
  const what = `${dryRun ? 'dry-run ' : ''}apply ${manifest.kind} ${manifest.metadata.namespace}/${manifest.metadata.name}`;
  client.checkScope(what, manifest.metadata.namespace);
  const body = keepLive?.length ? await withLiveSecretKeys(client, manifest, keepLive) : manifest;
  const raw = await client.call(what, () =>
    client.objects.patch(
      body,
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
 * withLiveSecretKeys returns the manifest with `keys` at their live values and the live
 * resourceVersion as the apply's precondition. Leaving such a key out instead would make server-side
 * apply delete it wherever trueup's field manager still owns it. The values exist only in the body.
 */
async function withLiveSecretKeys(
  client: KubeClient,
  manifest: ApplyManifest,
  keys: string[],
): Promise<ApplyManifest & { metadata: { resourceVersion?: string } }> {
  const { name, namespace } = manifest.metadata;
  const what = `read Secret ${namespace}/${name} (ignored keys kept at their live values)`;
  let live: V1Secret;
  try {
    live = await client.call(what, () => client.core.readNamespacedSecret({ name, namespace }));
  } catch (err) {
    // Gone meanwhile: there is no live value to keep, and the apply creates the object.
    if (err instanceof KubeError && err.reason === 'not-found') return manifest;
    throw err;
  }
  const data = { ...manifest.data };
  for (const k of keys) {
    const value = live.data?.[k];
    if (value !== undefined) data[k] = value;
  }
  const resourceVersion = live.metadata?.resourceVersion;
  return {
    ...manifest,
    data,
    metadata: { ...manifest.metadata, ...(resourceVersion ? { resourceVersion } : {}) },
  };
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
