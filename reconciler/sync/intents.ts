/**
 * Write intents, for crash consistency: before trueup sends a write it records what it is about
 * to do (an intent), and the intent is completed with the audit record of its outcome. An intent
 * still open at start means the process died mid-write; recovery re-reads the object and tells,
 * from what the intent expected, whether the write went through. Pure: no I/O here.
 */

import type { LiveObject, ObjectRef } from '../core/model.ts';
import { digestOf, shortDigest } from '../core/secret-value.ts';
import type { ChangeAction, Plan } from './plan.ts';

/**
 * WriteExpectation is what a remediation's writes leave on the object, in a form safe to store:
 * key names and one digest of the applied content, never a value.
 */
export interface WriteExpectation {
  action: ChangeAction;
  /** uid and resourceVersion of the live object the writes were planned against (none: it was missing). */
  uid?: string;
  resourceVersion?: string;
  /** removeKeys are data/binaryData paths the writes remove (`data.x`). */
  removeKeys?: string[];
  /** delete: the object is deleted (alone: pruned; with apply: replaced). */
  delete?: boolean;
  /** apply is what the server-side apply sets: the fields it names, and one digest of their values. */
  apply?: { fields: AppliedFields; digest: string };
}

/** AppliedFields are the fields an apply sets (names only). */
export interface AppliedFields {
  data: string[];
  binaryData: string[];
  labels: string[];
  annotations: string[];
  immutable: boolean;
  type: boolean;
}

/** IntentOutcome is what recovery found an interrupted write did. */
export type IntentOutcome = 'applied' | 'not-applied' | 'partial' | 'unknown';

/** WriteJournal records a remediation's intent before its first write (see store.ts). */
export interface WriteJournal {
  /** intend records what the writes are about to do; returns the intent id the audit record completes. */
  intend(ref: ObjectRef, expectation: WriteExpectation): Promise<string>;
}

/** expectationOf is what a plan's writes will leave on the object, planned against live. */
export function expectationOf(plan: Plan, live: LiveObject | undefined): WriteExpectation {
  return {
    action: plan.action,
    ...(live ? { uid: live.uid, resourceVersion: live.resourceVersion } : {}),
    ...(plan.removeKeys ? { removeKeys: plan.removeKeys.paths } : {}),
    ...(plan.delete ? { delete: true } : {}),
    ...(plan.apply ? { apply: appliedOf(plan.apply) } : {}),
  };
}

function appliedOf(manifest: NonNullable<Plan['apply']>): { fields: AppliedFields; digest: string } {
  // Values as a read shows them: a Secret's as the digest of its bytes, a ConfigMap's as text.
  const data = Object.fromEntries(
    Object.entries(manifest.data ?? {}).map(([k, v]) => [
      k,
      manifest.kind === 'Secret' ? digestOf(Buffer.from(v, 'base64')) : v,
    ]),
  );
  const fields: AppliedFields = {
    data: Object.keys(data).sort(),
    binaryData: Object.keys(manifest.binaryData ?? {}).sort(),
    labels: Object.keys(manifest.metadata.labels ?? {}).sort(),
    annotations: Object.keys(manifest.metadata.annotations ?? {}).sort(),
    immutable: manifest.immutable !== undefined,
    type: manifest.type !== undefined,
  };
  return {
    fields,
    digest: digestOfFields(fields, {
      data,
      binaryData: manifest.binaryData ?? {},
      labels: manifest.metadata.labels ?? {},
      annotations: manifest.metadata.annotations ?? {},
      immutable: manifest.immutable,
      type: manifest.type,
    }),
  };
}

interface FieldValues {
  data: Record<string, string>;
  binaryData: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  immutable?: boolean | undefined;
  type?: string | undefined;
}

/** digestOfFields digests the values of the named fields only (absent ones as null). */
function digestOfFields(fields: AppliedFields, values: FieldValues): string {
  const pick = (names: string[], map: Record<string, string>) => names.map((n) => [n, map[n] ?? null]);
  const content = JSON.stringify([
    pick(fields.data, values.data),
    pick(fields.binaryData, values.binaryData),
    pick(fields.labels, values.labels),
    pick(fields.annotations, values.annotations),
    fields.immutable ? (values.immutable ?? false) : null,
    fields.type ? (values.type ?? null) : null,
  ]);
  return shortDigest(digestOf(Buffer.from(content)));
}

/** hasApplied tells whether the live object carries every field an apply set, with its value. */
function hasApplied(apply: NonNullable<WriteExpectation['apply']>, live: LiveObject): boolean {
  return digestOfFields(apply.fields, live) === apply.digest;
}

/**
 * outcomeOf tells, from an interrupted write's expectation and the object as it is now (undefined:
 * it does not exist), whether the write went through, with a sentence saying why.
 */
export function outcomeOf(
  expected: WriteExpectation,
  live: LiveObject | undefined,
): { outcome: IntentOutcome; why: string } {
  const { apply } = expected;
  const sameObject = live !== undefined && expected.uid !== undefined && live.uid === expected.uid;
  if (expected.delete && !apply) {
    return live && sameObject
      ? { outcome: 'not-applied', why: 'the object is still there' }
      : { outcome: 'applied', why: 'the object is gone' };
  }
  if (!apply) return { outcome: 'unknown', why: 'the intent names no write' };
  if (!live) {
    return expected.delete
      ? { outcome: 'partial', why: 'deleted to be replaced, not created again: the object is missing' }
      : { outcome: 'not-applied', why: 'the object does not exist' };
  }
  if (expected.delete && sameObject) return { outcome: 'not-applied', why: 'the object was not replaced' };
  const removed = (expected.removeKeys ?? []).every((p) => !hasPath(live, p));
  if (hasApplied(apply, live) && removed)
    return { outcome: 'applied', why: 'the object carries the applied content' };
  if (live.resourceVersion === expected.resourceVersion)
    return { outcome: 'not-applied', why: 'the object is unchanged since the write was planned' };
  return {
    outcome: 'partial',
    why: 'the object changed, but does not carry all of the applied content',
  };
}

function hasPath(live: LiveObject, path: string): boolean {
  if (path.startsWith('binaryData.')) return path.slice(11) in live.binaryData;
  return path.startsWith('data.') && path.slice(5) in live.data;
}
