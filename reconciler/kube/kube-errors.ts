/**
 * Kubernetes request errors: every failed call becomes a KubeError that names the cluster and the
 * request, says what went wrong (not found, conflict, forbidden, unreachable, timeout…) and whether a
 * retry may help. Shared by the reconciler's and diagnosis's client-node edges.
 */
import type { ApiException } from '@kubernetes/client-node';

/** KubeErrorReason classifies a failed request. */
export type KubeErrorReason =
  | 'gone'
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'forbidden'
  | 'unreachable'
  | 'timeout'
  | 'other';

/** KubeError is a failed request on one cluster, naming the object. */
export class KubeError extends Error {
  override name = 'KubeError';
  readonly cluster: string;
  readonly reason: KubeErrorReason;
  readonly status?: number;
  /** statusReason is the apiserver's Status reason (`AlreadyExists`, `Invalid`, `Forbidden`…), when it sent one. */
  readonly statusReason?: string;
  /** transient errors may succeed on retry (unreachable, timeout, 429, 5xx). */
  readonly transient: boolean;
  /** code is the error's catalog code: unavailable (transient) or refused (terminal). */
  readonly code: 'TRUEUP_KUBE_UNAVAILABLE' | 'TRUEUP_KUBE_REFUSED';

  constructor(fields: {
    cluster: string;
    what: string;
    reason: KubeErrorReason;
    status?: number;
    statusReason?: string;
    detail: string;
  }) {
    super(`cluster ${fields.cluster}: ${fields.what}: ${fields.detail}`);
    this.cluster = fields.cluster;
    this.reason = fields.reason;
    this.status = fields.status;
    if (fields.statusReason !== undefined) this.statusReason = fields.statusReason;
    this.transient =
      fields.reason === 'unreachable' ||
      fields.reason === 'timeout' ||
      fields.status === 429 ||
      (fields.status !== undefined && fields.status >= 500);
    this.code = this.transient ? 'TRUEUP_KUBE_UNAVAILABLE' : 'TRUEUP_KUBE_REFUSED';
  }
}

/** kubeCall runs one request with a timeout and turns its failure into a KubeError naming `what`. */
export async function kubeCall<T>(
  cluster: string,
  what: string,
  timeoutMs: number,
  run: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KubeError({
            cluster,
            what,
            reason: 'timeout',
            detail: `no answer within ${timeoutMs / 1000} s`,
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (err) {
    throw kubeErrorOf(cluster, what, err);
  } finally {
    clearTimeout(timer);
  }
}

const statusReasons: Record<number, KubeErrorReason> = {
  401: 'forbidden',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  422: 'invalid',
};

/**
 * isApiException recognises client-node's ApiException by its shape: the class may come from the
 * bundle (client-node.ts) or from the package (tests, bench), and this module loads neither.
 */
function isApiException(err: unknown): err is ApiException<unknown> {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'number' &&
    'body' in err &&
    'headers' in err
  );
}

/** kubeErrorOf turns a client-node failure into a KubeError, naming the request. */
export function kubeErrorOf(cluster: string, what: string, err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  if (isApiException(err)) {
    const status = err.code;
    // Only the Status message is kept: ApiException's own message also carries headers and body.
    let detail = `HTTP ${status}`;
    let statusReason: string | undefined;
    try {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      if (body?.message) detail = `${body.message} (HTTP ${status})`;
      if (typeof body?.reason === 'string') statusReason = body.reason;
    } catch {
      // not JSON: keep the status alone
    }
    return new KubeError({
      cluster,
      what,
      reason: statusReasons[status] ?? 'other',
      status,
      ...(statusReason ? { statusReason } : {}),
      detail,
    });
  }
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError') {
    return new KubeError({ cluster, what, reason: 'timeout', detail: e.message ?? 'timed out' });
  }
  const code = e.cause?.code ?? e.code;
  const detail = [e.message, e.cause?.message].filter(Boolean).join(': ') || String(err);
  // Connection failures, not TLS or auth ones, which a retry would not fix. fetch refuses ports on
  // its block list (1, 6000…) with "bad port" before connecting: that server cannot be reached either.
  const unreachable =
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET|socket hang up|bad port/.test(
      `${code} ${detail}`,
    );
  return new KubeError({ cluster, what, reason: unreachable ? 'unreachable' : 'other', detail });
}
