/**
 * Subjects: which objects an alert group points at, read from the alerts' labels (the kube-state-
 * metrics / kubernetes-mixin names: namespace, pod, deployment, statefulset, daemonset, job,
 * container, configmap, secret). Pure.
 */
import { type Alert, type AlertGroup, isFiring } from './alert.ts';
import type { Subject } from './model.ts';

/** SubjectOptions say how to read cluster names from labels. */
export interface SubjectOptions {
  /** clusterLabel is the label naming the cluster (default `cluster`). */
  clusterLabel: string;
  /** fleetClusters are the fleet's cluster names; an alert without a cluster label means each. */
  fleetClusters: readonly string[];
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

/** SubjectsResult are the subjects, and notes about labels that could not be used. */
export interface SubjectsResult {
  subjects: Subject[];
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
  const notes = new Set<string>();
  for (const alert of alerts) {
    for (const subject of subjectsOfAlert(alert, options, notes)) {
      subjects.set(`${subject.cluster}/${subject.kind}/${subject.namespace}/${subject.name}`, subject);
    }
  }
  return { subjects: [...subjects.values()], notes: [...notes] };
}

function subjectsOfAlert(alert: Alert, options: SubjectOptions, notes: Set<string>): Subject[] {
  const labels = alert.labels;
  const namespace = labels.namespace ?? labels.exported_namespace;
  const clusterName = labels[options.clusterLabel];
  let clusters: readonly string[];
  if (clusterName === undefined) {
    clusters = options.fleetClusters;
    notes.add(
      `alert ${alert.fingerprint} has no ${options.clusterLabel} label: looked in every fleet cluster`,
    );
  } else if (options.fleetClusters.includes(clusterName)) {
    clusters = [clusterName];
  } else {
    notes.add(`cluster ${JSON.stringify(clusterName)} of alert ${alert.fingerprint} is not in the fleet`);
    return [];
  }
  if (!namespace) {
    notes.add(`alert ${alert.fingerprint} has no namespace label: no object to look at`);
    return [];
  }
  const named = kindLabels.filter(([label]) => labels[label]);
  if (named.length === 0) {
    notes.add(`alert ${alert.fingerprint} names no pod, workload, ConfigMap or Secret`);
    return [];
  }
  return clusters.flatMap((cluster) =>
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
}
