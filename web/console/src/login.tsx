/**
 * Login: exchanges an API token for a session cookie (`POST /api/v1/login`). The token is only sent
 * once and never kept by the page; the session cookie is HttpOnly.
 */
import { useState } from 'preact/hooks';
import type { Whoami } from '../../contract/api.ts';
import { errorText, postJson } from './api.ts';

/** LoginPage asks for a token; onLogin receives the new session's identity and CSRF token. */
export function LoginPage(props: { auth: Whoami['auth']; onLogin: (whoami: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await postJson<Omit<Whoami, 'auth'>>('login', { token: token.trim() }, []);
      setToken('');
      props.onLogin({ ...answer, auth: props.auth });
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="login">
      <h1 id="page-title" tabIndex={-1}>
        Sign in to trueup
      </h1>
      {props.auth === 'proxy' && (
        <p class="muted">
          This console trusts an authenticating proxy, but no user came through it. Sign in through the proxy,
          or use an API token.
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          API token
          <input
            type="password"
            name="token"
            autocomplete="current-password"
            required
            value={token}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'login-error' : undefined}
            data-testid="login-token"
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button
          type="submit"
          data-testid="login-submit"
          aria-busy={busy ? 'true' : undefined}
          disabled={busy}
        >
          Sign in
        </button>
      </form>
    </article>
  );
}
