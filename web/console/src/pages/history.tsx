/**
 * History: the audit trail searched by cluster, namespace, name, name search, actor, user (who drifted
 * it, from the Kubernetes audit log: the API's `?user=`), result and time
 * (`#/history?cluster=&namespace=&name=&q=&actor=&user=&result=&since=&until=`), 100 a list, older pages by
 * `only=drifts|remediations&cursor=`. The URL is the search, so a result is a link; times in the URL
 * are ISO, in the form local.
 */
import { useState } from 'preact/hooks';
import type { History } from '../../../contract/api.ts';
import { useResource } from '../context.ts';
import { fromLocalInput, toLocalInput } from '../format.ts';
import { type HistoryQuery, historyHref } from '../route.ts';
import { Loadable, Pager, PageTitle } from '../ui/bits.tsx';
import { navigate } from '../use-route.ts';
import { HistoryTables } from './history-tables.tsx';

const textFields = ['cluster', 'namespace', 'name', 'q', 'actor', 'user'] as const;
const fieldLabels: Record<string, string> = { q: 'Name contains' };
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
    result: props.query.result ?? '',
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
    query.result = form.result || undefined;
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
            {fieldLabels[name] ?? `${name[0]?.toUpperCase()}${name.slice(1)}`}
            <input
              type="text"
              autocomplete="off"
              {...field(name)}
              {...(name === 'q' ? { 'data-search': true } : {})}
            />
          </label>
        ))}
        <label>
          Result
          <select
            name="result"
            value={form.result ?? ''}
            onChange={(event) => setForm({ ...form, result: event.currentTarget.value })}
          >
            <option value="">all</option>
            <option value="applied">applied</option>
            <option value="failed">failed</option>
            <option value="skipped">skipped</option>
          </select>
        </label>
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
      <Loadable resource={history}>
        {(data) => (
          <>
            <HistoryTables history={data} />
            <Pager
              first={
                props.query.cursor
                  ? historyHref({ ...props.query, only: undefined, cursor: undefined })
                  : undefined
              }
              next={
                data.next?.remediations
                  ? historyHref({ ...props.query, only: 'remediations', cursor: data.next.remediations })
                  : undefined
              }
              nextLabel="Older remediations"
            />
            {data.next?.drifts && (
              <Pager
                next={historyHref({ ...props.query, only: 'drifts', cursor: data.next.drifts })}
                nextLabel="Older drift detections"
              />
            )}
          </>
        )}
      </Loadable>
    </>
  );
}
