/**
 * One ConfigMap or Secret manifest from the repo, validated, with the line of every key. Anything
 * else in a target folder is an error for that document only.
 */
import { z } from 'zod';
import type { KeyOrigin, ManagedKind, RepoError } from '../core/model.ts';
import type { YamlDocument } from '../core/yaml-file.ts';

const name = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain (a-z, 0-9, -, .)');
const stringMap = z.record(z.string(), z.string({ error: 'expected a string (quote numbers and booleans)' }));
const base64 = z.base64({ error: 'expected base64' });

const metadata = z
  .object({
    name,
    namespace: name.optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  })
  .strict();

const configMapSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('ConfigMap'),
    metadata,
    data: stringMap.optional(),
    binaryData: z.record(z.string(), base64).optional(),
    immutable: z.boolean().optional(),
  })
  .strict();

const secretSchema = z
  .object({
    apiVersion: z.literal('v1'),
    kind: z.literal('Secret'),
    metadata,
    type: z.string().min(1).optional(),
    data: z.record(z.string(), base64).optional(),
    stringData: stringMap.optional(),
    immutable: z.boolean().optional(),
  })
  .strict();

/** ManifestFields are the fields of a validated manifest, before cluster variables. */
export type ManifestFields = z.infer<typeof configMapSchema> | z.infer<typeof secretSchema>;

/** Manifest is one validated ConfigMap or Secret document of the repo. */
export interface Manifest {
  kind: ManagedKind;
  name: string;
  namespace: string;
  fields: ManifestFields;
  /** origin returns where a field path (e.g. ['data', 'color']) is set. */
  origin(path: readonly string[]): KeyOrigin;
  /** file and line where the document starts. */
  file: string;
  line: number;
  /** decrypted tells whether SOPS decrypted the value at a field path (then it is a secret); unset: nothing was. */
  decrypted?: (path: readonly string[]) => boolean;
}

/** toManifest validates one document's plain value; defaultNamespace comes from the target. */
export function toManifest(
  source: YamlDocument,
  value: unknown,
  defaultNamespace: string | undefined,
): { manifest?: Manifest; error?: RepoError } {
  const at = (path: readonly (string | number)[], message: string): { error: RepoError } => ({
    error: { file: source.file, line: source.lineOf(path), message },
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return at([], 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata)');
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind !== 'ConfigMap' && kind !== 'Secret') {
    return at(
      ['kind'],
      `kind ${JSON.stringify(kind ?? null)} is not managed: trueup manages ConfigMap and Secret`,
    );
  }
  const parsed = (kind === 'ConfigMap' ? configMapSchema : secretSchema).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    return at(path, `${kind} ${path.join('.') || '(document)'}: ${issue.message}`);
  }
  const fields = parsed.data;
  const namespace = fields.metadata.namespace ?? defaultNamespace;
  if (!namespace) {
    return at(
      ['metadata'],
      `${kind} ${fields.metadata.name}: metadata.namespace is required (or set namespace on the target)`,
    );
  }
  return {
    manifest: {
      kind,
      name: fields.metadata.name,
      namespace,
      fields,
      file: source.file,
      line: source.line,
      origin: memoizedOrigin(source),
    },
  };
}

/** memoizedOrigin finds each path's line once per document, however many clusters merge it. */
function memoizedOrigin(source: YamlDocument): Manifest['origin'] {
  const seen = new Map<string, KeyOrigin>();
  return (path) => {
    const key = path.join('\u0000');
    let origin = seen.get(key);
    if (!origin) {
      const line = source.lineOf(path);
      const last = source.lastLineOf(path);
      origin = { file: source.file, line, ...(last > line ? { lastLine: last } : {}) };
      seen.set(key, origin);
    }
    return origin;
  };
}
