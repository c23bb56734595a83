/**
 * ObjectRef: one managed object on one cluster, its one user form `cluster/namespace/kind/name`
 * (CLI arguments, HTTP paths, chat commands, console links, messages) with its one parser and
 * formatter, and the cluster-independent key `kind/namespace/name` (the form repo errors' `holds`
 * list) with its inverse. Nothing else in trueup splits an object's name on `/`.
 */

/** ManagedKind is a kind trueup manages. */
export type ManagedKind = 'ConfigMap' | 'Secret';

/** ObjectRef names one managed object on one cluster. */
export interface ObjectRef {
  cluster: string;
  kind: ManagedKind;
  namespace: string;
  name: string;
}

/** NamespacedRef names an object within a cluster given apart (chat's `diff <cluster> <ns>/<kind>/<name>`). */
export type NamespacedRef = Omit<ObjectRef, 'cluster'>;

/** isManagedKind tells whether a kind, exactly as written, is one trueup manages. */
export function isManagedKind(kind: string): kind is ManagedKind {
  return kind === 'ConfigMap' || kind === 'Secret';
}

/** kindOf reads a kind as people type it: ConfigMap, configmap, cm, Secret, secret. */
export function kindOf(text: string): ManagedKind | undefined {
  const k = text.toLowerCase();
  if (k === 'configmap' || k === 'cm' || k === 'configmaps') return 'ConfigMap';
  if (k === 'secret' || k === 'secrets') return 'Secret';
  return undefined;
}

/**
 * formatObjectRef is the user form `cluster/namespace/kind/name`. It takes any kind, so that the
 * workloads diagnosis cites (a Deployment) read the same way as managed objects.
 */
export function formatObjectRef(ref: {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}): string {
  return `${ref.cluster}/${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** objectKey is the cluster-independent key of an object: `kind/namespace/name` (repo errors' `holds`). */
export function objectKey(ref: NamespacedRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** parseObjectKey reads an objectKey back; undefined when the text is not one. */
export function parseObjectKey(key: string): NamespacedRef | undefined {
  const parts = key.split('/');
  if (parts.length !== 3) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  return isManagedKind(kind) && namespace && name ? { kind, namespace, name } : undefined;
}

/** ParseRefOptions: `kindAliases` accepts kinds as people type them (`cm`, `secret`), for chat. */
export interface ParseRefOptions {
  kindAliases?: boolean;
}

/**
 * RefProblem says what is wrong with a text that is not an object: the number of `/`-separated
 * parts, the cluster, or the namespace/kind/name after it. Callers that explain the grammar
 * piecewise (chat) choose their words from it.
 */
export type RefProblem = 'parts' | 'cluster' | 'object';

/** ParsedRef is a parsed object, or what is wrong with the text (`error` for the user). */
export type ParsedRef<R> = { ok: true; ref: R } | { ok: false; problem: RefProblem; error: string };

/** segment is one part: a DNS-ish name of at most 253 characters, as Kubernetes bounds names (the parser's budget). */
const segment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** parseObjectRef parses the user form `cluster/namespace/kind/name` (kind ConfigMap or Secret). */
export function parseObjectRef(text: string, options: ParseRefOptions = {}): ParsedRef<ObjectRef> {
  const error = `expected <cluster>/<namespace>/<kind>/<name> with kind ConfigMap or Secret, got ${text}`;
  const slash = text.indexOf('/');
  const cluster = slash < 0 ? text : text.slice(0, slash);
  if (slash < 0 || text.split('/').length !== 4) return { ok: false, problem: 'parts', error };
  if (!segment.test(cluster)) return { ok: false, problem: 'cluster', error };
  const object = parseNamespacedRef(text.slice(slash + 1), options);
  return object.ok ? { ok: true, ref: { cluster, ...object.ref } } : { ...object, error };
}

/** parseNamespacedRef parses `namespace/kind/name`: the user form without the cluster. */
export function parseNamespacedRef(text: string, options: ParseRefOptions = {}): ParsedRef<NamespacedRef> {
  const parts = text.split('/');
  const error = `expected <namespace>/<kind>/<name> with kind ConfigMap or Secret, got ${text}`;
  if (parts.length !== 3) return { ok: false, problem: 'parts', error };
  const [namespace, kindText, name] = parts as [string, string, string];
  const kind = options.kindAliases ? kindOf(kindText) : isManagedKind(kindText) ? kindText : undefined;
  if (!kind || !segment.test(namespace) || !segment.test(name))
    return { ok: false, problem: 'object', error };
  return { ok: true, ref: { kind, namespace, name } };
}
