/**
 * A signed identity from the authenticating proxy: a JWT in a header (oauth2-proxy's
 * `X-Forwarded-Access-Token` or `Authorization`, Pomerium's `X-Pomerium-Jwt-Assertion`, Cloudflare
 * Access's `Cf-Access-Jwt-Assertion`…), verified with a configured key, so that no pod that can
 * reach trueup can claim to be a user by sending a header. The algorithm comes from the key, never
 * from the token (RS256 for an RSA public key, ES256 for a P-256 one, HS256 for a shared secret),
 * and `exp` is required. node:crypto does the verification (no JOSE library is installed).
 */
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/** ProxyJwtConfig says where the token is and what a valid one is. */
export interface ProxyJwtConfig {
  /** header carries the token (`Authorization` takes `Bearer <token>`). */
  header: string;
  key: KeyObject;
  alg: 'RS256' | 'ES256' | 'HS256';
  issuer?: string;
  audience?: string;
  /** userClaim names the user (default `email`); groupsClaim their groups (default `groups`). */
  userClaim: string;
  groupsClaim: string;
}

/** JwtIdentity is a verified token's user and groups, or why the token was refused. */
export type JwtIdentity = { ok: true; user: string; groups: string[] } | { ok: false; reason: string };

/** MIN_HS256_SECRET_LENGTH is the shortest shared secret accepted. */
export const MIN_HS256_SECRET_LENGTH = 32;
const leewaySeconds = 60;

/** proxyJwtKey reads a PEM public key (RSA or P-256) or an HS256 shared secret; throws on anything else. */
export function proxyJwtKey(text: string): { key: KeyObject; alg: ProxyJwtConfig['alg'] } {
  if (text.includes('-----BEGIN')) {
    const key = createPublicKey(text);
    if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { key, alg: 'ES256' };
    throw new Error('TRUEUP_PROXY_JWT_KEY: an RSA or P-256 public key, or a shared secret');
  }
  if (text.length < MIN_HS256_SECRET_LENGTH)
    throw new Error(
      `TRUEUP_PROXY_JWT_KEY: a shared secret needs at least ${MIN_HS256_SECRET_LENGTH} characters`,
    );
  return { key: createSecretKey(Buffer.from(text, 'utf8')), alg: 'HS256' };
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function hasValidSignature(config: ProxyJwtConfig, signed: string, signature: Buffer): boolean {
  const data = Buffer.from(signed, 'utf8');
  if (config.alg === 'HS256') {
    const mac = createHmac('sha256', config.key).update(data).digest();
    return mac.length === signature.length && timingSafeEqual(mac, signature);
  }
  const key = config.alg === 'ES256' ? { key: config.key, dsaEncoding: 'ieee-p1363' as const } : config.key;
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** verifyProxyJwt checks a token's signature, algorithm, time, issuer and audience, and reads its user. */
export function verifyProxyJwt(config: ProxyJwtConfig, token: string, nowMs = Date.now()): JwtIdentity {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [head, body, sig] = parts as [string, string, string];
  const header = decodeJson(head);
  if (header?.alg !== config.alg) return { ok: false, reason: `algorithm must be ${config.alg}` };
  if (!hasValidSignature(config, `${head}.${body}`, Buffer.from(sig, 'base64url')))
    return { ok: false, reason: 'bad signature' };
  const claims = decodeJson(body);
  if (!claims) return { ok: false, reason: 'unreadable claims' };
  const now = nowMs / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + leewaySeconds < now)
    return { ok: false, reason: 'expired or no exp' };
  if (typeof claims.nbf === 'number' && claims.nbf - leewaySeconds > now)
    return { ok: false, reason: 'not yet valid' };
  if (config.issuer !== undefined && claims.iss !== config.issuer)
    return { ok: false, reason: 'wrong issuer' };
  if (config.audience !== undefined) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(config.audience)) return { ok: false, reason: 'wrong audience' };
  }
  const user = claims[config.userClaim];
  if (typeof user !== 'string' || user.trim() === '')
    return { ok: false, reason: `no ${config.userClaim} claim` };
  const raw = claims[config.groupsClaim];
  const groups = Array.isArray(raw)
    ? raw.filter((g): g is string => typeof g === 'string')
    : typeof raw === 'string'
      ? raw.split(',').map((g) => g.trim())
      : [];
  return { ok: true, user: user.trim(), groups };
}
