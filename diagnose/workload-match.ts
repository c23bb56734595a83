/**
 * Alerts that name no pod: which workloads of a namespace an alert's other labels point at — a
 * Service (its selector), an app label (`app`, `app_kubernetes_io_name`/`instance` as Prometheus
 * writes `app.kubernetes.io/name`/`instance`), a scrape `job` (a Job of that name, else a Service
 * of that name, else the app label), a CronJob (its newest Job, Pod → Job → CronJob), a container
 * name, or only the namespace (every workload in it). Pure: the workloads and the Service's selector are read by the caller.
 */
import type { WorkloadKind } from './model.ts';

/** WorkloadHint is a label of an alert that points at workloads without naming one. */
export interface WorkloadHint {
  cluster: string;
  namespace: string;
  by: 'service' | 'label' | 'job' | 'cronjob' | 'container' | 'namespace';
  /** key is the pod label for `label` hints (e.g. `app.kubernetes.io/name`). */
  key?: string;
  value: string;
  /** label is the alert label it came from, for notes. */
  label: string;
}

/** WorkloadSummary is one workload of a namespace: its kind, name, pod labels and container names. */
export interface WorkloadSummary {
  kind: Exclude<WorkloadKind, 'Pod'>;
  name: string;
  /** podLabels are the pod template's labels (with the controller's own labels as a fallback). */
  podLabels: Record<string, string>;
  containers: string[];
  /** ownedBy names the controller of a Job (a CronJob), so its Jobs are not all listed. */
  ownedBy?: string;
}

/** appLabelKeys are the pod labels an `app`-like alert label may mean, most specific first. */
export const appLabelKeys: Record<string, string[]> = {
  app: ['app', 'app.kubernetes.io/name', 'k8s-app'],
  app_kubernetes_io_name: ['app.kubernetes.io/name', 'app'],
  app_kubernetes_io_instance: ['app.kubernetes.io/instance'],
  k8s_app: ['k8s-app', 'app'],
};

/** selects tells whether a selector (all its labels) matches a pod's labels; an empty one matches none. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/**
 * matchWorkloads lists the workloads a hint points at. serviceSelector is the selector of the
 * Service the hint names (service and job hints), when one exists.
 */
export function matchWorkloads(
  hint: WorkloadHint,
  workloads: WorkloadSummary[],
  serviceSelector?: Record<string, string>,
): WorkloadSummary[] {
  const byLabel = (keys: string[]) =>
    workloads.filter((w) => keys.some((k) => w.podLabels[k] === hint.value));
  switch (hint.by) {
    case 'service':
      return serviceSelector ? workloads.filter((w) => selects(serviceSelector, w.podLabels)) : [];
    case 'label':
      return byLabel(hint.key ? [hint.key] : (appLabelKeys.app as string[]));
    case 'job': {
      const job = workloads.filter((w) => w.kind === 'Job' && w.name === hint.value);
      if (job.length) return job;
      if (serviceSelector) return workloads.filter((w) => selects(serviceSelector, w.podLabels));
      return byLabel(appLabelKeys.app as string[]);
    }
    case 'cronjob':
      // Its Jobs share one template: the last listed (names end in the schedule time) is the newest.
      return workloads.filter((w) => w.kind === 'Job' && w.ownedBy === hint.value).slice(-1);
    case 'container':
      return workloads.filter((w) => w.containers.includes(hint.value));
    case 'namespace':
      // Every workload, but one Job per CronJob is enough to see what its pods use.
      return workloads.filter(
        (w, i) => !w.ownedBy || workloads.findIndex((x) => x.ownedBy === w.ownedBy) === i,
      );
  }
}
