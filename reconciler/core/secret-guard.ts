/**
 * The outbound net for Secret values: everything chat sends and every LLM request is already built
 * from key names and keyed digests, but every outbound payload is still scanned before it leaves, so
 * a value that slipped into a message or a prompt (a ConfigMap that copies a Secret's value, a DSN in
 * an Event, an annotation) is replaced before it leaves.
 *
 * The scan finds every occurrence of every known value wherever it sits (inside a URL or DSN, a query
 * string, next to any punctuation) with one Aho-Corasick automaton over the plaintexts the repo
 * declares, which the process holds in memory anyway. Each value is searched as written, trimmed,
 * JSON-escaped, percent-encoded, base64 (padded, unpadded, url-safe), and line by line when it has
 * long lines (a PEM key). A value shorter than minAnywhere characters is only replaced where it stands
 * alone (no letter or digit on either side), or `app` would vanish from every word. Text is cut
 * only after the scan where trimmed for display; where a cut came first anyway (marked `…`, as every
 * trim in trueup marks it), the head of a value right before the mark (at least minPartial
 * characters) is replaced too.
 */
import type { DesiredObject } from './model.ts';
import { SecretValue } from './secret-value.ts';

/** REDACTED replaces a Secret value found in an outbound message. */
export const REDACTED = '[redacted: Secret value]';

/** Scrub returns a copy of an outbound payload with every known Secret value replaced. */
export type Scrub = <T>(payload: T) => T;

/** minAnywhere is the length from which a value is found anywhere, not only standing alone. */
export const minAnywhere = 6;

/** DesiredObjects is any state holding desired objects per cluster (a fleet state). */
export interface DesiredObjects {
  clusters: readonly { objects: readonly DesiredObject[] }[];
}

/** minPartial is the shortest head of a value redacted right before a cut mark `…`. */
export const minPartial = 4;

/** minLine is the length from which a line of a multi-line value is searched on its own. */
const minLine = 16;

/** knownSecretValues lists every value a fleet state holds as secret: Secret data and every value SOPS decrypted. */
export function knownSecretValues(state: DesiredObjects | undefined): Buffer[] {
  const values: Buffer[] = [];
  for (const cluster of state?.clusters ?? []) for (const o of cluster.objects) values.push(...secretsOf(o));
  return values;
}

function secretsOf(o: DesiredObject): Buffer[] {
  const values: Buffer[] = [];
  for (const value of Object.values(o.data)) if (value instanceof SecretValue) values.push(value.reveal());
  for (const path of o.secretPaths ?? []) {
    const [, group, ...rest] = path.split('.');
    const key = rest.join('.');
    const text =
      group === 'labels' ? o.labels[key] : group === 'annotations' ? o.annotations[key] : undefined;
    if (text !== undefined) values.push(Buffer.from(text, 'utf8'));
  }
  return values;
}

/** searchForms are the strings a value may appear as in text. */
export function searchForms(value: Uint8Array): string[] {
  const bytes = Buffer.from(value);
  if (bytes.length === 0) return [];
  const forms = new Set<string>();
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes)) {
    for (const t of [text, text.trim()]) {
      forms.add(t);
      forms.add(JSON.stringify(t).slice(1, -1));
      forms.add(encodeURIComponent(t));
    }
    for (const line of text.split(/\r?\n/)) if (line.trim().length >= minLine) forms.add(line.trim());
  }
  const base64 = bytes.toString('base64');
  forms.add(base64);
  forms.add(base64.replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  forms.delete('');
  return [...forms];
}

/** Node is one state of the automaton. */
interface Node {
  next: Map<number, number>;
  fail: number;
  /** depth: characters from the root, the length of the prefix this state stands for. */
  depth: number;
  /** long: the longest findable-anywhere form ending here (fail chain included); 0 when none. */
  long: number;
  /** short: lengths of the short forms ending here (fail chain included), found only standing alone. */
  short: number[];
}

/**
 * SecretMatcher finds known Secret values in text. A hand-written Aho-Corasick automaton: the npm
 * packages that offer one are not a dependency of trueup yet (see the report of issue 12), and this
 * one needs two things they do not give: short forms that match only standing alone, and the depth
 * of the match in progress where a string is cut.
 */
export class SecretMatcher {
  readonly #nodes: Node[] = [{ next: new Map(), fail: 0, depth: 0, long: 0, short: [] }];
  /** size is the number of distinct search forms. */
  readonly size: number;

  constructor(values: Iterable<Uint8Array>) {
    const forms = new Set<string>();
    for (const value of values) for (const form of searchForms(value)) forms.add(form);
    for (const form of forms) this.#add(form);
    this.size = forms.size;
    this.#link();
  }

