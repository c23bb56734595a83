/**
 * Record ids for approvals (`a<n>-<tag>`, e.g. `a12-7kq3x9md`) and incidents (`i<n>-<tag>`). The
 * number stays readable and ordered within one state store; the tag is 8 random Crockford base32
 * characters (40 bits), so an id one replica or installation hands out (in a chat button, a link, a
 * script) can never name another one's record. Ids of the older form (`a12`, `i3`) stay valid for the
 * rows that have them.
 */
import { randomBytes } from 'node:crypto';

// Crockford's base32 (no i, l, o, u): unambiguous when read aloud or copied by hand.
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const tagLength = 8;

/** APPROVAL_ID matches an approval id, new (`a12-7kq3x9md`) or legacy (`a12`). */
export const APPROVAL_ID = /^a\d{1,12}(?:-[0-9a-hjkmnp-tv-z]{8})?$/;
/** INCIDENT_ID matches an incident id, new (`i3-0pz8k2ra`) or legacy (`i3`). */
export const INCIDENT_ID = /^i\d{1,12}(?:-[0-9a-hjkmnp-tv-z]{8})?$/;

/** randomTag is 8 random Crockford base32 characters. */
export function randomTag(): string {
  const bytes = randomBytes(tagLength);
  let tag = '';
  for (const byte of bytes) tag += alphabet[byte & 31];
  return tag;
}

/** newApprovalId is the id of the n-th approval of a store. */
export function newApprovalId(n: number, tag = randomTag()): string {
  return `a${n}-${tag}`;
}

/** newIncidentId is the id of the n-th incident of a store. */
export function newIncidentId(n: number, tag = randomTag()): string {
  return `i${n}-${tag}`;
}

/** isUniqueId tells a globally unique id (with its tag) from a legacy, per-store one (`a12`). */
export function isUniqueId(id: string): boolean {
  return /^[ai]\d{1,12}-[0-9a-hjkmnp-tv-z]{8}$/.test(id);
}
