/**
 * The pure lease decision of leader election and sharding: given a coordination.k8s.io/v1 Lease as
 * read, when this replica last saw it change, who this replica is and what it believes it holds,
 * say what to do — create, acquire, renew, wait, or accept that the lease was lost. The writes it
 * asks for carry the resourceVersion that was read, so two replicas that decide to take the same
 * lease cannot both succeed (the apiserver's optimistic concurrency is the only consensus).
 *
 * Expiry follows client-go's leader election: a lease is expired when its record has not changed
 * for its leaseDurationSeconds, measured on this replica's own clock from the moment it saw the
 * change. Other replicas' clocks (renewTime) are never compared with ours for safety.
 */

/** LeaseRecord is a Lease as trueup reads it (times in ms since the epoch). */
export interface LeaseRecord {
  name: string;
  resourceVersion: string;
  /** holder is spec.holderIdentity; undefined when empty (released or never held). */
  holder?: string;
  durationSeconds?: number;
  acquireTime?: number;
  renewTime?: number;
  transitions: number;
  labels: Record<string, string>;
}

/** LeaseSpec is the spec trueup writes (holder undefined: released). */
export interface LeaseSpec {
  holder?: string;
  durationSeconds: number;
  acquireTime: number;
  renewTime: number;
  transitions: number;
}

/** LeaseTimings are the periods derived from the lease duration. */
export interface LeaseTimings {
  durationMs: number;
  /** renewEveryMs: a holder renews this often. */
  renewEveryMs: number;
  /**
   * renewDeadlineMs: a holder that has not renewed successfully for this long (counted from when its
   * last successful renewal was sent) stops acting at once. It is shorter than the duration, so the
   * old holder has stopped before anyone else may take the lease.
   */
  renewDeadlineMs: number;
  /** retryMs: how often a replica that holds nothing looks again, and a failed renewal is retried. */
  retryMs: number;
}

/** leaseTimings derives the periods from the lease duration (as client-go: 15 s / 10 s / 2 s, roughly). */
export function leaseTimings(durationSeconds: number): LeaseTimings {
  const durationMs = durationSeconds * 1000;
  return {
    durationMs,
    renewEveryMs: Math.round(durationMs / 3),
    renewDeadlineMs: Math.round((durationMs * 2) / 3),
    retryMs: Math.max(250, Math.round(durationMs / 6)),
  };
}

/** Observation is when this replica first saw a lease at its current resourceVersion (its own clock). */
export interface Observation {
  resourceVersion: string;
  at: number;
}

/** observe updates the observation of a lease just read: a new resourceVersion restarts the clock. */
export function observe(
  previous: Observation | undefined,
  lease: LeaseRecord | undefined,
  now: number,
): Observation | undefined {
  if (!lease) return undefined;
  if (previous?.resourceVersion === lease.resourceVersion) return previous;
  return { resourceVersion: lease.resourceVersion, at: now };
}

/** isFree says whether a lease may be taken: released (no holder), or unchanged for its duration. */
export function isFree(
  lease: LeaseRecord,
  observed: Observation | undefined,
  now: number,
  fallbackSeconds: number,
): boolean {
  if (!lease.holder) return true;
  // Not observed yet: the holder may be renewing it right now.
  if (!observed || observed.resourceVersion !== lease.resourceVersion) return false;
  return now >= expiresAt(lease, observed, fallbackSeconds);
}

/** expiresAt is when a held lease expires by this replica's clock. */
export function expiresAt(lease: LeaseRecord, observed: Observation, fallbackSeconds: number): number {
  return observed.at + (lease.durationSeconds ?? fallbackSeconds) * 1000;
}

/** LeaseInput is what decideLease looks at. */
export interface LeaseInput {
  /** lease as read; undefined when it does not exist. */
  lease?: LeaseRecord;
  observed?: Observation;
  identity: string;
  /** holding: this replica believes it holds the lease (it renewed it within the deadline). */
  holding: boolean;
  now: number;
  durationSeconds: number;
}

/** LeaseDecision is what to do about one lease, with the write to make. */
export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'acquire'; resourceVersion: string; spec: LeaseSpec; previousHolder?: string }
  | { action: 'renew'; resourceVersion: string; spec: LeaseSpec }
  | { action: 'wait'; holder: string; expiresAt: number }
  | { action: 'lost'; holder?: string };

/** decideLease decides what to do about one lease. */
export function decideLease(input: LeaseInput): LeaseDecision {
  const { lease, identity, now, durationSeconds } = input;
  if (!lease) {
    return {
      action: 'create',
      spec: { holder: identity, durationSeconds, acquireTime: now, renewTime: now, transitions: 0 },
    };
  }
  if (lease.holder === identity) {
    // Ours (also after a restart under the same identity): keep acquireTime and the transitions.
    return {
      action: 'renew',
      resourceVersion: lease.resourceVersion,
      spec: {
        holder: identity,
        durationSeconds,
        acquireTime: lease.acquireTime ?? now,
        renewTime: now,
        transitions: lease.transitions,
      },
    };
  }
  // We believed we held it, and the record says otherwise: someone took it (we missed the deadline).
  if (input.holding) return { action: 'lost', ...(lease.holder ? { holder: lease.holder } : {}) };
  if (isFree(lease, input.observed, now, durationSeconds)) {
    return {
      action: 'acquire',
      resourceVersion: lease.resourceVersion,
      spec: {
        holder: identity,
        durationSeconds,
        acquireTime: now,
        renewTime: now,
        transitions: lease.transitions + 1,
      },
      ...(lease.holder ? { previousHolder: lease.holder } : {}),
    };
  }
  const observed = input.observed ?? { resourceVersion: lease.resourceVersion, at: now };
  return {
    action: 'wait',
    holder: lease.holder as string,
    expiresAt: expiresAt(lease, observed, durationSeconds),
  };
}

/** releasedSpec is the spec that gives a lease up: no holder, so others may take it at once. */
export function releasedSpec(lease: LeaseRecord, now: number): LeaseSpec {
  return { durationSeconds: 1, acquireTime: now, renewTime: now, transitions: lease.transitions };
}

/** holdsAt says whether a lease last renewed (sent) at renewedAt still counts as held at now. */
export function holdsAt(renewedAt: number | undefined, now: number, timings: LeaseTimings): boolean {
  return renewedAt !== undefined && now < renewedAt + timings.renewDeadlineMs;
}

/** isRenewDue says whether a held lease should be renewed now. */
export function isRenewDue(renewedAt: number | undefined, now: number, timings: LeaseTimings): boolean {
  return renewedAt === undefined || now >= renewedAt + timings.renewEveryMs;
}
