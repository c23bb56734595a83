/**
 * Crash recovery at start (serve and reconcile): every write intent left open by a process that
 * died is settled — the object is re-read, the outcome (applied, not applied, partly) is recorded
 * as an audit record that completes the intent — and approvals left `applying` are put back to
 * pending or finished as the live object says.
 */

import { hostname } from 'node:os';
import { kill } from 'node:process';
import type { LiveObject, ObjectRef } from '../core/model.ts';
import type { ClusterAccess } from '../kube/kube-cluster.ts';
import type { FleetCluster } from '../repo/fleet-config.ts';
import { type AuditStore, type Intent, intentOwner } from '../store/store.ts';
import type { ChangeSetEntry } from './change-set.ts';
import { type IntentOutcome, outcomeOf, type WriteJournal } from './intents.ts';
import { contentDigest } from './remediate.ts';

/** writeJournal records intents in the store for writes at one revision by one actor. */
export function writeJournal(
  store: AuditStore,
  at: { revision: string; actor: string; approval?: string },
): WriteJournal {
  return {
    intend(ref, expectation) {
      return store.beginIntent({ ...toRef(ref), revision: at.revision, actor: at.actor, expectation });
    },
  };
}

/** claimJournal is the journal of an approval's apply: its claim intent learns what the writes do. */
export function claimJournal(store: AuditStore, intent: string): WriteJournal {
  return {
    async intend(_ref, expectation) {
      await store.expectIntent(intent, expectation);
      return intent;
    },
  };
}

/** RecoveryDeps are what recovery reads with. */
export interface RecoveryDeps {
  store: AuditStore;
  /** clusters are the fleet's clusters (an intent on another one is settled as unknown). */
  clusters: readonly FleetCluster[];
  access: (cluster: FleetCluster) => ClusterAccess;
  /**
   * sharedGraceMs, on a store other hosts write to (PostgreSQL): an intent or approval claim of
   * another host younger than this may still be in flight there, so it is left alone.
   */
  sharedGraceMs?: number;
  now?: Date;
}

/** Recovered is what recovery found for one interrupted write. */
export interface Recovered {
  intent: Intent;
  outcome: IntentOutcome;
  why: string;
  /** approval: the approval it belonged to and the state recovery gave it. */
  approval?: { id: string; state: 'pending' | 'approved' | 'failed' };
}

/**
 * recoverIntents settles the open intents of processes that are gone, and the `applying`
 * approvals no open intent holds. Intents of a process still running on this host are left alone.
 */
export async function recoverIntents(deps: RecoveryDeps): Promise<Recovered[]> {
  const { store } = deps;
  const open = await store.openIntents();
  const live = (i: Intent) => isRunning(i.owner) || isRecentElsewhere(deps, i.owner, i.started);
  const claimed = new Set(open.flatMap((i) => (i.approval && live(i) ? [i.approval] : [])));
  const recovered: Recovered[] = [];
  for (const intent of open.filter((i) => !live(i))) {
    recovered.push(await settle(deps, intent));
  }
  // Claimed before intents existed (or between claim and intent): nothing can have been applied
  // that the approval's re-check would not catch, so it goes back to pending.
  for (const a of await store.approvals({ state: 'applying', limit: Number.MAX_SAFE_INTEGER })) {
    if (claimed.has(a.id) || recovered.some((r) => r.intent.approval === a.id)) continue;
    // Another replica may have claimed it a moment ago and be about to record its intent.
    if (deps.sharedGraceMs && isRecent(deps, a.decidedAt ?? a.created)) continue;
    await store.releaseApproval(a.id, 'recovered at start: its apply was interrupted before any write');
  }
  return recovered;
}

/** isRecentElsewhere: an intent of another host, on a shared store, young enough to be in flight. */
function isRecentElsewhere(deps: RecoveryDeps, owner: string, started: string): boolean {
  return deps.sharedGraceMs !== undefined && owner.split(':')[0] !== hostname() && isRecent(deps, started);
}

function isRecent(deps: RecoveryDeps, time: string): boolean {
  const now = (deps.now ?? new Date()).getTime();
  return now - Date.parse(time) < (deps.sharedGraceMs ?? 0);
}

async function settle(deps: RecoveryDeps, intent: Intent): Promise<Recovered> {
  const { store } = deps;
  const { outcome, why, live, retry } = await reread(deps, intent);
  if (!retry) {
    const entry = recoveryEntry(intent, outcome, why, live);
    await store.recordRemediation(intent.revision, entry, `${intent.actor} (recovered at start)`);
  }
  const result: Recovered = { intent, outcome, why };
  if (intent.approval && (await store.approval(intent.approval))?.state === 'applying') {
    const note = `recovered at start: interrupted apply ${outcome === 'unknown' ? 'could not be checked' : outcome}: ${why}`;
    const by = { actor: 'trueup', channel: 'recovery', note };
    if (outcome === 'applied') await store.finishApproval(intent.approval, 'approved', by);
    else if (outcome === 'partial') await store.finishApproval(intent.approval, 'failed', by);
    // Not applied, or not known: pending again; approving re-checks the live object first.
    else await store.releaseApproval(intent.approval, note);
    const state = (await store.approval(intent.approval))?.state as 'pending' | 'approved' | 'failed';
    result.approval = { id: intent.approval, state };
  }
  return result;
}

async function reread(
  deps: RecoveryDeps,
  intent: Intent,
): Promise<{ outcome: IntentOutcome; why: string; live?: LiveObject; retry?: boolean }> {
  if (!intent.expectation) return { outcome: 'not-applied', why: 'interrupted before any write was sent' };
  const cluster = deps.clusters.find((c) => c.name === intent.cluster);
  if (!cluster) return { outcome: 'unknown', why: `cluster ${intent.cluster} is not in the fleet` };
  try {
    const live = await deps.access(cluster).read(toRef(intent));
    return { ...outcomeOf(intent.expectation, live), ...(live ? { live } : {}) };
  } catch (err) {
    // Left open: the next start tries again.
    return { outcome: 'unknown', why: `cannot read the object: ${(err as Error).message}`, retry: true };
  }
}

function recoveryEntry(
  intent: Intent,
  outcome: IntentOutcome,
  why: string,
  live: LiveObject | undefined,
): ChangeSetEntry {
  const reasons = [`interrupted by a stop mid-write; re-read at start: ${outcome}: ${why}`];
  return {
    ...toRef(intent),
    action: intent.expectation?.action ?? 'skipped',
    reasons,
    decision: { mode: 'auto', reasons, ruleRefs: [] },
    intent: intent.id,
    ...(outcome === 'applied' ? {} : { error: `interrupted: ${outcome}: ${why}` }),
    ...(outcome === 'applied' && live ? { after: contentDigest(live) } : {}),
  };
}

function toRef(ref: ObjectRef): ObjectRef {
  return { cluster: ref.cluster, kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/**
 * isRunning tells whether an intent's owner may still be writing: this very process, or another
 * live process on this host. A process on another host, or a restarted one (same pid, new boot),
 * is gone.
 */
export function isRunning(owner: string): boolean {
  if (owner === intentOwner) return true;
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid === process.pid) return false;
  try {
    kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
