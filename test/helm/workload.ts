/**
 * Diagnosis fixtures for the chart's RBAC test: a crash-looping workload that uses a ConfigMap, and
 * the Alertmanager webhook payload that names it (test/integration/workloads.ts, with this test's names).
 */
import { crashLoopAlert, createCrashingWorkload } from '../integration/workloads.ts';

/** createWorkload makes a Deployment api -> ReplicaSet -> crash-looping Pod api-7d9-x1 that uses app-config. */
export function createWorkload(context: string, ns: string): Promise<string> {
  return createCrashingWorkload(context, ns, 'api', 'app-config');
}

/** alert is an Alertmanager webhook payload for a crash-looping pod on one cluster. */
export function alert(local: string, ns: string, pod: string) {
  return crashLoopAlert(local, ns, pod, 'helm-rbac');
}
