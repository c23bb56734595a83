/**
 * DNS-rebinding guard for a server without authentication (`trueup demo`): a page on another site
 * can make a browser send requests to 127.0.0.1 under its own host name, and with no credential to
 * check, the Host header is the only thing that tells. Such a server answers only requests whose
 * Host is the address the connection arrived on (or `localhost` on a loopback address). Pure.
 */

/** isOwnHost says whether a Host header names the address and port a connection arrived on. */
export function isOwnHost(host: string | undefined, localAddress: string, localPort: number): boolean {
  if (!host) return false;
  const address = localAddress.replace(/^::ffff:/, '').toLowerCase();
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  if (!match) return false;
  const name = (match[1] as string).replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port !== localPort) return false;
  if (name === address) return true;
  return name === 'localhost' && isLoopback(address);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
