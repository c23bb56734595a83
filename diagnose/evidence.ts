/**
 * Evidence: what trueup knows about an alert group, gathered deterministically before any LLM.
 * From the alerts' labels to the workloads they name, the ConfigMaps and Secrets those use, and for
 * each of those: live state (Secrets as key names and digests), the current drift with its
 * attribution and decision, recent recorded drifts and remediations, which file, line and commit
 * set each key, recent commits to those files, and Events. ConfigMaps and Secrets are read through
 * the read port (reconciler/sync/object-reader.ts): in serve from the daemon's cache, and never more
 * than once per investigation. Every read that fails becomes a note: evidence is never silently
 * missing.
 */

import { type DesiredObject, type LiveObject, type ObjectRef, objectKey } from '../reconciler/core/model.ts';
import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import type { Scrub } from '../reconciler/core/secret-guard.ts';
import { digestOf, SecretValue } from '../reconciler/core/secret-value.ts';
import type { LineOrigin } from '../reconciler/git/git-source.ts';
import { driftWithCommits, type ObjectReader } from '../reconciler/sync/object-reader.ts';
import type { AlertGroup } from './alert.ts';
import { alertNamed, inNamespace } from './findings.ts';
import { activeConfigs, resolveHints } from './hint-evidence.ts';
import type { WorkloadReader } from './kube-reader.ts';
import type {
  ConfigEvidence,
  ConfigReference,
  EvidenceBundle,
  Subject,
  WorkloadEvidence,
  WorkloadKind,
} from './model.ts';
import { configReferences } from './references.ts';
import { addRevert, type FileAt } from './revert-evidence.ts';
import { subjectsOf } from './subjects.ts';

/** EvidenceSources are the read-only edges evidence is gathered through. */
export interface EvidenceSources {
  /**
   * objects is the read port for ConfigMaps and Secrets (desired, live, evaluation, provenance,
   * history, approvals) and the fleet state; nothing in it can write.
   */
  objects: ObjectReader;
  /** reader reads workloads, pods and Events of one cluster (undefined: no access to it). */
  reader(cluster: string): WorkloadReader | undefined;
  git: {
    log(path: string, options: { revision?: string; max?: number }): Promise<LineOrigin[]>;
    /** fileAt reads a file at a revision (or before it): for a rolled-out commit's revert patch. */
    fileAt?: FileAt;
  };
  now?: () => Date;
  /** scrub replaces known Secret values in live values before they are cut to size (see secret-guard.ts). */
  scrub?: Scrub;
}

/** EvidenceOptions bound the gathering. */
export interface EvidenceOptions {
  clusterLabel: string;
  /** defaultCluster is the cluster of alerts without a cluster label (unset: every fleet cluster). */
  defaultCluster?: string;
  maxSubjects: number;
  maxConfigs: number;
  /** maxValueChars trims ConfigMap values shown as live state. */
  maxValueChars: number;
}

/** defaultEvidenceOptions are the defaults of EvidenceOptions. */
export function defaultEvidenceOptions(): EvidenceOptions {
  return { clusterLabel: 'cluster', maxSubjects: 10, maxConfigs: 20, maxValueChars: 200 };
}

