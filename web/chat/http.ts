/**
 * Outbound HTTP for chat: one POST with a timeout, retried when the other side says "later" (429,
 * after its `Retry-After`) or fails transiently (5xx, network error; exponential backoff). Errors
 * name the target by label, never by URL: incoming-webhook URLs are credentials.
 */

/** RetryOptions bound the retries of one outbound call. */
export interface RetryOptions {
  maxRetries: number;
  /** maxRetryAfterSeconds caps how long a Retry-After may make us wait. */
  maxRetryAfterSeconds: number;
  timeoutMs: number;
  /** sleep waits ms, or rejects with the signal's reason as soon as it is aborted. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch: typeof fetch;
  /** signal aborts every call and wait at once (shutdown): what was not sent is kept by the caller. */
  signal?: AbortSignal;
}

/** abortableSleep waits ms, or rejects with the signal's reason when it is aborted (clearing the timer). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** defaultRetryOptions: 3 retries, Retry-After honoured up to a minute, 10 s per attempt. */
export function defaultRetryOptions(): RetryOptions {
  return {
    maxRetries: 3,
    maxRetryAfterSeconds: 60,
    timeoutMs: 10_000,
    sleep: abortableSleep,
    fetch: (input, init) => fetch(input, init),
  };
}

/** ChatHttpError is an outbound call that failed for good; transient when retrying later may help. */
export class ChatHttpError extends Error {
  readonly target: string;
  readonly status?: number;
  readonly transient: boolean;

  constructor(target: string, message: string, transient: boolean, status?: number) {
    super(`${target}: ${message}`);
    this.name = 'ChatHttpError';
    this.target = target;
    this.transient = transient;
    if (status !== undefined) this.status = status;
  }
}

/** retryAfterMs reads a Retry-After header (seconds or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}

/** PostResult is the final answer of a POST. */
export interface PostResult {
  status: number;
  text: string;
}

/** postWithRetries POSTs a body, retrying 429 and transient failures; other 4xx are returned. */
export async function postWithRetries(
  target: string,
  url: string,
  request: { headers: Record<string, string>; body: string },
  options: RetryOptions,
): Promise<PostResult> {
  for (let attempt = 0; ; attempt++) {
    let waitMs: number;
    let failure: string;
    try {
      const res = await options.fetch(url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: options.signal
          ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal])
          : AbortSignal.timeout(options.timeoutMs),
      });
      const text = await res.text();
      if (res.status === 429) {
        waitMs = Math.min(retryAfterMs(res.headers.get('retry-after')), options.maxRetryAfterSeconds * 1000);
        failure = 'rate limited (429)';
      } else if (res.status >= 500) {
        waitMs = 500 * 2 ** attempt;
        failure = `HTTP ${res.status}`;
      } else {
        return { status: res.status, text };
      }
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      waitMs = 500 * 2 ** attempt;
      failure = (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message;
    }
    if (attempt >= options.maxRetries)
      throw new ChatHttpError(target, `${failure}, gave up after ${attempt + 1} attempts`, true);
    await options.sleep(waitMs, options.signal);
  }
}
