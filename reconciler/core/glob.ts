/**
 * Globs as fleet.yaml and policy files write them: `*` any run of characters, `?` one character,
 * everything else literal. Pure; shared by policy matching and field ownership. Repo-supplied, so
 * matched in linear time, never compiled into a regular expression.
 */

/** maxGlobLength caps a glob's length (schemas refuse longer ones; field paths are far shorter). */
export const maxGlobLength = 512;

/**
 * matchesGlob tells whether value matches glob, without a regular expression: a backtracking regex
 * for `*a*a*a*a*b` takes time growing with a power of the value's length. This walks both strings
 * once, going back only to the last `*` (the classic wildcard match): at most
 * O(|glob| × |value|) steps, whatever the pattern.
 */
export function matchesGlob(glob: string, value: string): boolean {
  let g = 0;
  let v = 0;
  // Where the last `*` was, and the value position it has swallowed up to.
  let star = -1;
  let swallowed = 0;
  while (v < value.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === value[v]))) {
      g++;
      v++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      swallowed = v;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and retry what follows it.
      g = star + 1;
      v = ++swallowed;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** matchesAny tells whether value matches one of the globs. */
export function matchesAny(globs: readonly string[], value: string): boolean {
  return globs.some((g) => matchesGlob(g, value));
}

/**
 * globsOverlap tells whether some string matches both globs (e.g. `data.*` and `*.level` both match
 * `data.level`). Decided on the two patterns alone, by walking them together: a `*` on either side
 * may match nothing or swallow the other side's next character.
 */
export function globsOverlap(a: string, b: string): boolean {
  // Reachable (i, j) pairs, walked with an explicit stack (no recursion depth to run out of).
  const seen = new Set<number>();
  const stack: [number, number][] = [[0, 0]];
  const push = (i: number, j: number) => {
    const key = i * (b.length + 1) + j;
    if (!seen.has(key)) {
      seen.add(key);
      stack.push([i, j]);
    }
  };
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [i, j] = next;
    if (i === a.length && j === b.length) return true;
    if (a[i] === '*') {
      push(i + 1, j);
      if (j < b.length) push(i, j + 1);
    }
    if (b[j] === '*') {
      push(i, j + 1);
      if (i < a.length) push(i + 1, j);
    }
    if (i < a.length && j < b.length && a[i] !== '*' && b[j] !== '*') {
      if (a[i] === b[j] || a[i] === '?' || b[j] === '?') push(i + 1, j + 1);
    }
  }
  return false;
}
