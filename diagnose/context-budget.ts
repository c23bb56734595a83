/**
 * Context budget: tool results and evidence go into an LLM's context, which is small and costs
 * money. trimForContext turns any value into JSON of at most a given length, always valid JSON
 * (the model must still be able to read the structure), with markers that say what was left out.
 * Pure: no I/O.
 */

/** Limits are one pass's caps on the value's shape. */
interface Limits {
  /** chars a string keeps before its trim marker. */
  chars: number;
  /** items an array keeps before its `{"trimmed": "+K more items"}` marker. */
  items: number;
  /** keys an object keeps before its `"…trimmed": "+K more keys"` entry. */
  keys: number;
  /** depth below which objects and arrays are summarised by their key names or length. */
  depth: number;
}

// Pass k scales the limits by shrink^k; depth falls slower, since structure tells the model more
// than the tail of a long string. The last pass keeps almost nothing.
const shrink = 0.85;
const lastPass = 52;

function limitsOf(pass: number): Limits {
  const scale = shrink ** pass;
  return {
    chars: Math.floor(4000 * scale),
    items: Math.max(1, Math.floor(100 * scale)),
    keys: Math.max(1, Math.floor(200 * scale)),
    depth: Math.max(0, 12 - Math.floor(pass / 4)),
  };
}

// Beyond this, a value is cut regardless of the pass (also stops runaway recursion).
const maxDepth = 64;

/** trimMarker is the text appended to a shortened string. */
function trimMarker(removed: number): string {
  return `…[trimmed ${removed} chars]`;
}

/**
 * trimForContext serialises value as JSON of at most maxChars characters (for maxChars ≥ 200;
 * smaller budgets are honoured as far as a JSON string literal allows). A value that fits is
 * returned as compact JSON, unchanged; one that does not is summarised with markers.
 */
export function trimForContext(value: unknown, maxChars: number): string {
  const plain = toPlain(value, [], 0);
  const full = JSON.stringify(plain) ?? 'null';
  if (full.length <= maxChars) return full;
  // Binary search for the loosest pass that fits: output shrinks as the pass number grows.
  const render = (pass: number) => JSON.stringify(summarise(plain, limitsOf(pass), 0));
  let best = render(lastPass);
  if (best.length > maxChars) return prefixLiteral(full, maxChars);
  let [loose, tight] = [-1, lastPass];
  while (tight - loose > 1) {
    const middle = Math.floor((loose + tight) / 2);
    const text = render(middle);
    if (text.length <= maxChars) [tight, best] = [middle, text];
    else loose = middle;
  }
  return best;
}

/** prefixLiteral is the last resort: the start of the JSON text, as one JSON string literal. */
function prefixLiteral(full: string, maxChars: number): string {
  let keep = Math.max(0, maxChars - trimMarker(full.length).length - 2);
  for (;;) {
    const text = JSON.stringify(cut(full, keep) + trimMarker(full.length - keep));
    if (text.length <= maxChars || keep === 0) return text.length <= maxChars ? text : 'null';
    // Escapes make the literal longer than its content: shrink by the overshoot.
    keep = Math.max(0, keep - (text.length - maxChars));
  }
}

/** cut shortens a string to at most n UTF-16 units without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/**
 * toPlain converts a value to plain JSON data the way JSON.stringify would (toJSON, dropped
 * undefined and functions), but never throws: bigints become strings, cycles a marker.
 */
function toPlain(value: unknown, ancestors: object[], depth: number): Plain {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return null;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return toPlain((value as { toJSON: () => unknown }).toJSON(), ancestors, depth);
  }
  if (ancestors.includes(value)) return '[circular]';
  if (depth >= maxDepth) return '[too deep]';
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => toPlain(item, inner, depth + 1) ?? null);
  // A null prototype keeps a `__proto__` key an ordinary key.
  const out: Record<string, Plain> = Object.create(null);
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out[key] = toPlain(item, inner, depth + 1);
  }
  return out;
}

/** summarise applies one pass's limits to plain data. */
function summarise(value: Plain, limits: Limits, depth: number): Plain {
  if (typeof value === 'string') return shorten(value, limits.chars);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (depth >= limits.depth) return value.length ? { trimmed: `array of ${value.length} items` } : [];
    const kept = value.slice(0, limits.items).map((item) => summarise(item, limits, depth + 1));
    if (value.length > limits.items) kept.push({ trimmed: `+${value.length - limits.items} more items` });
    return kept;
  }
  const keys = Object.keys(value);
  if (depth >= limits.depth) {
    if (keys.length === 0) return {};
    const names = shorten(keys.slice(0, limits.keys).join(', '), limits.chars * 2);
    const more = keys.length > limits.keys ? ` (+${keys.length - limits.keys} more)` : '';
    return { trimmed: `object with ${keys.length} keys: ${names}${more}` };
  }
  const out: Record<string, Plain> = Object.create(null);
  for (const key of keys.slice(0, limits.keys)) {
    out[shorten(key, Math.max(limits.chars, 40))] = summarise(value[key] as Plain, limits, depth + 1);
  }
  if (keys.length > limits.keys) out['…trimmed'] = `+${keys.length - limits.keys} more keys`;
  return out;
}

/** shorten keeps the first chars of a string and says how many were removed. */
function shorten(s: string, chars: number): string {
  if (s.length <= chars + trimMarker(s.length).length) return s;
  const kept = cut(s, chars);
  return kept + trimMarker(s.length - kept.length);
}
