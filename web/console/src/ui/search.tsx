/**
 * SearchBox: the page's search by object name. `/` focuses it (data-search); typing searches after a
 * short pause (the URL, and so the server's query, changes once per pause, not per key); Enter
 * searches at once.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** SearchBox calls onSearch with the trimmed text (undefined when empty). */
export function SearchBox(props: {
  value?: string;
  onSearch: (q: string | undefined) => void;
  label?: string;
}) {
  const [text, setText] = useState(props.value ?? '');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => setText(props.value ?? ''), [props.value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const search = (value: string) => {
    clearTimeout(timer.current);
    const q = value.trim() || undefined;
    if (q !== props.value) props.onSearch(q);
  };
  return (
    <label class="search">
      {props.label ?? 'Name contains'} <kbd class="muted">/</kbd>
      <input
        type="search"
        name="q"
        autocomplete="off"
        placeholder="object name"
        data-search
        data-testid="search"
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => search(value), 300);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') search(event.currentTarget.value);
        }}
      />
    </label>
  );
}
