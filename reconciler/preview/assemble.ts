/**
 * Assembling a preview from its parts, pure: the base and head fleet states, and the head's
 * one-shot cycle run as a server dry-run against the live clusters (its drifts and change set).
 * Splits each cluster's drift into what the head changes and what already differed live, gives
 * each apply its fate, compares the two revisions' policies, and keeps only the errors and
 * conflicts the head introduces.
 */
import { decide, type PolicyObject } from '../../policies/engine.ts';
import type { Policy } from '../../policies/policy-file.ts';
import type { Decision } from '../core/decision.ts';
import { type Conflict, type Drift, objectKey, type RepoError } from '../core/model.ts';
import type { ClusterDesiredState } from '../repo/desired-state.ts';
import type { FleetState } from '../repo/fleet-state.ts';
import type { ChangeSetEntry, ClusterReport, CycleReport } from '../sync/change-set.ts';
import { compareObjects } from './compare.ts';
import { groupClusters } from './group.ts';
import type {
  Cause,
  ClusterPreview,
  Fate,
  LiveDrift,
  ObjectChange,
  PolicyNote,
  PreviewApply,
  PreviewReport,
} from './model.ts';
import { fleetSummary } from './summary.ts';

/** PreviewInput is what a preview is assembled from. */
export interface PreviewInput {
  base: { ref: string; state: FleetState };
  head: { ref: string; state: FleetState };
  /** cycle is the head's cycle with remediation on, as a dry-run (nothing applied). */
  cycle: CycleReport;
  /** now is when policies' windows are read (the cycle's clock). */
  now: Date;
}

/** assemblePreview builds the preview report. */
export function assemblePreview(input: PreviewInput): PreviewReport {
  const { base, head } = input;
  const policiesChanged = policyText(base.state.policy) !== policyText(head.state.policy);
  const policies = {
    base: base.state.policy,
    head: head.state.policy,
    changed: policiesChanged,
    now: input.now,
  };
  const clusters = input.cycle.clusters.map((report) =>
    clusterPreview(
      report,
      base.state.clusters.find((c) => c.cluster.name === report.name),
      head.state.clusters.find((c) => c.cluster.name === report.name),
      policies,
    ),
  );
  const errors = introduced(head.state.errors, base.state.errors, errorKey);
  const baseErrors = head.state.errors.filter((e) => !errors.includes(e));
  const covered = new Set(clusters.map((c) => c.name));
  const conflicts = introduced(head.state.conflicts, base.state.conflicts, conflictKey).filter((c) =>
    covered.has(c.cluster),
  );
  const refused = clusters.some((c) => c.applies.some((a) => a.fate === 'refused'));
  const failed = errors.length > 0 || refused || clusters.some((c) => !c.reachable);
  const changed = clusters.some((c) => c.changes.length > 0);
  const errorText = errors.length ? `; ${errors.length} repo error(s) introduced` : '';
  return {
    base: { ref: base.ref, revision: base.state.revision },
    head: { ref: head.ref, revision: head.state.revision },
    summary: `${fleetSummary(clusters)}${errorText}`,
    outcome: failed ? 'errors' : changed ? 'changes' : 'no-change',
    policies: policyNote(policiesChanged, clusters),
    clusters,
    groups: groupClusters(clusters),
    errors,
    baseErrors,
    conflicts,
  };
}

interface Policies {
  base: Policy;
  head: Policy;
  /** changed: the head's policies differ from the base's. */
  changed: boolean;
  now: Date;
}

function clusterPreview(
  report: ClusterReport,
  base: ClusterDesiredState | undefined,
  head: ClusterDesiredState | undefined,
  policies: Policies,
): ClusterPreview {
  const changes = compareObjects(base?.objects ?? [], head?.objects ?? []);
  const touched = new Map(changes.map((c) => [objectKey(c), c]));
  const drift: LiveDrift[] = [];
  const applies: PreviewApply[] = [];
  for (const d of report.drifts) {
    if (d.status === 'in-sync') continue;
    const change = touched.get(objectKey(d));
    // Drift on objects the head does not touch is not this change's: `trueup diff` shows it.
    if (!change) continue;
    const own = liveDriftOf(d, change);
    if (own) drift.push(own);
    const entry = report.changeSet.find((e) => objectKey(e) === objectKey(d));
    if (!entry) continue;
    const cause: Cause = own ? (headChangesLive(d, change) ? 'both' : 'drift') : 'head';
    const apply = applyOf(entry, d, cause);
    const baseDecision = otherDecision(
      policies,
      base ?? head,
      d,
      head?.objects.find((o) => objectKey(o) === objectKey(d))?.labels,
    );
    applies.push(baseDecision ? { ...apply, baseDecision } : apply);
  }
  return {
    name: report.name,
    reachable: report.reachable,
    ...(report.error ? { error: report.error } : {}),
    changes,
    drift,
    applies,
  };
}

