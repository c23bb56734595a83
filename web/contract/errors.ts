/**
 * The error vocabulary of the JSON API: the `TRUEUP_*` codes of the error catalog
 * (`reconciler/core/errors.ts`, which holds each code's HTTP status and whether it is transient) and
 * the shapes that carry them. `contract.test.ts` fails when a code is added to one list only.
 */

/** TrueupCode is a code of the error catalog. */
export type TrueupCode =
  | 'TRUEUP_BAD_REQUEST'
  | 'TRUEUP_BAD_QUERY'
  | 'TRUEUP_BAD_ALERT'
  | 'TRUEUP_BAD_AUDIT_EVENTS'
  | 'TRUEUP_UNAUTHORIZED'
  | 'TRUEUP_BAD_SIGNATURE'
  | 'TRUEUP_REPLAYED'
  | 'TRUEUP_FORBIDDEN'
  | 'TRUEUP_CSRF'
  | 'TRUEUP_NOT_FOUND'
  | 'TRUEUP_NOT_OWNER'
  | 'TRUEUP_APPROVAL_REFUSED'
  | 'TRUEUP_APPROVAL_FAILED'
  | 'TRUEUP_ALERT_TOO_LARGE'
  | 'TRUEUP_AUDIT_TOO_LARGE'
  | 'TRUEUP_UNSUPPORTED_MEDIA_TYPE'
  | 'TRUEUP_FOREIGN_HOST'
  | 'TRUEUP_RATE_LIMITED'
  | 'TRUEUP_TOO_MANY_STREAMS'
  | 'TRUEUP_INTERNAL'
  | 'TRUEUP_INTAKE_FAILED'
  | 'TRUEUP_OVERLOADED'
  | 'TRUEUP_AUTH_CONFIG'
  | 'TRUEUP_DIGEST_KEY'
  | 'TRUEUP_STORE_SCHEMA_TOO_NEW'
  | 'TRUEUP_REPO_YAML'
  | 'TRUEUP_REPO_YAML_BUDGET'
  | 'TRUEUP_REPO_FILE_TOO_LARGE'
  | 'TRUEUP_REPO_SOPS'
  | 'TRUEUP_REPO_SOPS_METADATA_MISSING'
  | 'TRUEUP_REPO_VARIABLE'
  | 'TRUEUP_REPO_PATTERN'
  | 'TRUEUP_REPO_BUILD'
  | 'TRUEUP_DRY_RUN_FAILED'
  | 'TRUEUP_APPLY_FAILED'
  | 'TRUEUP_RECREATE_FAILED'
  | 'TRUEUP_KUBE_UNAVAILABLE'
  | 'TRUEUP_KUBE_REFUSED';

/** Failure is a coded failure as change set entries carry it: `{code, message, transient}`. */
export interface Failure {
  code: TrueupCode;
  message: string;
  /** transient: the same request may pass later (back off and retry); else someone must change something. */
  transient: boolean;
}

/** ApiErrorBody is the body of every refused or failed request: a code and a sentence. */
export interface ApiErrorBody {
  error: TrueupCode;
  message: string;
}
