/**
 * String interning for what the reconciler keeps per object: one instance of equal strings (names,
 * namespaces, label keys and values, field managers, times, ConfigMap values, Secret digests),
 * however many clusters and caches hold them. Every API answer is parsed into fresh strings, so
 * without it ten clusters holding one ConfigMap hold ten copies of each of its values, and the
 * live cache another copy of what the desired state already holds.
 *
 * Never intern a Secret's plaintext: only what may be held anyway (digests, ConfigMap values).
 */

/** InternLimits bound a pool: once either is passed the pool starts afresh (what objects hold stays). */
export interface InternLimits {
  maxEntries: number;
  /** maxChars bounds the characters the pool keeps alive on its own (after the objects using them are gone). */
  maxChars: number;
}

/** defaultInternLimits: a million strings or 64 Mi characters (room for 100k objects' strings). */
export const defaultInternLimits: InternLimits = { maxEntries: 1_000_000, maxChars: 64 * 1024 * 1024 };

/** Interner hands out one instance per distinct string, within its limits. */
export class Interner {
  #pool = new Map<string, string>();
  #chars = 0;
  readonly #limits: InternLimits;

  /** constructor takes the pool's limits. */
  constructor(limits: InternLimits = defaultInternLimits) {
    this.#limits = limits;
  }

  /** intern returns the pool's instance of value, adding value when it has none. */
  intern(value: string): string {
    const found = this.#pool.get(value);
    if (found !== undefined) return found;
    // A value this large is rarely worth the pool's room; it is kept as is.
    if (value.length > this.#limits.maxChars / 64) return value;
    if (this.#pool.size >= this.#limits.maxEntries || this.#chars + value.length > this.#limits.maxChars) {
      // Start afresh rather than evict one by one: strings in use stay with their objects, and
      // the next copies seen become the pool's instances again.
      this.#pool = new Map();
      this.#chars = 0;
    }
    this.#pool.set(value, value);
    this.#chars += value.length;
    return value;
  }

  /** size is the number of strings in the pool. */
  get size(): number {
    return this.#pool.size;
  }
}

const shared = new Interner();

/**
 * intern returns the process-wide instance of a string: the live cache, the one-shot diff and the
 * desired state share it, so a value the repo declares and every cluster holds is kept once.
 */
export function intern(value: string): string {
  return shared.intern(value);
}

// One frozen empty record for every empty map (most objects have no binaryData, many no annotations).
const emptyRecord: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * internRecord returns a record whose keys and values are interned (a fresh object), or the one
 * shared frozen empty record when there is nothing in it.
 */
export function internRecord(record: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (!record || Object.keys(record).length === 0) return emptyRecord;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) out[intern(k)] = intern(v);
  return out;
}