/** gatherEvidence builds the evidence bundle for one alert group. */
export async function gatherEvidence(
  group: AlertGroup,
  sources: EvidenceSources,
  options: EvidenceOptions = defaultEvidenceOptions(),
): Promise<EvidenceBundle> {
  const now = sources.now?.() ?? new Date();
  const state = sources.objects.state();
  const fleetClusters = state?.fleet?.clusters.map((c) => c.name) ?? [];
  const found = subjectsOf(group, {
    clusterLabel: options.clusterLabel,
    fleetClusters,
    ...(options.defaultCluster !== undefined ? { defaultCluster: options.defaultCluster } : {}),
  });
  const notes = [...found.notes];
  if (!state) notes.push('the fleet repo has not been read yet: no desired state, drift or provenance');
  // Labels that point at workloads without naming one (service, app, job, container, namespace).
  const all = uniqueSubjects([...found.subjects, ...(await resolveHints(found.hints, sources, notes))]);
  const subjects = all.slice(0, options.maxSubjects);
  if (all.length > subjects.length) notes.push(`${all.length - subjects.length} more subjects not examined`);

  const workloads: WorkloadEvidence[] = [];
  const configTargets = new Map<string, { ref: ObjectRef; usedBy: ConfigEvidence['usedBy'] }>();
  const addConfig = (cluster: string, workload: string, r: ConfigReference | ObjectRef) => {
    const ref = { cluster, kind: r.kind, namespace: r.namespace, name: r.name } as ObjectRef;
    const key = `${cluster}/${objectKey(ref)}`;
    const target = configTargets.get(key) ?? { ref, usedBy: [] };
    target.usedBy.push({
      workload,
      keys: 'keys' in r ? r.keys : [],
      via: 'via' in r ? r.via : [],
      ...('optional' in r && r.optional ? { optional: true } : {}),
    });
    configTargets.set(key, target);
  };
  for (const subject of subjects) {
    if (subject.kind === 'ConfigMap' || subject.kind === 'Secret') {
      addConfig(subject.cluster, alertNamed, subject as ObjectRef);
      continue;
    }
    const evidence = await workloadEvidence(subject, sources, notes);
    workloads.push(evidence);
    for (const r of evidence.references) addConfig(subject.cluster, `${subject.kind}/${subject.name}`, r);
  }
  // Nothing narrower than the namespace: its managed configs with recent activity too.
  for (const ref of await activeConfigs(found.hints, sources, now, options.maxConfigs))
    if (!configTargets.has(`${ref.cluster}/${objectKey(ref)}`)) addConfig(ref.cluster, inNamespace, ref);

  const targets = [...configTargets.values()].slice(0, options.maxConfigs);
  if (configTargets.size > targets.length)
    notes.push(`${configTargets.size - targets.length} more ConfigMaps/Secrets not examined`);
  const configs: ConfigEvidence[] = [];
  for (const t of targets) configs.push(await configEvidence(t.ref, t.usedBy, sources, options, notes));
  return {
    gatheredAt: now.toISOString(),
    ...(state ? { revision: state.revision } : {}),
    subjects,
    workloads,
    configs,
    notes,
  };
}

