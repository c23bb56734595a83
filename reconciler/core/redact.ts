/**
 * Credential redaction for text that leaves the process (errors stored on incidents, logs, chat,
 * HTTP, CLI output): URLs lose their userinfo and the values of credential-like query parameters,
 * and known credentials (an LLM key, the parts of a configured URL) are replaced wherever they
 * appear. Pure: no I/O. One function for every error path, so no path forgets a form.
 */

/** redacted is what a credential is replaced with. */
export const redacted = '***';

// Greedy up to the last `@` before the path, as git and WHATWG URL read `https://user:p@ss@host/`.
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;
// A parameter after `?`, `&` or `;` (query strings, DSNs, `Server=…;Password=…`) whose name says credential.
const credentialParam =
  /([?&;]\s*)([\w.-]*?(?:key|token|secret|pass|pwd|auth|sig|credential|session|code)[\w.-]*)=([^&;#\s"'<>]*)/gi;

/**
 * redactUrls replaces the credentials of every URL in a text: the userinfo
 * (`https://user:key@host/x` → `https://***@host/x`) and the values of query parameters that name
 * a credential (`?api-key=…`, `&access_token=…`, `;Password=…`, `sig=…`).
 */
export function redactUrls(text: string): string {
  return text
    .replace(urlUserinfo, `$1${redacted}@`)
    .replace(credentialParam, (_, lead: string, name: string) => `${lead}${name}=${redacted}`);
}

/**
 * urlCredentials lists the credentials a URL carries (its userinfo, whole and as password, and the
 * values of credential-like query parameters), raw and percent-decoded, longest first: what a
 * redactor must find even where an error message quotes them outside the URL.
 */
export function urlCredentials(url: string): string[] {
  const found: string[] = [];
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url)?.[1];
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    // `https://TOKEN@host`: a lone user name is the credential; in `user:key` the user name is not.
    found.push(userinfo, ...(colon < 0 ? [] : [userinfo.slice(colon + 1)]));
  }
  for (const m of url.matchAll(credentialParam)) found.push(m[3] as string);
  return longestFirst(found.flatMap((part) => [part, safeDecode(part)]));
}

/** minSecretLength: shorter known credentials are not searched for (they would mangle ordinary words). */
const minSecretLength = 4;

/**
 * redactor returns a function that redacts URLs (redactUrls) and then every occurrence of the given
 * known credentials, whatever surrounds them.
 */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = longestFirst(secrets.filter((s): s is string => (s?.length ?? 0) >= minSecretLength));
  return (text) => {
    let out = redactUrls(text);
    for (const secret of known) out = out.replaceAll(secret, redacted);
    return out;
  };
}

function longestFirst(parts: string[]): string[] {
  return [...new Set(parts.filter((p) => p.length > 0))].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * jsonErrorWhere describes a JSON parse error by where it happened only: V8's own message quotes
 * the input ("Unexpected token 'c', "canary…" is not valid JSON"), which may hold a Secret value.
 * Other errors (an empty body) quote no input and keep their message.
 */
export function jsonErrorWhere(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const isParseError = err instanceof SyntaxError || / JSON\b/.test(message);
  if (!isParseError) return message;
  const at = /position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
  if (!at) return 'not valid JSON';
  return at[2] ? `not valid JSON at line ${at[2]} column ${at[3]}` : `not valid JSON at position ${at[1]}`;
}
