/**
 * The browser side of routing: the current route from `location.hash`, and navigate(). In-page
 * anchors (`#main`) are not routes and leave the current page alone.
 */
import { useEffect, useState } from 'preact/hooks';
import { isRouteHash, parseRoute, type Route } from './route.ts';

/** useRoute returns the current route and follows hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => {
      if (isRouteHash(location.hash)) setRoute(parseRoute(location.hash));
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}

/**
 * navigate goes to a console href (`#/…`). replace swaps the history entry instead of adding one:
 * for filter changes, so Back leaves the page rather than undoing each filter tweak.
 */
export function navigate(href: string, replace = false): void {
  if (!replace) {
    location.hash = href;
    return;
  }
  history.replaceState(history.state, '', href);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
