/**
 * The Kubernetes client library, loaded once for every runtime user in trueup (kube/, the CLI,
 * leader election, diagnosis's reads). client-node is ~870 modules (its generated models and APIs
 * load whatever is imported); as one file built at install time (`npm run build:kube`, run by
 * `prepare`) it loads in about half the time (bench: "import of what diff loads"). Without the
 * bundle (not built, or built for another version) the package itself is loaded: same code, same
 * behaviour. Types come from the package (`import type`), which costs nothing at run time.
 */
import type * as ClientNode from '@kubernetes/client-node';
import { bundledClientNode } from './client-node-path.ts';

const bundled = bundledClientNode();
const k8s = (await import(bundled ?? '@kubernetes/client-node')) as typeof ClientNode;

/** KubeConfig is client-node's kubeconfig loader and authenticator (exec, OIDC, certs, in-cluster). */
export const KubeConfig = k8s.KubeConfig;
/** KubeConfig is the type of a loaded kubeconfig. */
export type KubeConfig = ClientNode.KubeConfig;
/** CoreV1Api is the core/v1 API client. */
export const CoreV1Api = k8s.CoreV1Api;
/** CoreV1Api is the type of a core/v1 API client. */
export type CoreV1Api = ClientNode.CoreV1Api;
/** AppsV1Api is the apps/v1 API client (diagnosis reads workloads). */
export const AppsV1Api = k8s.AppsV1Api;
/** AppsV1Api is the type of an apps/v1 API client. */
export type AppsV1Api = ClientNode.AppsV1Api;
/** BatchV1Api is the batch/v1 API client (diagnosis reads jobs). */
export const BatchV1Api = k8s.BatchV1Api;
/** BatchV1Api is the type of a batch/v1 API client. */
export type BatchV1Api = ClientNode.BatchV1Api;
/** CoordinationV1Api is the coordination/v1 API client (leader election's Lease). */
export const CoordinationV1Api = k8s.CoordinationV1Api;
/** CoordinationV1Api is the type of a coordination/v1 API client. */
export type CoordinationV1Api = ClientNode.CoordinationV1Api;
/** KubernetesObjectApi is the generic object client (server-side apply). */
export const KubernetesObjectApi = k8s.KubernetesObjectApi;
/** KubernetesObjectApi is the type of the generic object client. */
export type KubernetesObjectApi = ClientNode.KubernetesObjectApi;
/** Watch is client-node's watch (streamed events of a LIST). */
export const Watch = k8s.Watch;
/** Watch is the type of a watch. */
export type Watch = ClientNode.Watch;
/** V1MicroTime is the Lease's time type. */
export const V1MicroTime = k8s.V1MicroTime;
/** V1MicroTime is the type of a Lease time. */
export type V1MicroTime = ClientNode.V1MicroTime;
/** PatchStrategy names the patch content types. */
export const PatchStrategy = k8s.PatchStrategy;
/** setHeaderOptions sets a request header (the patch content type) on one call. */
export const setHeaderOptions = k8s.setHeaderOptions;
