/**
 * Subjects: which objects an alert group points at, read from the alerts' labels (the kube-state-
 * metrics / kubernetes-mixin names: namespace, pod, deployment, statefulset, daemonset, job,
 * container, configmap, secret), and hints for the labels that point at workloads without naming
 * one (service, app, app_kubernetes_io_name/instance, a scrape job, a container; the namespace when
 * nothing narrower is known), resolved by evidence.ts through workload-match.ts. Pure.
 */
import { type Alert, type AlertGroup, isFiring } from './alert.ts';
import type { Subject } from './model.ts';
import { appLabelKeys, type WorkloadHint } from './workload-match.ts';

/** SubjectOptions say how to read cluster names from labels. */
export interface SubjectOptions {
  /** clusterLabel is the label naming the cluster (default `cluster`). */
  clusterLabel: string;
  /** fleetClusters are the fleet's cluster names; an alert without a cluster label means each. */
  fleetClusters: readonly string[];
  /**
   * defaultCluster is the cluster of alerts without a cluster label (an Alertmanager that does not
   * label the cluster, `--default-cluster`); unset: every fleet cluster.
   */
  defaultCluster?: string;
}

const kindLabels: [string, Subject['kind']][] = [
  ['configmap', 'ConfigMap'],
  ['secret', 'Secret'],
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['job', 'Job'],
  ['job_name', 'Job'],
  ['pod', 'Pod'],
];

/** SubjectsResult are the subjects, hints to resolve to workloads, and notes about labels that could not be used. */
export interface SubjectsResult {
  subjects: Subject[];
  hints: WorkloadHint[];
  notes: string[];
}

/**
 * subjectsOf lists the objects the group's firing alerts name (all alerts when none fires),
 * deduplicated, in a stable order. Cluster names outside the fleet are noted, not guessed.
 */
export function subjectsOf(group: AlertGroup, options: SubjectOptions): SubjectsResult {
  const firing = group.alerts.filter(isFiring);
  const alerts = firing.length > 0 ? firing : group.alerts;
  const subjects = new Map<string, Subject>();
  const hints = new Map<string, WorkloadHint>();
  const notes = new Set<string>();
  for (const alert of alerts) {
    const found = subjectsOfAlert(alert, options, notes);
    for (const subject of found.subjects) {
      subjects.set(`${subject.cluster}/${subject.kind}/${subject.namespace}/${subject.name}`, subject);
    }
    for (const h of found.hints) hints.set(`${h.cluster}/${h.namespace}/${h.by}/${h.key}/${h.value}`, h);
  }
  return { subjects: [...subjects.values()], hints: [...hints.values()], notes: [...notes] };
}

/** clustersOf are the clusters an alert is about: its cluster label, else the default, else all. */
function clustersOf(alert: Alert, options: SubjectOptions, notes: Set<string>): readonly string[] {
  const clusterName = alert.labels[options.clusterLabel];
  if (clusterName === undefined) {
    if (options.defaultCluster !== undefined) {
      if (!options.fleetClusters.includes(options.defaultCluster)) {
        notes.add(`the default cluster ${JSON.stringify(options.defaultCluster)} is not in the fleet`);
        return [];
      }
      notes.add(
        `alert ${alert.fingerprint} has no ${options.clusterLabel} label: looked in the default cluster ${options.defaultCluster}`,
      );
      return [options.defaultCluster];
    }
    notes.add(
      `alert ${alert.fingerprint} has no ${options.clusterLabel} label: looked in every fleet cluster`,
    );
    return options.fleetClusters;
  }
  if (options.fleetClusters.includes(clusterName)) return [clusterName];
  notes.add(`cluster ${JSON.stringify(clusterName)} of alert ${alert.fingerprint} is not in the fleet`);
  return [];
}

/** hintsOf are the labels that point at workloads without naming one; the namespace when there is none. */
function hintsOf(labels: Alert['labels'], named: boolean): Omit<WorkloadHint, 'cluster' | 'namespace'>[] {
  const hints: Omit<WorkloadHint, 'cluster' | 'namespace'>[] = [];
  if (labels.service) hints.push({ by: 'service', value: labels.service, label: 'service' });
  for (const [label, [key]] of Object.entries(appLabelKeys) as [string, string[]][]) {
    const value = labels[label];
    if (value) hints.push({ by: 'label', key, value, label });
  }
  // A `job` label is a Job's name (kube-state-metrics) or Prometheus's scrape job (often a Service's name).
  if (labels.job && !named) hints.push({ by: 'job', value: labels.job, label: 'job' });
  // kube-state-metrics' CronJob metrics carry `cronjob`: the pods are those of its Jobs.
  if (labels.cronjob) hints.push({ by: 'cronjob', value: labels.cronjob, label: 'cronjob' });
  if (labels.container && !named)
    hints.push({ by: 'container', value: labels.container, label: 'container' });
  if (!named && hints.length === 0) hints.push({ by: 'namespace', value: '', label: 'namespace' });
  return hints;
}

function subjectsOfAlert(
  alert: Alert,
  options: SubjectOptions,
  notes: Set<string>,
): { subjects: Subject[]; hints: WorkloadHint[] } {
  const labels = alert.labels;
  const namespace = labels.namespace ?? labels.exported_namespace;
  const clusters = clustersOf(alert, options, notes);
  if (clusters.length === 0) return { subjects: [], hints: [] };
  if (!namespace) {
    notes.add(`alert ${alert.fingerprint} has no namespace label: no object to look at`);
    return { subjects: [], hints: [] };
  }
  const named = kindLabels.filter(([label]) => labels[label]);
  // kube-state-metrics' job label names a Job; Prometheus's names a scrape job: a hint too.
  const direct = named.filter(([label]) => label !== 'job');
  const hints = hintsOf(labels, direct.length > 0);
  if (hints.some((h) => h.by === 'namespace'))
    notes.add(
      `alert ${alert.fingerprint} names no pod, workload, ConfigMap or Secret: looked at the workloads of namespace ${namespace}`,
    );
  const subjects = clusters.flatMap((cluster) =>
    named.map(([label, kind]) => ({
      cluster,
      kind,
      namespace,
      name: labels[label] as string,
      ...(labels.container && kind !== 'ConfigMap' && kind !== 'Secret'
        ? { container: labels.container }
        : {}),
    })),
  );
  return { subjects, hints: clusters.flatMap((cluster) => hints.map((h) => ({ ...h, cluster, namespace }))) };
}
