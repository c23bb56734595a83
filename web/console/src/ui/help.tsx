/**
 * The keyboard: one listener for the whole console (keys.ts says which key does what) and the help
 * overlay that lists the shortcuts (`?`).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { keyAction, moveSelection, shortcuts } from '../keys.ts';
import { navigate } from '../use-route.ts';

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
}

/** useKeyboard handles the shortcuts; it returns whether the help is open and how to close it. */
export function useKeyboard(): { help: boolean; closeHelp: () => void } {
  const [help, setHelp] = useState(false);
  const afterG = useRef(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        altKey: event.altKey,
        typing: isTyping(event.target),
        afterG: afterG.current,
      });
      afterG.current = action?.type === 'pending-go';
      if (!action) return;
      if (action.type === 'close') {
        setHelp(false);
        if (isTyping(event.target)) (event.target as HTMLElement).blur();
        return;
      }
      if (action.type === 'help') setHelp((open) => !open);
      else if (action.type === 'go') navigate(action.href);
      else if (action.type === 'search') document.querySelector<HTMLElement>('[data-search]')?.focus();
      else if (action.type === 'next' || action.type === 'previous') {
        const main = document.getElementById('main');
        if (!main || !moveSelection(main, action.type === 'next' ? 1 : -1)) return;
      }
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return { help, closeHelp: () => setHelp(false) };
}

/** HelpOverlay lists the keyboard shortcuts. */
export function HelpOverlay(props: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <dialog open aria-labelledby="help-title" data-testid="help-overlay" class="help-overlay">
      <article>
        <header>
          <h2 id="help-title">Keyboard shortcuts</h2>
        </header>
        <table>
          <tbody>
            {shortcuts.map(([keys, what]) => (
              <tr key={keys}>
                <th scope="row">
                  <kbd>{keys}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">Filters, search and pages live in the URL: copy it to share the view.</p>
        <footer>
          <button type="button" ref={close} onClick={props.onClose}>
            Close
          </button>
        </footer>
      </article>
    </dialog>
  );
}
