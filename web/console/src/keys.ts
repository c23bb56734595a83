/**
 * Keyboard navigation: which key does what (pure, tested in keys.test.ts), and moving through the
 * rows of the page's list. Rows are marked `data-nav-row`; moving focuses a row's first link, so
 * Enter follows it as any focused link does. `/` focuses the page's search (`data-search`), `?`
 * opens the help, `g` then a letter goes to a page.
 */

/** KeyAction is what one key press asks for. */
export type KeyAction =
  | { type: 'next' | 'previous' | 'search' | 'help' | 'close' | 'pending-go' }
  | { type: 'go'; href: string };

/** shortcuts are the keys the help overlay lists, in order. */
export const shortcuts: [keys: string, what: string][] = [
  ['j / ↓', 'next row'],
  ['k / ↑', 'previous row'],
  ['Enter', 'open the selected row'],
  ['/', 'search (object name)'],
  ['g f', 'go to the fleet'],
  ['g d', 'go to drifts'],
  ['g a', 'go to approvals'],
  ['g i', 'go to incidents'],
  ['g h', 'go to history'],
  ['g t', 'go to the timeline'],
  ['?', 'show or hide this help'],
  ['Esc', 'close the help, leave the search'],
];

const goTargets: Record<string, string> = {
  f: '#/',
  d: '#/drifts',
  a: '#/approvals',
  i: '#/incidents',
  h: '#/history',
  t: '#/timeline',
};

/** KeyInput is the part of a keydown event the mapping reads. */
export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** typing: the focus is in a text field, select or editable element. */
  typing: boolean;
  /** afterG: the previous key was `g`. */
  afterG: boolean;
}

/** keyAction maps a key press to an action; none for keys the console leaves alone. */
export function keyAction(input: KeyInput): KeyAction | undefined {
  if (input.ctrlKey || input.metaKey || input.altKey) return undefined;
  if (input.key === 'Escape') return { type: 'close' };
  if (input.typing) return undefined;
  if (input.afterG) {
    const href = goTargets[input.key];
    return href ? { type: 'go', href } : undefined;
  }
  switch (input.key) {
    case 'j':
    case 'ArrowDown':
      return { type: 'next' };
    case 'k':
    case 'ArrowUp':
      return { type: 'previous' };
    case '/':
      return { type: 'search' };
    case '?':
      return { type: 'help' };
    case 'g':
      return { type: 'pending-go' };
    default:
      return undefined;
  }
}

/** moveSelection focuses the first link of the next (+1) or previous (-1) row, from the focused one. */
export function moveSelection(root: ParentNode, step: 1 | -1): boolean {
  const rows = [...root.querySelectorAll<HTMLElement>('[data-nav-row]')];
  if (rows.length === 0) return false;
  const current = rows.findIndex((row) => row.contains(document.activeElement));
  const next =
    current < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + step));
  const row = rows[next];
  const target = row?.querySelector<HTMLElement>('a, button') ?? row;
  target?.focus();
  row?.scrollIntoView({ block: 'nearest' });
  return true;
}
