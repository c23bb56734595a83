/**
 * The pure shard decision: which fleet clusters this replica should try to take, keep or give up.
 * Every cluster has a Lease; a replica works on the clusters whose lease it holds. Each replica aims
 * at a fair share — at most ceil(clusters / live replicas) — so when replicas join, those above the
 * share give clusters up, and when one dies the others' share grows and they take its clusters as
 * its leases expire. A lease is only ever taken when it is free (released or expired): nothing is
 * stolen, so a cluster has at most one owner at a time. Each replica prefers clusters by rendezvous
 * hashing (its identity and the cluster name), so replicas tend to reach for different clusters and
 * rarely collide on the same lease.
 */

/** ShardInput is what planShards looks at. */
export interface ShardInput {
  identity: string;
  /** clusters are the fleet's clusters. */
  clusters: string[];
  /** replicas are the live replicas' identities (this one is counted whether listed or not). */
  replicas: string[];
  /**
   * holders gives, per cluster, who holds its lease as read: undefined when the lease is missing,
   * released or expired (free to take).
   */
  holders: Record<string, string | undefined>;
  /** held are the clusters whose lease this replica holds now (renewed within the deadline). */
  held: string[];
}

/** ShardPlan says what this replica should do with the cluster leases. */
export interface ShardPlan {
  /** share is the most clusters this replica should own. */
  share: number;
  keep: string[];
  /** release: leases to give up (above the share, or clusters no longer in the fleet). */
  release: string[];
  /** acquire: free leases to try to take, most preferred first. */
  acquire: string[];
}

/** planShards decides which cluster leases to keep, release and try to acquire. */
export function planShards(input: ShardInput): ShardPlan {
  const { identity, clusters } = input;
  const replicas = new Set([...input.replicas, identity]);
  const share = clusters.length === 0 ? 0 : Math.ceil(clusters.length / replicas.size);
  const fleet = new Set(clusters);
  const rank = (names: string[]) => rankClusters(identity, names);
  const held = rank(input.held.filter((c) => fleet.has(c)));
  const keep = held.slice(0, share);
  const release = [...held.slice(share), ...input.held.filter((c) => !fleet.has(c)).sort()];
  const heldSet = new Set(input.held);
  const free = rank(
    clusters.filter(
      (c) => !heldSet.has(c) && (input.holders[c] === undefined || input.holders[c] === identity),
    ),
  );
  return { share, keep, release, acquire: free.slice(0, Math.max(0, share - keep.length)) };
}

/** rankClusters orders clusters by this replica's preference (rendezvous hashing), ties by name. */
export function rankClusters(identity: string, clusters: string[]): string[] {
  return clusters
    .map((c) => ({ c, w: weight(identity, c) }))
    .sort((a, b) => b.w - a.w || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0))
    .map((x) => x.c);
}

/** ReplicaBeat is a replica's heartbeat lease as read. */
export interface ReplicaBeat {
  holder?: string;
  renewTime?: number;
  durationSeconds?: number;
}

/**
 * liveReplicas lists the replicas whose heartbeat was renewed within its duration. It compares the
 * writer's renewTime with this clock: skew only makes the fair share a little off for a while, it
 * never gives a cluster two owners (that rests on the cluster leases alone).
 */
export function liveReplicas(beats: ReplicaBeat[], now: number, fallbackSeconds: number): string[] {
  return [
    ...new Set(
      beats
        .filter(
          (b) =>
            b.holder !== undefined &&
            b.renewTime !== undefined &&
            b.renewTime + (b.durationSeconds ?? fallbackSeconds) * 1000 > now,
        )
        .map((b) => b.holder as string),
    ),
  ].sort();
}

/**
 * goneReplicas are the other replicas' heartbeats silent for ten durations: replicas that died (pod
 * names do not come back), whose records may be deleted.
 */
export function goneReplicas<T extends ReplicaBeat>(
  beats: T[],
  identity: string,
  now: number,
  durationMs: number,
): T[] {
  return beats.filter((b) => b.holder !== identity && (b.renewTime ?? 0) + 10 * durationMs < now);
}

/** weight is FNV-1a (32 bit) of identity and cluster: a stable, well-spread preference. */
function weight(identity: string, cluster: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${identity}\n${cluster}`) {
    h ^= ch.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** clusterLeaseName is the Lease a cluster's owner holds: `<base>-cluster-<cluster>`. */
export function clusterLeaseName(base: string, cluster: string): string {
  return `${base}-cluster-${cluster}`;
}

/**
 * replicaLeaseName is a replica's heartbeat Lease: `<base>-replica-<identity>`, the identity made a
 * valid object name (lower case, [a-z0-9-], at most 253 characters); when that changed it, a hash
 * of the identity keeps names of different identities apart.
 */
export function replicaLeaseName(base: string, identity: string): string {
  const prefix = `${base}-replica-`;
  const clean = identity
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (clean === identity && prefix.length + clean.length <= 253) return prefix + clean;
  const tag = weight('', identity).toString(16).padStart(8, '0');
  const head = clean.slice(0, 253 - prefix.length - tag.length - 1).replace(/[^a-z0-9]+$/, '');
  return `${prefix}${head ? `${head}-` : ''}${tag}`;
}