  /** redact replaces every occurrence (and a cut-off head) of a known value; found counts the places. */
  redact(text: string): { text: string; found: number } {
    const spans = this.#spans(text);
    if (spans.length === 0) return { text, found: 0 };
    let out = '';
    let at = 0;
    for (const [start, end] of spans) {
      out += text.slice(at, start) + REDACTED;
      at = end;
    }
    return { text: out + text.slice(at), found: spans.length };
  }

  #add(form: string): void {
    let state = 0;
    for (let i = 0; i < form.length; i++) {
      const c = form.charCodeAt(i);
      let next = this.#nodes[state]?.next.get(c);
      if (next === undefined) {
        next = this.#nodes.length;
        this.#nodes.push({ next: new Map(), fail: 0, depth: i + 1, long: 0, short: [] });
        this.#nodes[state]?.next.set(c, next);
      }
      state = next;
    }
    const end = this.#nodes[state] as Node;
    if (form.length >= minAnywhere) end.long = form.length;
    else end.short.push(form.length);
  }

  /** #link sets the failure links breadth first and folds each fail chain's outputs into its node. */
  #link(): void {
    const queue: number[] = [...(this.#nodes[0] as Node).next.values()];
    for (let i = 0; i < queue.length; i++) {
      const node = this.#nodes[queue[i] as number] as Node;
      for (const [c, child] of node.next) {
        let f = node.fail;
        let target = this.#nodes[f]?.next.get(c);
        while (target === undefined && f !== 0) {
          f = (this.#nodes[f] as Node).fail;
          target = this.#nodes[f]?.next.get(c);
        }
        const childNode = this.#nodes[child] as Node;
        childNode.fail = target !== undefined && target !== child ? target : 0;
        const fail = this.#nodes[childNode.fail] as Node;
        childNode.long = Math.max(childNode.long, fail.long);
        childNode.short = [...new Set([...childNode.short, ...fail.short])];
        queue.push(child);
      }
    }
  }

  #step(state: number, c: number): number {
    let s = state;
    for (;;) {
      const next = this.#nodes[s]?.next.get(c);
      if (next !== undefined) return next;
      if (s === 0) return 0;
      s = (this.#nodes[s] as Node).fail;
    }
  }

  /** #spans lists the merged [start, end) spans to redact, in order. */
  #spans(text: string): [number, number][] {
    const found: [number, number][] = [];
    let state = 0;
    const cut = (at: number) => {
      const depth = (this.#nodes[state] as Node).depth;
      if (depth >= minPartial) found.push([at - depth, at]);
    };
    for (let i = 0; i < text.length; i++) {
      // A cut marker right after the head of a value: the rest of the value was cut off.
      if (text[i] === '…') cut(i);
      state = this.#step(state, text.charCodeAt(i));
      const node = this.#nodes[state] as Node;
      if (node.long > 0) found.push([i + 1 - node.long, i + 1]);
      for (const length of node.short) {
        if (standsAlone(text, i + 1 - length, i + 1)) found.push([i + 1 - length, i + 1]);
      }
    }
    return merge(found);
  }
}

const wordChar = /[\p{L}\p{N}]/u;

function standsAlone(text: string, start: number, end: number): boolean {
  return !wordChar.test(text[start - 1] ?? '') && !wordChar.test(text[end] ?? '');
}

function merge(spans: [number, number][]): [number, number][] {
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of spans) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

const matchers = new WeakMap<DesiredObjects, SecretMatcher>();
const none = new SecretMatcher([]);

/** secretMatcherOf is the matcher over a fleet state's known values, built once per state. */
export function secretMatcherOf(state: DesiredObjects | undefined): SecretMatcher {
  if (!state) return none;
  let matcher = matchers.get(state);
  if (!matcher) {
    matcher = new SecretMatcher(knownSecretValues(state));
    matchers.set(state, matcher);
  }
  return matcher;
}

/** secretScrubber builds a Scrub over the matcher of the moment; onLeak hears each replacement. */
export function secretScrubber(matcher: () => SecretMatcher, onLeak?: () => void): Scrub {
  const walk = (value: unknown, m: SecretMatcher): unknown => {
    if (typeof value === 'string') {
      const { text, found } = m.redact(value);
      for (let i = 0; i < found; i++) onLeak?.();
      return text;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, m));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [walk(k, m) as string, walk(v, m)]));
    return value;
  };
  return <T>(payload: T): T => {
    const m = matcher();
    return m.size === 0 ? payload : (walk(payload, m) as T);
  };
}
