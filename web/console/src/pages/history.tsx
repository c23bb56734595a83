/**
 * History: the audit trail searched by cluster, namespace, name, actor and time
 * (`#/history?cluster=&namespace=&name=&actor=&since=&until=`). The URL is the search, so a result
 * is a link; times in the URL are ISO, in the form local.
 */
import { useState } from 'preact/hooks';
import type { History } from '../../../contract/api.ts';
import { useResource } from '../context.ts';
import { fromLocalInput, toLocalInput } from '../format.ts';
import { type HistoryQuery, historyHref } from '../route.ts';
import { Loadable, PageTitle } from '../ui/bits.tsx';
import { navigate } from '../use-route.ts';
import { HistoryTables } from './history-tables.tsx';

const textFields = ['cluster', 'namespace', 'name', 'actor'] as const;
const ranges: [string, number][] = [
  ['1 h', 3_600_000],
  ['24 h', 86_400_000],
  ['7 d', 7 * 86_400_000],
];

function apiPath(query: HistoryQuery): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `history?${text}` : 'history';
}

function SearchForm(props: { query: HistoryQuery }) {
  const [form, setForm] = useState<Record<string, string>>(() => ({
    ...Object.fromEntries(textFields.map((field) => [field, props.query[field] ?? ''])),
    since: toLocalInput(props.query.since),
    until: toLocalInput(props.query.until),
  }));
  const field = (name: string) => ({
    name,
    value: form[name] ?? '',
    onInput: (event: { currentTarget: HTMLInputElement }) =>
      setForm({ ...form, [name]: event.currentTarget.value }),
  });
  const search = (since?: string) => {
    const query: HistoryQuery = Object.fromEntries(textFields.map((f) => [f, form[f]?.trim() || undefined]));
    query.since = since ?? fromLocalInput(form.since ?? '');
    query.until = since ? undefined : fromLocalInput(form.until ?? '');
    navigate(historyHref(query));
  };
  return (
    <form
      class="history-search"
      aria-label="Search history"
      onSubmit={(event) => {
        event.preventDefault();
        search();
      }}
    >
      <div class="fields">
        {textFields.map((name) => (
          <label key={name}>
            {name[0]?.toUpperCase()}
            {name.slice(1)}
            <input type="text" autocomplete="off" {...field(name)} />
          </label>
        ))}
        <label class="wide">
          Since
          <input type="datetime-local" {...field('since')} />
        </label>
        <label class="wide">
          Until
          <input type="datetime-local" {...field('until')} />
        </label>
      </div>
      <div class="buttons">
        <button type="submit">Search</button>
        {ranges.map(([label, ms]) => (
          <button
            key={label}
            type="button"
            class="outline"
            onClick={() => search(new Date(Date.now() - ms).toISOString())}
          >
            Last {label}
          </button>
        ))}
        <a href={historyHref()}>Clear</a>
      </div>
    </form>
  );
}

/** HistoryPage searches the audit trail: `#/history`. */
export function HistoryPage(props: { query: HistoryQuery }) {
  const history = useResource<History>(apiPath(props.query));
  // the form restarts from the URL whenever the URL's search changes (back, a pasted link)
  const key = apiPath(props.query);
  return (
    <>
      <PageTitle>History</PageTitle>
      <SearchForm key={key} query={props.query} />
      <Loadable resource={history}>{(data) => <HistoryTables history={data} />}</Loadable>
    </>
  );
}
