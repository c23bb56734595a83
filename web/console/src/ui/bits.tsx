/**
 * Small building blocks shared by the pages: badges, times, label chips, object links, scrollable
 * tables and the load/error states. All render data as text (never HTML).
 */
import type { ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import type { Flap } from '../../../contract/drift.ts';
import { NowContext, type Resource } from '../context.ts';
import { relativeTime, shortSha } from '../format.ts';
import { objectHref } from '../route.ts';

const tones: Record<string, string> = {
  'in-sync': 'ok',
  synced: 'ok',
  passed: 'ok',
  validated: 'ok',
  approved: 'ok',
  resolved: 'ok',
  done: 'ok',
  low: 'ok',
  auto: 'info',
  drifted: 'warn',
  modified: 'warn',
  missing: 'warn',
  orphaned: 'warn',
  held: 'info',
  pending: 'info',
  approve: 'info',
  queued: 'info',
  running: 'info',
  medium: 'warn',
  observe: 'muted',
  ignore: 'muted',
  'not-applicable': 'muted',
  stale: 'muted',
  unknown: 'muted',
  rejected: 'muted',
  errors: 'bad',
  flapping: 'bad',
  unreachable: 'bad',
  failed: 'bad',
  firing: 'bad',
  high: 'bad',
  'not-validated': 'bad',
};

/** Badge shows a state word in a colour that matches its urgency (the word carries the meaning). */
export function Badge(props: { value: string; label?: string; testid?: string }) {
  return (
    <span class={`badge badge-${tones[props.value] ?? 'muted'}`} data-testid={props.testid}>
      {props.label ?? props.value}
    </span>
  );
}

/**
 * FlapBadge marks an object another field manager keeps undoing: who, and when trueup fixes it next.
 */
export function FlapBadge(props: { flap?: Flap; testid?: string }) {
  const { flap } = props;
  if (!flap) return null;
  return (
    <span
      title={`${flap.manager} keeps undoing trueup's fix (${flap.remediations} fixes); next fix not before ${flap.retryAt ?? 'later'}`}
    >
      {' '}
      <Badge value="flapping" testid={props.testid} />{' '}
      <span class="muted">
        with <code>{flap.manager}</code>, next fix <RelTime iso={flap.retryAt} fallback="later" />
      </span>
    </span>
  );
}

/**
 * RelTime shows an ISO time as `5 minutes ago`, with the exact time on hover and for machines; no
 * time shows the fallback (e.g. `never`), or nothing.
 */
export function RelTime(props: { iso?: string; fallback?: string }) {
  const now = useContext(NowContext);
  if (!props.iso) return props.fallback ? <span class="muted">{props.fallback}</span> : null;
  const exact = new Date(props.iso);
  const title = Number.isNaN(exact.getTime()) ? props.iso : exact.toLocaleString();
  return (
    <time dateTime={props.iso} title={title}>
      {relativeTime(props.iso, now)}
    </time>
  );
}

/** Sha shows a short commit id with the full one on hover. */
export function Sha(props: { commit?: string }) {
  if (!props.commit) return null;
  return (
    <code class="sha" title={props.commit}>
      {shortSha(props.commit)}
    </code>
  );
}

/**
 * ErrorCode shows a failure's TRUEUP_* code (the error catalog in docs/cli.md), and whether trueup
 * retries it by itself (transient) — the code is what to search for, the message says what happened.
 */
export function ErrorCode(props: { code: string; transient?: boolean }) {
  return (
    <span class="muted" data-testid="error-code">
      {' '}
      [<code>{props.code}</code>
      {props.transient ? ', transient: retried' : ''}]
    </span>
  );
}

/** Labels shows `key=value` chips. */
export function Labels(props: { labels: Record<string, string> }) {
  const entries = Object.entries(props.labels);
  if (entries.length === 0) return null;
  return (
    <ul class="chips">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>
            {key}={value}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** ObjectLink links one object's detail page, shown as `namespace/Kind/name`. */
export function ObjectLink(props: {
  object: { cluster: string; namespace: string; kind: string; name: string };
  showCluster?: boolean;
}) {
  const { cluster, namespace, kind, name } = props.object;
  return (
    <a href={objectHref(props.object)}>
      {props.showCluster ? `${cluster}: ` : ''}
      {namespace}/{kind}/{name}
    </a>
  );
}

/** TableScroll lets a wide table scroll sideways instead of widening the page. */
export function TableScroll(props: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
    <section class="table-scroll" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}

/** Loadable renders a resource: a busy note while first loading, errors, then the children. */
export function Loadable<T>(props: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  const { data, error, loading } = props.resource;
  if (data === undefined) {
    if (error)
      return (
        <p class="error" role="alert">
          {error}
        </p>
      );
    return <p aria-busy={loading ? 'true' : 'false'}>Loading…</p>;
  }
  return (
    <>
      {error && (
        <p class="error stale-note" role="alert">
          Refresh failed, showing earlier data: {error}
        </p>
      )}
      {props.children(data)}
    </>
  );
}

/** List renders strings as a bullet list, or nothing when empty. */
export function List(props: { items: string[] | undefined; class?: string }) {
  if (!props.items || props.items.length === 0) return null;
  return (
    <ul class={props.class}>
      {props.items.map((item, index) => (
        <li key={index}>{item}</li>
      ))}
    </ul>
  );
}

/** PageTitle is a page's h1, focused on navigation so screen readers announce the new page. */
export function PageTitle(props: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {props.children}
    </h1>
  );
}

/** Pager links the first page (when on a later one) and the next (when there is one); pages live in the URL. */
export function Pager(props: { first?: string; next?: string; nextLabel?: string }) {
  if (!props.first && !props.next) return null;
  return (
    <nav class="pager" aria-label="pages">
      {props.first && <a href={props.first}>← First page</a>}
      {props.next && (
        <a href={props.next} data-testid="next-page">
          {props.nextLabel ?? 'Next page'} →
        </a>
      )}
    </nav>
  );
}
