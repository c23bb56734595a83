/**
 * Security headers on every answer: the console loads only its own scripts, styles and data (its
 * CSS inlines a few SVG icons as data: URLs), may not be framed, and no type is sniffed.
 */
import type { FastifyInstance } from 'fastify';

/** CONTENT_SECURITY_POLICY is the console's CSP; the built console has no inline script or style. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** SECURITY_HEADERS are set on every response (the event stream sets them itself). */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** addSecurityHeaders sets SECURITY_HEADERS on every response of the app. */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
