/**
 * Loaded with `node --import` into a real `trueup` process by the crash-recovery test: the first
 * write trueup sends with server-side apply (not a dry-run) kills the process with SIGKILL, before
 * the request leaves (TRUEUP_TEST_CRASH=before-write) or once the apiserver has answered it
 * (after-write). Only the Kubernetes client is touched; everything else runs as in production.
 * It patches the client trueup really loads (the install-time bundle, else the package) by going
 * through the same loader.
 */
import { KubernetesObjectApi } from '../../reconciler/kube/client-node.ts';

const mode = process.env.TRUEUP_TEST_CRASH;
const patch = KubernetesObjectApi.prototype.patch;
KubernetesObjectApi.prototype.patch = async function crashing(this: KubernetesObjectApi, ...args) {
  const dryRun = args[2];
  if (dryRun === undefined && mode === 'before-write') process.kill(process.pid, 'SIGKILL');
  const result = await patch.apply(this, args);
  if (dryRun === undefined && mode === 'after-write') process.kill(process.pid, 'SIGKILL');
  return result;
} as typeof patch;
