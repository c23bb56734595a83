/**
 * The Kubernetes edge: one cluster's ConfigMaps and Secrets through @kubernetes/client-node.
 * This file is the contract (ClusterAccess) and its factory; each verb lives in its own file
 * (list.ts, watch.ts, read.ts, apply.ts, remove-keys.ts, delete.ts, events.ts) over the shared
 * client setup of client.ts. Secret values are replaced by their digest at the point of reading
 * (live-object.ts), so no live Secret value travels further. Every call has a timeout; errors carry
 * the object and say whether a retry may help.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import type { LiveObject, ManagedKind, ObjectRef } from '../core/model.ts';
import type { ApplyManifest } from '../sync/plan.ts';
import type { ApplyOptions } from './apply.ts';
import { applyManifest, validateCreate } from './apply.ts';
import { type KubeClientOptions, kubeClient } from './client.ts';
import { deleteObject } from './delete.ts';
import { recordEvent } from './events.ts';
import type { KubeError } from './kube-errors.ts';
import { listKind, listObjects } from './list.ts';
import { readObject } from './read.ts';
import { removeKeys } from './remove-keys.ts';
import { watchKind } from './watch.ts';

/** ClusterAccess is everything the reconciler does on one cluster. */
export interface ClusterAccess {
  readonly name: string;
  /** listObjects lists every ConfigMap and Secret (Secret values as digests). */
  listObjects(): Promise<LiveObject[]>;
  /**
   * listKind lists one kind cluster-wide (or in the namespaces it is limited to), with the list's
   * resourceVersion (opaque) for a watch to start from.
   */
  listKind(kind: ManagedKind): Promise<{ objects: LiveObject[]; resourceVersion: string }>;
  /**
   * watchKind streams changes of one kind from resourceVersion until stopped or the stream ends;
   * done is called once, with a KubeError unless stopped (reason 'gone' when the version expired).
   */
  watchKind(kind: ManagedKind, resourceVersion: string, handlers: WatchHandlers): Promise<() => void>;
  /** read reads one object, or undefined when it does not exist. */
  read(ref: ObjectRef): Promise<LiveObject | undefined>;
  /**
   * apply server-side-applies a manifest as trueup's field manager (force: take over other managers'
   * fields; keepLive: Secret keys sent with their live values, see ApplyOptions).
   */
  apply(manifest: ApplyManifest, options: ApplyOptions): Promise<LiveObject>;
  /**
   * validateCreate asks the server whether creating the manifest as a new object would be accepted
   * (validation, quota, admission policies and webhooks), creating nothing: a dry-run create of
   * the same name. The server runs all of those before it looks the name up, so `AlreadyExists`
   * (the object being replaced is still there) means they all passed.
   */
  validateCreate(manifest: ApplyManifest): Promise<void>;
  /** removeKeys removes data/binaryData keys, only if the object is still at resourceVersion. */
  removeKeys(
    ref: ObjectRef,
    paths: string[],
    resourceVersion: string,
    options: { dryRun: boolean },
  ): Promise<LiveObject>;
  /** delete deletes an object, only if it still has this uid and resourceVersion. */
  delete(
    ref: ObjectRef,
    precondition: { uid: string; resourceVersion: string },
    options: { dryRun: boolean },
  ): Promise<void>;
  /** recordEvent records a Kubernetes Event on an object. */
  recordEvent(ref: ObjectRef, uid: string | undefined, event: ObjectEvent): Promise<void>;
  /**
   * close aborts the requests in flight and closes the connections (a one-shot command calls it
   * when done, so an apiserver that never answers cannot keep the process alive); optional for
   * accesses that hold no connections.
   */
  close?(): Promise<void>;
}

/** WatchEventType is the kind of change a watch reports. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** WatchHandlers receive a watch's changes and its end. */
export interface WatchHandlers {
  onChange(type: WatchEventType, object: LiveObject): void;
  /** onProgress reports the newest resourceVersion seen (bookmarks included). */
  onProgress(resourceVersion: string): void;
  onDone(error?: KubeError): void;
}

/** ObjectEvent is a Kubernetes Event trueup records on an object. */
export interface ObjectEvent {
  type: 'Normal' | 'Warning';
  reason: 'DriftDetected' | 'DriftRemediated' | 'RemediationFailed' | 'FlapDetected';
  message: string;
}

export { KubeError, type KubeErrorReason } from './kube-errors.ts';

/** KubeClusterOptions configures kubeClusterAccess (the shared client setup's options). */
export type KubeClusterOptions = KubeClientOptions;

/** kubeClusterAccess returns ClusterAccess for one kubeconfig context. */
export function kubeClusterAccess(
  kubeConfig: KubeConfig,
  cluster: string,
  context: string,
  options: KubeClusterOptions,
): ClusterAccess {
  const client = kubeClient(kubeConfig, cluster, context, options);
  return {
    name: cluster,
    close: () => client.close(),
    listObjects: () => listObjects(client),
    listKind: (kind) => listKind(client, kind),
    watchKind: (kind, resourceVersion, handlers) => watchKind(client, kind, resourceVersion, handlers),
    read: (ref) => readObject(client, ref),
    apply: (manifest, o) => applyManifest(client, manifest, o),
    validateCreate: (manifest) => validateCreate(client, manifest),
    removeKeys: (ref, paths, resourceVersion, o) => removeKeys(client, ref, paths, resourceVersion, o),
    delete: (ref, precondition, o) => deleteObject(client, ref, precondition, o),
    recordEvent: (ref, uid, event) => recordEvent(client, ref, uid, event),
  };
}
