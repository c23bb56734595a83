/**
 * Evidence for alerts that name no pod: their hints (a Service, an app label, a scrape job, a
 * container, or only the namespace) resolved to the namespace's workloads through the workload
 * reader, and — when nothing narrower than the namespace is known — the trueup-managed ConfigMaps
 * and Secrets there with recent activity (a drift now, or a drift or remediation, failed or not,
 * recorded in the last 24 h). Every read that fails becomes a note.
 */
import type { ObjectRef } from '../reconciler/core/model.ts';
import type { EvidenceSources } from './evidence.ts';
import type { Subject } from './model.ts';
import { recentWindowMs } from './scoring-rules.ts';
import { matchWorkloads, type WorkloadHint, type WorkloadSummary } from './workload-match.ts';

/** resolveHints turns the hints into workload subjects (deduplicated, in hint order). */
export async function resolveHints(
  hints: WorkloadHint[],
  sources: Pick<EvidenceSources, 'reader'>,
  notes: string[],
): Promise<Subject[]> {
  const subjects = new Map<string, Subject>();
  const listed = new Map<string, Promise<WorkloadSummary[]>>();
  for (const hint of hints) {
    const reader = sources.reader(hint.cluster);
    if (!reader?.listWorkloads) continue;
    const key = `${hint.cluster}/${hint.namespace}`;
    try {
      let list = listed.get(key);
      if (!list) {
        list = reader.listWorkloads(hint.namespace);
        listed.set(key, list);
      }
      const workloads = await list;
      const service =
        (hint.by === 'service' || hint.by === 'job') && reader.serviceSelector
          ? await reader.serviceSelector(hint.namespace, hint.value)
          : undefined;
      const matched = matchWorkloads(hint, workloads, service);
      const what = hint.by === 'namespace' ? `namespace ${hint.namespace}` : `${hint.label}=${hint.value}`;
      if (matched.length === 0) notes.push(`${what} on ${hint.cluster}: no workload found`);
      for (const w of matched)
        subjects.set(`${hint.cluster}/${w.kind}/${w.name}`, {
          cluster: hint.cluster,
          kind: w.kind,
          namespace: hint.namespace,
          name: w.name,
        });
    } catch (err) {
      notes.push(`workloads of ${hint.namespace} on ${hint.cluster}: ${(err as Error).message}`);
    }
  }
  return [...subjects.values()];
}

/**
 * activeConfigs are the managed ConfigMaps and Secrets of the namespaces of namespace-only hints
 * that drift now, or drifted or were remediated (or failed to be) in the 24 h before now.
 */
export async function activeConfigs(
  hints: WorkloadHint[],
  sources: Pick<EvidenceSources, 'objects'>,
  now: Date,
  max: number,
): Promise<ObjectRef[]> {
  const state = sources.objects.state();
  const since = now.getTime() - recentWindowMs;
  const recent = (records: { time: string }[]) => records.some((r) => Date.parse(r.time) >= since);
  const found: ObjectRef[] = [];
  for (const hint of hints.filter((h) => h.by === 'namespace')) {
    const desired = state?.clusters.find((c) => c.cluster.name === hint.cluster)?.objects ?? [];
    for (const o of desired.filter((d) => d.namespace === hint.namespace).slice(0, max)) {
      const ref: ObjectRef = { cluster: hint.cluster, kind: o.kind, namespace: o.namespace, name: o.name };
      const history = await sources.objects.history({ ...ref, limit: 5 });
      const view = await sources.objects.object(ref);
      const drifting = view.evaluation !== undefined && view.evaluation.drift.status !== 'in-sync';
      if (drifting || recent(history.drifts) || recent(history.remediations)) found.push(ref);
    }
  }
  return found;
}
