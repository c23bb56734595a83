/**
 * The console's HTTP client for `/api/v1`. URLs are relative to the page (the console may sit behind
 * a path prefix), every request sends the session cookie (same-origin), and every POST carries the
 * CSRF token from whoami/login. A 401 tells the app to ask who is logged in again (session expired).
 */

/** ApiError is a failed API call: HTTP status, the `TRUEUP_…` code and the server's message. */
export class ApiError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** setCsrfToken stores the token sent as `X-CSRF-Token` on every POST. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** onUnauthorized registers a callback for any 401 (the session expired or was never there). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/**
 * apiUrl resolves an API path (`status`, `objects/…`) against the page. A
 * `<meta name="trueup-api-base" content="…">` overrides where the API lives, for a server that
 * serves the console somewhere other than next to `api/v1/`.
 */
export function apiUrl(path: string): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="trueup-api-base"]')?.content;
  const base = new URL(meta || './', document.baseURI);
  return new URL(`api/v1/${path}`, base).toString();
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown; reason?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
    else if (typeof body.reason === 'string') message = body.reason;
  } catch {
    // not JSON (a proxy's error page): keep the status text
  }
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  return new ApiError(response.status, code, message);
}

/** getJson fetches one API resource; non-2xx answers throw ApiError. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path), {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    signal,
  });
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/**
 * postJson sends a state-changing request with the CSRF token. The statuses in `accept` (409 for a
 * stale approval or a policy refusal) are answers, not failures: their JSON body is returned.
 */
export async function postJson<T>(path: string, body?: unknown, accept: number[] = [409]): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(apiUrl(path), {
    method: 'POST',
    credentials: 'same-origin',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  if (!response.ok && !accept.includes(response.status)) throw await errorOf(response);
  return (await response.json()) as T;
}

/** errorText is a human sentence for any thrown error. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
