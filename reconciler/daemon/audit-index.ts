/**
 * The daemon's recent audit records, in memory, per object: what detection joins a drift with
 * (reconciler/audit/attribution.ts) without a store read on the synchronous evaluation path.
 * Bounded: the latest `perObject` writes of at most `objects` objects (the oldest object goes first).
 * The store keeps them all for their retention; this only serves detection.
 */
import type { AuditRecord } from '../audit/event.ts';
import { objectKey } from '../core/model.ts';

/** AuditIndexOptions bound the index. */
export interface AuditIndexOptions {
  perObject: number;
  objects: number;
}

/** defaultAuditIndexOptions: 16 writes per object, 50,000 objects. */
export function defaultAuditIndexOptions(): AuditIndexOptions {
  return { perObject: 16, objects: 50_000 };
}

/** AuditIndex holds the latest audit records per object, for the clusters audit attribution is on for. */
export class AuditIndex {
  #byObject = new Map<string, AuditRecord[]>();
  #clusters: ReadonlySet<string>;
  #options: AuditIndexOptions;

  /** constructor takes the clusters whose audit events trueup receives (audit attribution is on for them). */
  constructor(clusters: Iterable<string>, options: AuditIndexOptions = defaultAuditIndexOptions()) {
    this.#clusters = new Set(clusters);
    this.#options = options;
  }

  /** isOn tells whether audit attribution is on for a cluster (its events are received). */
  isOn(cluster: string): boolean {
    return this.#clusters.has(cluster);
  }

  /** add keeps records (newest last per object), dropping the oldest beyond the bounds. */
  add(records: readonly AuditRecord[]): void {
    for (const r of records) {
      const key = `${r.cluster}\u0000${objectKey(r)}`;
      const list = this.#byObject.get(key) ?? [];
      if (list.some((e) => e.auditID === r.auditID)) continue;
      list.push(r);
      list.sort((a, b) => a.stageTime.localeCompare(b.stageTime));
      if (list.length > this.#options.perObject) list.splice(0, list.length - this.#options.perObject);
      // Re-inserted: the object most recently written is the last to be evicted.
      this.#byObject.delete(key);
      this.#byObject.set(key, list);
      if (this.#byObject.size > this.#options.objects) {
        const oldest = this.#byObject.keys().next().value;
        if (oldest !== undefined) this.#byObject.delete(oldest);
      }
    }
  }

  /** eventsFor returns the records of one object (by objectKey) on one cluster. */
  eventsFor(cluster: string, key: string): readonly AuditRecord[] {
    return this.#byObject.get(`${cluster}\u0000${key}`) ?? [];
  }
}
