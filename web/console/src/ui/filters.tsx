/**
 * Filter controls: a row of labelled selects that wraps on narrow screens. Filters live in the URL
 * (the pages navigate with replace), so a filtered view is a link someone can paste into chat.
 */
import type { ComponentChildren } from 'preact';

/** Option is one choice of a FilterSelect. */
export interface Option {
  value: string;
  label?: string;
}

/** FilterSelect is one labelled select; the empty choice (`all`) clears the filter. */
export function FilterSelect(props: {
  label: string;
  name: string;
  value: string | undefined;
  options: (string | Option)[];
  onChange: (value: string | undefined) => void;
  /** emptyLabel names the unfiltered choice (default `all`). */
  emptyLabel?: string;
}) {
  const options = props.options.map((option) => (typeof option === 'string' ? { value: option } : option));
  const value = props.value ?? '';
  // a value from a link that is not among the options (yet) must still show as selected
  if (value && !options.some((option) => option.value === value)) options.unshift({ value });
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={value}
        onChange={(event) => props.onChange(event.currentTarget.value || undefined)}
      >
        <option value="">{props.emptyLabel ?? 'all'}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label ?? option.value}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Filters is the wrapping row of filter controls, with a Clear link when any filter is set. */
export function Filters(props: { label: string; clearHref?: string; children: ComponentChildren }) {
  return (
    <form class="filters" aria-label={props.label} onSubmit={(event) => event.preventDefault()}>
      {props.children}
      {props.clearHref && (
        <a class="clear" href={props.clearHref}>
          Clear filters
        </a>
      )}
    </form>
  );
}

/** uniqueSorted returns the distinct values, sorted. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => a.localeCompare(b));
}
