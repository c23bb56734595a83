/**
 * The console's top bar: skip link, navigation, the live indicator, who is signed in (and as what),
 * logout, and the dark/light toggle. Wraps onto several lines in a narrow window.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Whoami } from '../../contract/api.ts';
import type { LiveState } from './live.ts';
import type { Page } from './route.ts';

const links: { href: string; label: string; pages: Page[] }[] = [
  { href: '#/', label: 'Fleet', pages: ['fleet'] },
  { href: '#/drifts', label: 'Drifts', pages: ['drifts', 'object'] },
  { href: '#/approvals', label: 'Approvals', pages: ['approvals'] },
  { href: '#/incidents', label: 'Incidents', pages: ['incidents', 'incident'] },
  { href: '#/history', label: 'History', pages: ['history'] },
  { href: '#/preview', label: 'Preview', pages: ['preview'] },
  { href: '#/timeline', label: 'Timeline', pages: ['timeline'] },
];

const liveText: Record<LiveState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  off: 'offline',
};

type Theme = 'auto' | 'dark' | 'light';
const themeKey = 'trueup-theme';
const nextTheme: Record<Theme, Theme> = { auto: 'dark', dark: 'light', light: 'auto' };

/** applyTheme sets Pico's theme attribute; `auto` follows the system (prefers-color-scheme). */
export function applyTheme(theme: Theme): void {
  if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}

/** storedTheme reads the user's choice (storage may be unavailable in a locked-down browser). */
export function storedTheme(): Theme {
  try {
    const value = localStorage.getItem(themeKey);
    return value === 'dark' || value === 'light' ? value : 'auto';
  } catch {
    return 'auto';
  }
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => {
    applyTheme(theme);
    try {
      localStorage.setItem(themeKey, theme);
    } catch {
      // not persisted; the choice still holds for this page
    }
  }, [theme]);
  return (
    <button
      type="button"
      class="outline secondary small theme-toggle"
      onClick={() => setTheme(nextTheme[theme])}
      title={`Theme: ${theme}. Switch to ${nextTheme[theme]}.`}
      aria-label={`Theme: ${theme}. Switch to ${nextTheme[theme]}.`}
    >
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {theme}
    </button>
  );
}

/** skipToContent moves focus to the page; a button, since the location hash belongs to the router. */
function skipToContent(): void {
  document.getElementById('main')?.focus();
}

/** Header renders the top bar; whoami is undefined until known, pendingApprovals is how many changes wait for approval. */
export function Header(props: {
  page: Page;
  whoami?: Whoami;
  signedIn: boolean;
  live: LiveState;
  pendingApprovals?: number;
  onLogout: () => void;
}) {
  const { whoami } = props;
  return (
    <>
      <button type="button" class="skip-link" onClick={skipToContent}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href="#/">
          trueup
        </a>
        {props.signedIn && (
          <nav aria-label="Main">
            <ul>
              {links.map((link) => (
                <li key={link.href}>
                  <a href={link.href} aria-current={link.pages.includes(props.page) ? 'page' : undefined}>
                    {link.label}
                    {link.href === '#/approvals' && props.pendingApprovals ? (
                      <span class="count"> {props.pendingApprovals}</span>
                    ) : null}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div class="session">
          {props.signedIn && (
            <span
              class={`live live-${props.live}`}
              data-testid="live-indicator"
              data-state={props.live}
              title="Server events"
            >
              <span class="dot" aria-hidden="true" />
              {liveText[props.live]}
            </span>
          )}
          {whoami?.user && (
            <span class="whoami" data-testid="whoami">
              {whoami.user} · <strong>{whoami.role ?? 'no role'}</strong>
            </span>
          )}
          {whoami?.user && whoami.auth === 'token' && (
            <button type="button" class="outline secondary small" onClick={props.onLogout}>
              Log out
            </button>
          )}
          <ThemeToggle />
        </div>
      </header>
    </>
  );
}
