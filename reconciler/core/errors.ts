/**
 * The `TRUEUP_*` error catalog: every code trueup reports — in CLI output, HTTP answers, the JSON
 * contracts and the console — with the HTTP status it answers with and whether it is transient
 * (back off and retry: the same request may pass later) or terminal (report it; someone has to
 * change the repo, the request or the configuration). One catalog, as fastify keeps its `FST_ERR_*`.
 */

/** ErrorSpec is one catalog entry: the HTTP status, transient or terminal, and what the code means. */
export interface ErrorSpec {
  status: number;
  transient: boolean;
  description: string;
}

/** errorCatalog lists every `TRUEUP_*` code. A code not listed here does not typecheck. */
export const errorCatalog = {
  // Requests to the HTTP API (console, scripts, chat, webhook).
  TRUEUP_BAD_REQUEST: {
    status: 400,
    transient: false,
    description: 'the request body or a path parameter is invalid',
  },
  TRUEUP_BAD_QUERY: { status: 400, transient: false, description: 'the query string is invalid' },
  TRUEUP_BAD_ALERT: {
    status: 400,
    transient: false,
    description: 'the Alertmanager webhook body is not a valid alert group',
  },
  TRUEUP_BAD_AUDIT_EVENTS: {
    status: 400,
    transient: false,
    description: 'the audit webhook body is not an audit.k8s.io/v1 EventList, Event or list of Events',
  },
  TRUEUP_UNAUTHORIZED: {
    status: 401,
    transient: false,
    description: 'no valid credentials (log in, or a token)',
  },
  TRUEUP_BAD_SIGNATURE: {
    status: 401,
    transient: false,
    description: "a chat request's signature does not verify",
  },
  TRUEUP_REPLAYED: {
    status: 401,
    transient: false,
    description: 'a signed chat request was already received',
  },
  TRUEUP_FORBIDDEN: {
    status: 403,
    transient: false,
    description: 'the caller may not do this (viewer, not operator)',
  },
  TRUEUP_CSRF: {
    status: 403,
    transient: false,
    description: 'a cookie-authenticated write without the CSRF header',
  },
  TRUEUP_NOT_FOUND: { status: 404, transient: false, description: 'no such object, incident or resource' },
  TRUEUP_NOT_OWNER: {
    status: 409,
    transient: true,
    description: 'this replica does not own the cluster (leader election, shards): the owner writes it',
  },
  TRUEUP_APPROVAL_REFUSED: {
    status: 409,
    transient: false,
    description:
      'the approval is unknown, no longer pending, or stale (a fresh one is queued for a stale one)',
  },
  TRUEUP_APPROVAL_FAILED: {
    status: 409,
    transient: false,
    description: "the approved change failed; the change-set entry's failure says why",
  },
  TRUEUP_ALERT_TOO_LARGE: {
    status: 413,
    transient: false,
    description: 'the alert group is larger than the body limit',
  },
  TRUEUP_AUDIT_TOO_LARGE: {
    status: 413,
    transient: false,
    description:
      'the audit event batch is larger than the body limit (use Metadata level, or a smaller --audit-webhook-batch-max-size)',
  },
  TRUEUP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    transient: false,
    description: 'the body must be application/json',
  },
  TRUEUP_FOREIGN_HOST: {
    status: 421,
    transient: false,
    description: 'the Host header is not the address the server listens on (DNS rebinding guard)',
  },
  TRUEUP_RATE_LIMITED: {
    status: 429,
    transient: true,
    description: 'too many requests; retry after Retry-After',
  },
  TRUEUP_TOO_MANY_STREAMS: {
    status: 429,
    transient: true,
    description: 'too many open event streams for this user',
  },
  TRUEUP_INTERNAL: { status: 500, transient: false, description: 'an unexpected server error (a bug)' },
  TRUEUP_INTAKE_FAILED: {
    status: 500,
    transient: true,
    description: 'an alert could not be stored; retry later',
  },
  TRUEUP_OVERLOADED: {
    status: 503,
    transient: true,
    description: 'too much work queued (investigations, previews); retry later',
  },
  // Configuration read at startup.
  TRUEUP_AUTH_CONFIG: {
    status: 500,
    transient: false,
    description: 'a console, proxy or webhook credential setting is invalid',
  },
  TRUEUP_DIGEST_KEY: { status: 500, transient: false, description: 'the Secret digest key cannot be used' },
  TRUEUP_STORE_SCHEMA_TOO_NEW: {
    status: 500,
    transient: false,
    description: 'the store was migrated by a newer trueup: this replica does not start',
  },
  // Repo content (reported with file:line; the rest of the repo is still reconciled).
  TRUEUP_REPO_YAML: { status: 422, transient: false, description: 'a file is not valid YAML' },
  TRUEUP_REPO_YAML_BUDGET: {
    status: 422,
    transient: false,
    description: "a document exceeds the YAML parser's budget",
  },
  TRUEUP_REPO_FILE_TOO_LARGE: {
    status: 422,
    transient: false,
    description: 'a file is larger than the size limit and was not read',
  },
  TRUEUP_REPO_SOPS: {
    status: 422,
    transient: false,
    description: 'a SOPS-encrypted file cannot be decrypted or verified',
  },
  TRUEUP_REPO_SOPS_METADATA_MISSING: {
    status: 422,
    transient: false,
    description: 'a file holds SOPS-encrypted values but no sops: block',
  },
  TRUEUP_REPO_VARIABLE: {
    status: 422,
    transient: false,
    description: 'a cluster variable has no value on a cluster',
  },
  TRUEUP_REPO_PATTERN: {
    status: 422,
    transient: false,
    description: 'a glob or regular expression in the repo is refused',
  },
  TRUEUP_REPO_BUILD: {
    status: 500,
    transient: false,
    description: 'reading one file failed unexpectedly (a bug)',
  },
  // Remediation (change-set entries carry these as failure.code).
  TRUEUP_DRY_RUN_FAILED: {
    status: 422,
    transient: false,
    description: 'the server dry-run refused the change; nothing was applied',
  },
  TRUEUP_APPLY_FAILED: {
    status: 502,
    transient: false,
    description: 'the change passed the dry-run but failed or did not hold',
  },
  TRUEUP_RECREATE_FAILED: {
    status: 502,
    transient: true,
    description: 'a replacement deleted the object but could not create it again; the next remediation does',
  },
  TRUEUP_KUBE_UNAVAILABLE: {
    status: 503,
    transient: true,
    description: 'the Kubernetes API server is unreachable, timed out or overloaded (429, 5xx)',
  },
  TRUEUP_KUBE_REFUSED: {
    status: 502,
    transient: false,
    description: 'the Kubernetes API server refused the request (invalid, forbidden, conflict, not found)',
  },
} as const satisfies Record<`TRUEUP_${string}`, ErrorSpec>;