/** liveDriftOf is the part of an object's drift on paths the head leaves as the base had them. */
function liveDriftOf(d: Drift, change: ObjectChange): LiveDrift | undefined {
  const changed = new Set(change.keys.map((k) => k.path));
  const ref = { kind: d.kind, namespace: d.namespace, name: d.name };
  // Missing live, while the base already declared it: the merge would also create it.
  if (d.status === 'missing')
    return change.change === 'modified' ? { ...ref, status: 'missing', changes: [] } : undefined;
  if (d.status !== 'modified') return undefined;
  const changes = d.changes.filter((c) => !changed.has(c.path));
  return changes.length > 0 ? { ...ref, status: 'modified', changes } : undefined;
}

/** headChangesLive tells whether the head's own changes are among what the apply changes live. */
function headChangesLive(d: Drift, change: ObjectChange): boolean {
  const changed = new Set(change.keys.map((k) => k.path));
  return d.status !== 'modified' || d.changes.some((c) => changed.has(c.path));
}

/** fateOf says what the change-set entry of a dry-run cycle means for the object. */
export function fateOf(entry: ChangeSetEntry, drift: Pick<Drift, 'status'>): Fate {
  if (entry.dryRun === 'failed') return 'refused';
  if (entry.pending) return 'approval';
  if (entry.action === 'deleted') return 'pruned';
  if (drift.status === 'orphaned') return entry.decision.mode === 'observe' ? 'observed' : 'kept';
  if (entry.decision.mode === 'auto' && entry.dryRun === 'passed') return 'applied';
  if (entry.decision.mode === 'approve') return 'approval';
  return 'observed';
}

function applyOf(entry: ChangeSetEntry, drift: Drift, cause: Cause): PreviewApply {
  const fate = fateOf(entry, drift);
  return {
    kind: entry.kind,
    namespace: entry.namespace,
    name: entry.name,
    cause,
    fate,
    // A pending change shows what approving it would do.
    action: entry.pending?.action ?? entry.action,
    reasons: entry.reasons,
    decision: entry.decision,
    dryRun: entry.dryRun ?? 'not-run',
    ...(entry.error ? { error: entry.error } : {}),
    ...(entry.failure ? { failure: entry.failure } : {}),
  };
}

/**
 * otherDecision is the base policies' decision for the object when it differs from the head
 * policies' (before waves and limits, which depend on the cycle): set only where the head changes
 * what the policies decide.
 */
function otherDecision(
  policies: Policies,
  state: ClusterDesiredState | undefined,
  drift: Drift,
  labels: Record<string, string> | undefined,
): Decision | undefined {
  if (!state || !policies.changed) return undefined;
  const object: PolicyObject = {
    cluster: { name: state.cluster.name, labels: state.cluster.labels },
    kind: drift.kind,
    namespace: drift.namespace,
    name: drift.name,
    labels: labels ?? {},
  };
  const context = { remediate: true, now: policies.now };
  const before = decide(policies.base, object, drift, context);
  const after = decide(policies.head, object, drift, context);
  if (before.mode === after.mode && before.ruleRefs.join() === after.ruleRefs.join()) return undefined;
  return {
    mode: before.mode,
    reasons: before.reasons,
    ruleRefs: before.ruleRefs,
    ...(before.hold ? { hold: before.hold } : {}),
  };
}

/** policyNote compares the two revisions' policies; decisions are always the head's. */
function policyNote(changed: boolean, clusters: readonly ClusterPreview[]): PolicyNote {
  const decisionsChanged = clusters.reduce((n, c) => n + c.applies.filter((a) => a.baseDecision).length, 0);
  if (!changed) return { changed, decisionsChanged };
  const differ = decisionsChanged === 1 ? '1 differs' : `${decisionsChanged} differ`;
  const note = `the head changes the policies; decisions here are the head's (${
    decisionsChanged ? `${differ} from the base's policies` : "none differs from the base's for these changes"
  })`;
  return { changed, decisionsChanged, note };
}

/** policyText is a comparable text of a policy: rules as written (their place in the file aside). */
function policyText(p: Policy): string {
  const rules = p.rules.map(({ ref: _ref, windows, ...rule }) => ({
    ...rule,
    windows: windows.map((w) => JSON.stringify(w, (_k, v) => (typeof v === 'function' ? undefined : v))),
  }));
  return JSON.stringify({ ...p, rules });
}

function introduced<T>(head: readonly T[], base: readonly T[], key: (t: T) => string): T[] {
  const known = new Set(base.map(key));
  return head.filter((t) => !known.has(key(t)));
}

// Lines move when a file above them changes: an error is the same error wherever its line went.
const errorKey = (e: RepoError) => JSON.stringify([e.file, e.cluster, e.code, e.message]);

const conflictKey = (c: Conflict) =>
  JSON.stringify([
    c.cluster,
    objectKey(c),
    c.path,
    c.winner.target,
    c.winner.value,
    c.overridden.map((o) => [o.target, o.value]),
  ]);
