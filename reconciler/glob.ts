/**
 * Globs as fleet.yaml and policy files write them: `*` any run of characters, `?` one character,
 * everything else literal. Pure; shared by policy matching and field ownership.
 */

/** globToRegExp turns a glob into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** matchesAny tells whether value matches one of the globs. */
export function matchesAny(globs: readonly string[], value: string): boolean {
  return globs.some((g) => globToRegExp(g).test(value));
}

/**
 * globsOverlap tells whether some string matches both globs (e.g. `data.*` and `*.level` both match
 * `data.level`). Decided on the two patterns alone, by walking them together: a `*` on either side
 * may match nothing or swallow the other side's next character.
 */
export function globsOverlap(a: string, b: string): boolean {
  const seen = new Map<number, boolean>();
  const walk = (i: number, j: number): boolean => {
    if (i === a.length && j === b.length) return true;
    const key = i * (b.length + 1) + j;
    const known = seen.get(key);
    if (known !== undefined) return known;
    let result = false;
    if (a[i] === '*') result = walk(i + 1, j) || (j < b.length && walk(i, j + 1));
    if (!result && b[j] === '*') result = walk(i, j + 1) || (i < a.length && walk(i + 1, j));
    if (!result && i < a.length && j < b.length && a[i] !== '*' && b[j] !== '*') {
      result = (a[i] === b[j] || a[i] === '?' || b[j] === '?') && walk(i + 1, j + 1);
    }
    seen.set(key, result);
    return result;
  };
  return walk(0, 0);
}