/** TrueupCode is a code of the catalog. */
export type TrueupCode = keyof typeof errorCatalog;

/** isTrueupCode tells whether a value is a code of the catalog. */
export function isTrueupCode(value: unknown): value is TrueupCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

/** statusOf is the HTTP status trueup answers a code with. */
export function statusOf<C extends TrueupCode>(code: C): (typeof errorCatalog)[C]['status'] {
  return errorCatalog[code].status;
}

/** isTransient tells whether retrying later may succeed for an error with that code. */
export function isTransient(code: TrueupCode): boolean {
  return errorCatalog[code].transient;
}

/** Failure is a coded failure as the JSON contracts carry it: `{code, message, transient}`. */
export interface Failure {
  code: TrueupCode;
  message: string;
  transient: boolean;
}

/**
 * codeOf is the catalog code an error carries in its `code` field (KubeError, NotOwnerError,
 * RecreateFailedError…), else the fallback: errors are classified where they are made, never by
 * matching their text.
 */
export function codeOf(err: unknown, fallback: TrueupCode): TrueupCode {
  const code = (err as { code?: unknown } | undefined)?.code;
  return isTrueupCode(code) ? code : fallback;
}

/** failureOf builds the `{code, message, transient}` of a failure from its code and message. */
export function failureOf(code: TrueupCode, message: string): Failure {
  return { code, message, transient: isTransient(code) };
}