/** uniqueSubjects drops repeated subjects (a pod named by one alert, found by another's hint). */
function uniqueSubjects(subjects: Subject[]): Subject[] {
  const seen = new Map<string, Subject>();
  for (const s of subjects) {
    const key = `${s.cluster}/${s.kind}/${s.namespace}/${s.name}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

/** gatherConfigEvidence is the evidence of one ConfigMap or Secret (notes say what could not be read). */
export async function gatherConfigEvidence(
  ref: ObjectRef,
  usedBy: ConfigEvidence['usedBy'],
  sources: EvidenceSources,
  options: EvidenceOptions = defaultEvidenceOptions(),
): Promise<ConfigEvidence & { notes: string[] }> {
  const notes: string[] = [];
  const evidence = await configEvidence(ref, usedBy, sources, options, notes);
  return { ...evidence, notes };
}

async function workloadEvidence(
  subject: Subject,
  sources: EvidenceSources,
  notes: string[],
): Promise<WorkloadEvidence> {
  const evidence: WorkloadEvidence = { subject, found: false, pods: [], references: [], events: [] };
  const reader = sources.reader(subject.cluster);
  if (!reader) {
    evidence.error = `no access to cluster ${subject.cluster}`;
    notes.push(evidence.error);
    return evidence;
  }
  const what = formatObjectRef(subject);
  try {
    const workload = await reader.readWorkload(subject.kind as WorkloadKind, subject.namespace, subject.name);
    evidence.found = workload.found;
    if (!workload.found) {
      notes.push(`${what} not found`);
      return evidence;
    }
    evidence.references = configReferences(workload.podSpec, subject.namespace);
    if (workload.pod) evidence.pods = [workload.pod];
    else if (workload.selector && Object.keys(workload.selector).length > 0)
      evidence.pods = await reader.listPods(subject.namespace, workload.selector, 10);
    evidence.events = await reader.events(subject.namespace, { kind: subject.kind, name: subject.name }, 10);
    for (const pod of subject.kind === 'Pod' ? [] : evidence.pods.slice(0, 3)) {
      evidence.events.push(...(await reader.events(subject.namespace, { kind: 'Pod', name: pod.name }, 5)));
    }
  } catch (err) {
    evidence.error = (err as Error).message;
    notes.push(`${what}: ${evidence.error}`);
  }
  return evidence;
}

async function configEvidence(
  ref: ObjectRef,
  usedBy: ConfigEvidence['usedBy'],
  sources: EvidenceSources,
  options: EvidenceOptions,
  notes: string[],
): Promise<ConfigEvidence> {
  const revision = sources.objects.state()?.revision;
  const view = await sources.objects.object(ref);
  const { desired, live, evaluation } = view;
  const evidence: ConfigEvidence = {
    ...ref,
    usedBy,
    managed: desired !== undefined,
    drifts: [],
    remediations: [],
    provenance: {},
    commits: [],
    events: [],
  };
  const what = formatObjectRef(ref);
  if (live) evidence.live = liveSummary(live, desired, options.maxValueChars, sources.scrub);
  else if (view.liveError) {
    evidence.liveError = view.liveError;
    notes.push(`${what}: ${evidence.liveError}`);
  } else evidence.liveError = 'not found';
  // One blame per object, shared by the drift's commits and the keys' origins (a copy: the
  // evaluation and the fleet state it came from are not this evidence's to fill in).
  const provenance = revision && desired ? await sources.objects.provenance(ref) : {};
  if (evaluation && evaluation.drift.status !== 'in-sync')
    evidence.drift = driftWithCommits(evaluation.drift, provenance);
  const history = await sources.objects.history({ ...ref, limit: 10 });
  evidence.drifts = history.drifts.map((r) => ({
    id: r.id,
    time: r.time,
    revision: r.revision,
    status: r.drift.status,
    paths: r.drift.changes.map((c) => c.path),
  }));
  evidence.remediations = history.remediations;
  if (revision && desired) {
    evidence.provenance = provenance;
    await addCommits(evidence, provenance, revision, sources, notes);
  }
  evidence.events = await configEvents(ref, sources, notes, what);
  if (revision && desired && sources.git.fileAt)
    await addRevert(evidence, revision, sources.git.fileAt, notes);
  return evidence;
}

/** configEvents are the Events about a ConfigMap or Secret (a failed read becomes a note). */
async function configEvents(
  ref: ObjectRef,
  sources: EvidenceSources,
  notes: string[],
  what: string,
): Promise<ConfigEvidence['events']> {
  const reader = sources.reader(ref.cluster);
  if (!reader) return [];
  return reader.events(ref.namespace, { kind: ref.kind, name: ref.name }, 10).catch((err: Error) => {
    notes.push(`${what} events: ${err.message}`);
    return [];
  });
}

/** addCommits adds the recent commits of the files that set the object's keys. */
async function addCommits(
  evidence: ConfigEvidence,
  provenance: Record<string, { file: string }>,
  revision: string,
  sources: EvidenceSources,
  notes: string[],
): Promise<void> {
  for (const file of new Set(Object.values(provenance).map((o) => o.file))) {
    try {
      for (const c of await sources.git.log(file, { revision, max: 5 })) {
        evidence.commits.push({ commit: c.commit, author: c.author, time: c.time, summary: c.summary, file });
      }
    } catch (err) {
      notes.push(`git log ${file}: ${(err as Error).message}`);
    }
  }
}

/**
 * liveSummary is an object's live content for evidence: Secrets are digests already, and so become
 * the values whose desired counterpart SOPS decrypted; every value is scrubbed, then trimmed (in
 * that order, so a cut never leaves the head of a Secret value behind).
 */
function liveSummary(
  live: LiveObject,
  desired: DesiredObject | undefined,
  maxChars: number,
  scrub: Scrub = (v) => v,
): NonNullable<ConfigEvidence['live']> {
  const sealed = new Set(desired?.secretPaths ?? []);
  const isSealed = (path: string, v: string) => (sealed.has(path) ? digestOf(v) : v);
  const trim = (v: string) => (v.length > maxChars ? `${v.slice(0, maxChars)}…[${v.length} chars]` : v);
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(live.data)) {
    const secret = live.kind === 'ConfigMap' && desired?.data[k] instanceof SecretValue;
    data[k] = trim(scrub(secret ? digestOf(v) : v));
  }
  for (const k of Object.keys(live.binaryData)) data[k] = '[binary]';
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(live.labels)) labels[k] = scrub(isSealed(`metadata.labels.${k}`, v));
  return { resourceVersion: live.resourceVersion, data, labels };
}
