/**
 * App: asks the server who is signed in, shows the login form when a session is needed, and
 * otherwise the routed page inside the shared frame (header, action-result live region, main).
 * Every page refetches on server events through the live tick.
 */
import type { ComponentChildren, FunctionComponent } from 'preact';
import { useCallback, useEffect, useErrorBoundary, useRef, useState } from 'preact/hooks';
import type { Status, Whoami } from '../../contract/api.ts';
import { errorText, getJson, onUnauthorized, postJson, setCsrfToken } from './api.ts';
import {
  AnnounceContext,
  type Announcement,
  LiveContext,
  NowContext,
  SessionContext,
  useResource,
} from './context.ts';
import { Header } from './header.tsx';
import { useLive } from './live.ts';
import { LoginPage } from './login.tsx';
import { ApprovalsPage } from './pages/approvals.tsx';
import { DriftsPage } from './pages/drifts.tsx';
import { FleetPage } from './pages/fleet.tsx';
import { HistoryPage } from './pages/history.tsx';
import { IncidentPage } from './pages/incident.tsx';
import { IncidentsPage } from './pages/incidents.tsx';
import { ObjectPage } from './pages/object.tsx';
import { PreviewPage } from './pages/preview.tsx';
import type { Route } from './route.ts';
import { PageTitle } from './ui/bits.tsx';
import { HelpOverlay, useKeyboard } from './ui/help.tsx';
import { useRoute } from './use-route.ts';

type TimelineProps = { query: Record<string, string> };

/** LazyTimeline loads the charts (uPlot) only when the timeline is opened: the first page's bundle stays small. */
function LazyTimeline(props: TimelineProps) {
  const [page, setPage] = useState<{ Page: FunctionComponent<TimelineProps> }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    import('./pages/timeline.tsx').then(
      (m) => setPage({ Page: m.TimelinePage }),
      (caught: unknown) => setError(errorText(caught)),
    );
  }, []);
  if (error)
    return (
      <p class="error" role="alert">
        The charts failed to load: {error}
      </p>
    );
  return page ? <page.Page query={props.query} /> : <p aria-busy="true">Loading the charts…</p>;
}

function RoutedPage(props: { route: Route }) {
  const { page, params, query } = props.route;
  switch (page) {
    case 'fleet':
      return <FleetPage query={query} />;
    case 'drifts':
      return <DriftsPage query={query} />;
    case 'object':
      return <ObjectPage params={params} />;
    case 'approvals':
      return <ApprovalsPage query={query} />;
    case 'incidents':
      return <IncidentsPage query={query} />;
    case 'incident':
      return <IncidentPage params={params} />;
    case 'history':
      return <HistoryPage query={query} />;
    case 'preview':
      return <PreviewPage query={query} />;
    case 'timeline':
      return <LazyTimeline query={query} />;
    default:
      return (
        <>
          <PageTitle>Not found</PageTitle>
          <p>
            No console page at <code>#{params.path}</code>. <a href="#/">Go to the fleet.</a>
          </p>
        </>
      );
  }
}

/**
 * PageBoundary keeps a page that fails to render (an answer not shaped as the contract says) from
 * taking the header and navigation down with it.
 */
function PageBoundary(props: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (error)
    return (
      <>
        <PageTitle>This page failed to render</PageTitle>
        <p class="error" role="alert">
          {errorText(error)}
        </p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </>
    );
  return <>{props.children}</>;
}

function useWhoami() {
  const [whoami, setWhoami] = useState<Whoami>();
  const [error, setError] = useState<string>();
  const refresh = useCallback(async () => {
    try {
      const answer = await getJson<Whoami>('whoami');
      setCsrfToken(answer.csrfToken);
      setWhoami(answer);
      setError(undefined);
    } catch (caught) {
      setError(errorText(caught));
    }
  }, []);
  useEffect(() => {
    refresh();
    return onUnauthorized(() => void refresh());
  }, [refresh]);
  const signIn = (answer: Whoami) => {
    setCsrfToken(answer.csrfToken);
    setWhoami(answer);
  };
  return { whoami, error, refresh, signIn };
}

function useClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** useFocusOnNavigate moves focus to the new page's title, so keyboard and screen reader users land there. */
function useFocusOnNavigate(route: Route): void {
  const first = useRef(true);
  const key = `${route.page}/${JSON.stringify(route.params)}`;
  useEffect(() => {
    document.title = `${route.page === 'fleet' ? 'Fleet' : route.page} · trueup`;
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-title')?.focus();
  }, [key]);
}

function PendingApprovalsCount(props: { children: (pending: number | undefined) => ComponentChildren }) {
  const status = useResource<Status>('status');
  const pending = status.data?.clusters.reduce((sum, cluster) => sum + cluster.pendingApprovals, 0);
  return <>{props.children(pending)}</>;
}

/** App is the whole console. */
export function App() {
  const { whoami, error, refresh, signIn } = useWhoami();
  const signedIn = whoami !== undefined && (whoami.auth === 'off' || whoami.user !== null);
  const live = useLive(signedIn);
  const now = useClock();
  const route = useRoute();
  const [announcement, setAnnouncement] = useState<Announcement>();
  const keyboard = useKeyboard();
  useFocusOnNavigate(route);
  const logout = async () => {
    try {
      await postJson('logout', {}, []);
    } catch {
      // the session is gone either way once whoami says so
    }
    setCsrfToken(undefined);
    await refresh();
  };
  const session = {
    whoami: whoami ?? { user: null, role: null, auth: 'off' as const },
    canOperate: whoami?.role === 'operator',
  };
  const header = (pendingApprovals?: number) => (
    <Header
      page={route.page}
      whoami={whoami}
      signedIn={signedIn}
      live={live.state}
      pendingApprovals={pendingApprovals}
      onLogout={logout}
    />
  );
  return (
    <SessionContext.Provider value={session}>
      <LiveContext.Provider value={live.tick}>
        <NowContext.Provider value={now}>
          <AnnounceContext.Provider value={setAnnouncement}>
            {signedIn ? <PendingApprovalsCount>{header}</PendingApprovalsCount> : header()}
            <div class="action-result-bar">
              <p
                role="status"
                aria-live="polite"
                data-testid="action-result"
                class={`action-result ${announcement?.tone ?? ''}`}
              >
                {announcement?.text ?? ''}
              </p>
              {announcement && (
                <button
                  type="button"
                  class="outline secondary small"
                  onClick={() => setAnnouncement(undefined)}
                >
                  Dismiss
                </button>
              )}
            </div>
            <main id="main" tabIndex={-1} class="container">
              {error && !whoami && (
                <p class="error" role="alert">
                  Cannot reach the trueup server: {error}{' '}
                  <button type="button" class="small" onClick={refresh}>
                    Retry
                  </button>
                </p>
              )}
              {whoami && !signedIn && <LoginPage auth={whoami.auth} onLogin={signIn} />}
              {signedIn && (
                <PageBoundary key={`${route.page}/${JSON.stringify(route.params)}`}>
                  <RoutedPage route={route} />
                </PageBoundary>
              )}
            </main>
            {keyboard.help && <HelpOverlay onClose={keyboard.closeHelp} />}
          </AnnounceContext.Provider>
        </NowContext.Provider>
      </LiveContext.Provider>
    </SessionContext.Provider>
  );
}
