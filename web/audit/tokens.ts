/**
 * The audit receiver's credentials: one or more bearer tokens per cluster, read from the file
 * `serve --audit-tokens` names (mount it from a Secret). A line is `<cluster> <token>`; `#` starts
 * a comment; a cluster may have several lines (a token is rotated without downtime). The token is
 * the one in that cluster's audit webhook kubeconfig (`users[].user.token`).
 */
import { AuthConfigError, MIN_TOKEN_LENGTH } from '../auth/auth.ts';

/** AuditTokens are the accepted bearer tokens, by cluster. */
export type AuditTokens = ReadonlyMap<string, readonly string[]>;

/** parseAuditTokens reads the file's text; errors name the line, never the token. */
export function parseAuditTokens(text: string, where = '--audit-tokens'): AuditTokens {
  const tokens = new Map<string, string[]>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [cluster, token, ...rest] = line.split(/\s+/);
    if (!cluster || !token || rest.length > 0)
      throw new AuthConfigError(`${where} line ${i + 1}: expected "<cluster> <token>"`);
    if (token.length < MIN_TOKEN_LENGTH)
      throw new AuthConfigError(
        `${where} line ${i + 1}: the token of ${cluster} needs at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 24)`,
      );
    tokens.set(cluster, [...(tokens.get(cluster) ?? []), token]);
  });
  return tokens;
}
