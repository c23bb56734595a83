/**
 * What every page shares: the session (who, which role), the live tick, the clock for relative times,
 * the announcer for action results (the page's aria-live region), and useResource, which loads an
 * API path and reloads it whenever a live event arrives — keeping the last data on screen meanwhile.
 */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { Whoami } from '../../contract/api.ts';
import { errorText, getJson } from './api.ts';

/** Session is the logged-in user as the pages see it. */
export interface Session {
  whoami: Whoami;
  /** canOperate: the role may approve, reject and remediate (the server checks again). */
  canOperate: boolean;
}

/** SessionContext carries the session. */
export const SessionContext = createContext<Session>({
  whoami: { user: null, role: null, auth: 'off' },
  canOperate: false,
});

/** LiveContext carries the live tick: it changes after server events. */
export const LiveContext = createContext(0);

/** NowContext carries a clock that advances every 30 s, so relative times stay true. */
export const NowContext = createContext(Date.now());

/** Announcement is one action result shown in the aria-live region. */
export interface Announcement {
  text: string;
  tone: 'ok' | 'error';
}

/** AnnounceContext carries the function that shows an action result. */
export const AnnounceContext = createContext<(announcement: Announcement) => void>(() => {});

/** useSession returns the session. */
export function useSession(): Session {
  return useContext(SessionContext);
}

/** useAnnounce returns the function that shows an action result. */
export function useAnnounce(): (announcement: Announcement) => void {
  return useContext(AnnounceContext);
}

/** Resource is the state of one loaded API path. */
export interface Resource<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/**
 * useResource loads `path` (relative to /api/v1; undefined loads nothing), again on every live tick
 * and on reload(). A new path drops the old data; a refetch of the same path keeps it on screen.
 */
export function useResource<T>(path: string | undefined): Resource<T> {
  const tick = useContext(LiveContext);
  const [reloads, setReloads] = useState(0);
  const [state, setState] = useState<{ path?: string; data?: T; error?: string; loading: boolean }>({
    loading: true,
  });
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    setState((old) => (old.path === path ? { ...old, loading: true } : { path, loading: true }));
    getJson<T>(path, abort.signal).then(
      (data) => setState({ path, data, loading: false }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setState((old) => ({ ...old, path, error: errorText(error), loading: false }));
      },
    );
    return () => abort.abort();
  }, [path, tick, reloads]);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const current = state.path === path ? state : { loading: true };
  return { ...current, reload };
}
