/**
 * Desired state: from a repo snapshot to the objects each cluster should hold. Pure (decryption
 * comes in as a function): parse fleet.yaml, parse every target folder once, then per cluster merge
 * the matching targets key by key in target order (later wins, unless a target owns the field path),
 * substitute cluster variables, remember where every key was set, and report the fields that targets
 * set to different values (conflicts).
 */
import type { Document } from 'yaml';
import { matchesAny } from '../core/glob.ts';
import { intern } from '../core/intern.ts';
import {
  type Conflict,
  type ConflictSource,
  type DesiredObject,
  type KeyOrigin,
  objectKey,
  type RepoError,
} from '../core/model.ts';
import { SecretValue } from '../core/secret-value.ts';
import { matchesSelector } from '../core/selector.ts';
import { declaredObjects, parseYamlFile, type YamlDocument } from '../core/yaml-file.ts';
import { type Fleet, type FleetCluster, type FleetTarget, fleetFile, parseFleet } from './fleet-config.ts';
import { type Manifest, toManifest } from './manifest.ts';
import { findEncryptedValues, isSopsEncrypted, wasDecrypted } from './sops.ts';
import { SubstitutionError, substituteCluster } from './substitute.ts';

/** RepoContent is what desired-state reads: a revision and its YAML files by repo-relative path. */
export interface RepoContent {
  revision: string;
  files: ReadonlyMap<string, string>;
}

/**
 * DecryptSops turns the documents of one SOPS-encrypted file into their plain values (or throws a
 * readable error). SOPS encrypts a file as a whole: one data key and one MAC for all its documents.
 */
export type DecryptSops = (docs: Document[]) => Promise<unknown[]>;

/** DesiredStateOptions injects what desired-state cannot do itself. */
export interface DesiredStateOptions {
  /** decryptSops decrypts SOPS documents; without it such documents are errors. */
  decryptSops?: DecryptSops;
}

/** ClusterDesiredState is what one cluster should hold, and what could not be worked out for it. */
export interface ClusterDesiredState {
  cluster: FleetCluster;
  objects: DesiredObject[];
  /** erroredObjects are `kind/namespace/name` keys whose desired state is unknown on this cluster. */
  erroredObjects: Set<string>;
  /** complete is false when any repo error may hide objects from this cluster (no prune then). */
  complete: boolean;
  /**
   * unreadable are the errors that make this cluster's desired state incomplete (a file or document
   * of one of its targets that could not be read). While there are any, an object trueup applied
   * that the repo does not declare is unknown, held by them, not orphaned (each error's `holds`
   * names what its file was seen to declare).
   */
  unreadable: RepoError[];
}

/** DesiredState is the whole fleet's desired state at one revision. */
export interface DesiredState {
  revision: string;
  fleet?: Fleet;
  clusters: ClusterDesiredState[];
  errors: RepoError[];
  /**
   * conflicts lists, for every cluster (in fleet order, each naming its cluster), the fields that
   * two targets or files set to different values; the merge took the later one. A target with
   * `overrides: true` wins without a conflict, and so does a target that `owns` the path (whatever
   * its place). Objects in error on a cluster have none.
   */
  conflicts: Conflict[];
}

interface TargetManifests {
  manifests: Manifest[];
  /** unreadable: errors of documents in this target that could not be read (so the target is incomplete). */
  unreadable: RepoError[];
}

/** buildDesiredState computes every cluster's desired objects from the repo content. */
export async function buildDesiredState(
  content: RepoContent,
  options: DesiredStateOptions = {},
): Promise<DesiredState> {
  const { fleet, errors } = safely(fleetFile, () => parseFleet(content.files.get(fleetFile)));
  if (!fleet) return { revision: content.revision, clusters: [], errors, conflicts: [] };

  const targets: TargetManifests[] = [];
  for (const target of fleet.targets) {
    targets.push(await readTarget(content, target.path, target.namespace, options, errors));
  }
  const conflicts: Conflict[] = [];
  const clusters: ClusterDesiredState[] = [];
  const slice = timeSlice();
  const shared = new Map<string, DesiredObject>();
  for (const cluster of fleet.clusters) {
    await slice();
    const state = mergeForCluster(cluster, fleet, targets, errors, conflicts);
    for (const object of state.objects) shareFields(object, shared);
    clusters.push(state);
  }
  return { revision: content.revision, fleet, clusters, errors, conflicts };
}

/** buildSliceMs is how long building works before it lets the event loop run. */
const buildSliceMs = 20;

/**
 * timeSlice returns a function to await between steps of a long build: it yields to the event
 * loop (a macrotask, so I/O callbacks run) once buildSliceMs have passed, else it returns at
 * once. The build of thousands of files then no longer stalls `serve` (watch events, probes, the
 * API) for seconds; the result is the same, only the clock decides where the pauses fall.
 */
function timeSlice(): () => Promise<void> {
  let start = performance.now();
  return async () => {
    if (performance.now() - start < buildSliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    start = performance.now();
  };
}

/**
 * safely runs a pure reader of one repo file: an exception (a bug, or a parser running out of
 * stack) becomes a TRUEUP_REPO_BUILD error for that file instead of failing the whole revision.
 */
export function safely<T extends { errors: RepoError[] }>(
  file: string,
  read: () => T,
): Partial<T> & { errors: RepoError[] } {
  try {
    return read();
  } catch (err) {
    return {
      errors: [
        {
          file,
          line: 1,
          code: 'TRUEUP_REPO_BUILD',
          message: `cannot read the file: ${(err as Error).message}`,
        },
      ],
    } as Partial<T> & { errors: RepoError[] };
  }
}

async function readTarget(
  content: RepoContent,
  folder: string,
  namespace: string | undefined,
  options: DesiredStateOptions,
  errors: RepoError[],
): Promise<TargetManifests> {
  const prefix = `${folder.replace(/\/+$/, '')}/`;
  const files = [...content.files.keys()].filter((f) => f.startsWith(prefix) && /\.ya?ml$/.test(f)).sort();
  const result: TargetManifests = { manifests: [], unreadable: [] };
  if (files.length === 0) {
    // Most likely a typo in fleet.yaml: treat the target as unreadable, so nothing is pruned.
    const error = { file: fleetFile, message: `target ${folder}: no *.yaml or *.yml files in this folder` };
    errors.push(error);
    result.unreadable.push(error);
  }
  const slice = timeSlice();
  for (const file of files) {
    await slice();
    const text = content.files.get(file) ?? '';
    const fileErrors: RepoError[] = [];
    let manifests: Manifest[] = [];
    try {
      manifests = await readFile(file, text, namespace, options, fileErrors);
    } catch (err) {
      // A bug in reading one file must not stop the whole revision: the file alone is in error.
      fileErrors.push({
        file,
        line: 1,
        code: 'TRUEUP_REPO_BUILD',
        message: `cannot read the file: ${(err as Error).message}`,
      });
      manifests = [];
    }
    result.manifests.push(...manifests);
    if (fileErrors.length === 0) continue;
    // What the file declared that could not be read is unknown now, not gone (never an orphan).
    const read = new Set(manifests.map(objectKey));
    const holds = declaredObjects(text, namespace).filter((key) => !read.has(key));
    for (const error of fileErrors) if (holds.length > 0) error.holds = holds;
    errors.push(...fileErrors);
    result.unreadable.push(...fileErrors);
  }
  return result;
}

/** readFile reads one file's manifests; documents that cannot be read become errors. */
async function readFile(
  file: string,
  text: string,
  namespace: string | undefined,
  options: DesiredStateOptions,
  errors: RepoError[],
): Promise<Manifest[]> {
  const parsed = parseYamlFile(file, text);
  errors.push(...parsed.errors);
  const values = await plainValues(file, parsed.documents, options, errors);
  if (!values) return [];
  const manifests: Manifest[] = [];
  for (const [i, source] of parsed.documents.entries()) {
    const value = values[i];
    const { manifest, error } = toManifest(source, value, namespace);
    if (error) errors.push(error);
    else if (manifest) {
      if (isSopsEncrypted(source.doc)) manifest.decrypted = (path) => wasDecrypted(value, path);
      manifests.push(manifest);
    }
  }
  return manifests;
}

function mergeForCluster(
  cluster: FleetCluster,
  fleet: Fleet,
  targets: TargetManifests[],
  errors: RepoError[],
  conflicts: Conflict[],
): ClusterDesiredState {
  const objects = new Map<string, DesiredObject>();
  const settings = new Map<string, Map<string, Setting[]>>();
  const erroredObjects = new Set<string>();
  const unreadable: RepoError[] = [];
  fleet.targets.forEach((target, i) => {
    const read = targets[i];
    if (!read || !matchesSelector(target.clusters, cluster.labels)) return;
    unreadable.push(...read.unreadable);
    for (const manifest of read.manifests) {
      const key = objectKey(manifest);
      if (erroredObjects.has(key)) continue;
      const desired = objects.get(key) ?? emptyDesired(cluster.name, manifest);
      const paths = settings.get(key) ?? new Map<string, Setting[]>();
      settings.set(key, paths);
      const note: Note = (path, origin, value) => {
        const list = paths.get(path) ?? [];
        const owner = matchesAny(target.owns ?? [], path);
        // Once the path's owner has set it, other targets' settings no longer take.
        const takes = owner || !list.some((s) => s.owner);
        list.push({ target: i, origin, value, owner, takes });
        paths.set(path, list);
        return takes;
      };
      try {
        mergeManifest(desired, manifest, cluster, note);
        objects.set(key, desired);
      } catch (err) {
        if (!(err instanceof SubstitutionError)) throw err;
        errors.push({
          file: manifest.file,
          line: manifest.line,
          cluster: cluster.name,
          code: 'TRUEUP_REPO_VARIABLE',
          message: `${manifest.kind} ${manifest.namespace}/${manifest.name}: ${err.message}`,
        });
        objects.delete(key);
        erroredObjects.add(key);
      }
    }
  });
  for (const [key, desired] of objects) {
    conflicts.push(...conflictsOf(desired, settings.get(key) ?? new Map(), fleet.targets));
  }
  return {
    cluster,
    objects: [...objects.values()],
    erroredObjects,
    complete: unreadable.length === 0,
    unreadable,
  };
}

/** Setting is one manifest setting one field path of an object, kept to find conflicts. */
interface Setting {
  /** target is the index of the target in fleet.yaml. */
  target: number;
  origin: KeyOrigin;
  value: string | SecretValue;
  /** owner: the target owns this path (fleet.yaml `owns`). */
  owner: boolean;
  /** takes: the setting became the merged value (false when the path's owner had set it already). */
  takes: boolean;
}

/** Note records a Setting as mergeManifest makes it, and tells whether the setting takes. */
type Note = (path: string, origin: KeyOrigin, value: string | SecretValue) => boolean;

/**
 * conflictsOf lists the field paths of one merged object whose final value (the last setting) had
 * overridden a different value from another target or another file. Settings within one file of
 * one target (e.g. a Secret's data and stringData for one key) are that file's business, not a
 * conflict. Secret values are compared by digest and shown only as their short hash.
 */
function conflictsOf(
  desired: DesiredObject,
  settings: Map<string, Setting[]>,
  targets: readonly FleetTarget[],
): Conflict[] {
  const conflicts: Conflict[] = [];
  const compared = (v: string | SecretValue) => (typeof v === 'string' ? v : v.digest);
  const source = (s: Setting): ConflictSource => ({
    target: targets[s.target]?.path ?? '',
    file: s.origin.file,
    line: s.origin.line,
    value: String(s.value),
  });
  for (const [path, list] of settings) {
    const winner = list.findLast((s) => s.takes);
    // The winner overrides on purpose, or owns the path: nothing to report.
    if (!winner || winner.owner || targets[winner.target]?.overrides) continue;
    const seen = new Set<string>();
    const overridden = list.filter((s) => {
      const where = `${s.origin.file}:${s.origin.line}`;
      const sameSource = s.target === winner.target && s.origin.file === winner.origin.file;
      if (sameSource || seen.has(where) || compared(s.value) === compared(winner.value)) return false;
      seen.add(where);
      return true;
    });
    if (overridden.length === 0) continue;
    const { cluster, kind, namespace, name } = desired;
    conflicts.push({
      cluster,
      kind,
      namespace,
      name,
      path,
      winner: source(winner),
      overridden: overridden.map(source),
    });
  }
  return conflicts;
}

function emptyDesired(cluster: string, m: Manifest): DesiredObject {
  return {
    cluster,
    kind: m.kind,
    namespace: intern(m.namespace),
    name: intern(m.name),
    data: {},
    binaryData: {},
    labels: {},
    annotations: {},
    provenance: {},
  };
}

/** mergeManifest merges one manifest into the desired object, key by key; later calls win unless `note` says the path is owned. */
function mergeManifest(desired: DesiredObject, m: Manifest, cluster: FleetCluster, note: Note): void {
  const sub = (value: string) => substituteCluster(value, cluster);
  const set = <T extends string | SecretValue>(
    into: Record<string, T>,
    prefix: string,
    key: string,
    value: T,
    path: string[],
  ) => {
    const origin = m.origin(path);
    // A decrypted string (label, annotation) is noted as a SecretValue: conflicts show its digest.
    const sealed = typeof value === 'string' && decrypted(path);
    if (!note(`${prefix}.${key}`, origin, sealed ? SecretValue.fromString(value) : value)) return;
    // Interned: the live cache then holds a value that matches the repo as this very string.
    into[key] = (typeof value === 'string' ? intern(value) : value) as T;
    desired.provenance[`${prefix}.${key}`] = origin;
    sealIf(desired, `${prefix}.${key}`, sealed);
  };
  // A value SOPS decrypted is a secret wherever it is: a digest in every output, scrubbed from text.
  const decrypted = (path: string[]) => m.decrypted?.(path) ?? false;
  const f = m.fields;
  for (const [k, v] of Object.entries(f.metadata.labels ?? {}))
    set(desired.labels, 'metadata.labels', k, sub(v), ['metadata', 'labels', k]);
  for (const [k, v] of Object.entries(f.metadata.annotations ?? {})) {
    set(desired.annotations, 'metadata.annotations', k, sub(v), ['metadata', 'annotations', k]);
  }
  if (f.immutable !== undefined && note('immutable', m.origin(['immutable']), String(f.immutable))) {
    desired.immutable = f.immutable;
    desired.provenance.immutable = m.origin(['immutable']);
  }
  if (f.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries(f.data ?? {})) {
      const value = decrypted(['data', k]) ? SecretValue.fromString(sub(v)) : sub(v);
      set(desired.data, 'data', k, value, ['data', k]);
    }
    for (const [k, v] of Object.entries(f.binaryData ?? {}))
      set(desired.binaryData, 'binaryData', k, v, ['binaryData', k]);
    return;
  }
  // The default Opaque is no one's setting: only a declared type can conflict (or be owned).
  if (f.type !== undefined ? note('type', m.origin(['type']), f.type) : desired.type === undefined) {
    desired.type = f.type ?? 'Opaque';
    desired.provenance.type = m.origin(f.type !== undefined ? ['type'] : []);
  }
  // Secret `data` is base64 bytes and is taken as is; `stringData` is text and may use variables.
  // As in Kubernetes, stringData wins over data for the same key.
  for (const [k, v] of Object.entries(f.data ?? {}))
    set(desired.data, 'data', k, SecretValue.fromBase64(v), ['data', k]);
  for (const [k, v] of Object.entries(f.stringData ?? {})) {
    set(desired.data, 'data', k, SecretValue.fromString(sub(v)), ['stringData', k]);
  }
}

/**
 * shareFields makes an object hold the same field records (data, binaryData, labels, annotations,
 * provenance, secretPaths) as the first cluster's object of that key when they are equal, so an
 * object every cluster declares alike is held once with a small per-cluster shell (the cluster's
 * name), not once per cluster. Records are never changed after the build, so sharing is safe.
 */
export function shareFields(object: DesiredObject, shared: Map<string, DesiredObject>): void {
  const key = objectKey(object);
  const first = shared.get(key);
  if (!first) {
    shared.set(key, object);
    return;
  }
  if (
    sameValues(first.data, object.data) &&
    sameValues(first.binaryData, object.binaryData) &&
    sameValues(first.labels, object.labels) &&
    sameValues(first.annotations, object.annotations) &&
    sameValues(first.provenance, object.provenance) &&
    (first.secretPaths ?? []).join('\u0000') === (object.secretPaths ?? []).join('\u0000')
  ) {
    object.data = first.data;
    object.binaryData = first.binaryData;
    object.labels = first.labels;
    object.annotations = first.annotations;
    object.provenance = first.provenance;
    if (first.secretPaths) object.secretPaths = first.secretPaths;
  }
}

// Equal records: the same keys in the same order with identical values (a Secret value: equal bytes).
function sameValues<T>(a: Record<string, T>, b: Record<string, T>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (const [i, k] of keys.entries()) {
    if (other[i] !== k) return false;
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!(x instanceof SecretValue && y instanceof SecretValue && x.equals(y))) return false;
  }
  return true;
}

/** sealIf adds a field path to the object's secretPaths when sealed, and takes it out when not (a later plain setting). */
function sealIf(desired: DesiredObject, path: string, sealed: boolean): void {
  const paths = new Set(desired.secretPaths);
  if (sealed === paths.has(path)) return;
  if (sealed) paths.add(path);
  else paths.delete(path);
  desired.secretPaths = [...paths].sort();
}

/** plainValues returns each document's plain value, decrypting a SOPS file; undefined (with an error) when it cannot. */
async function plainValues(
  file: string,
  documents: YamlDocument[],
  options: DesiredStateOptions,
  errors: RepoError[],
): Promise<unknown[] | undefined> {
  if (!documents.some((d) => isSopsEncrypted(d.doc))) return strippedSopsCheck(file, documents, errors);
  const line = documents[0]?.line ?? 1;
  if (!options.decryptSops) {
    errors.push({
      file,
      line,
      code: 'TRUEUP_REPO_SOPS',
      message: 'SOPS-encrypted file but no age key is configured (SOPS_AGE_KEY_FILE or SOPS_AGE_KEY)',
    });
    return undefined;
  }
  try {
    return await options.decryptSops(documents.map((d) => d.doc));
  } catch (err) {
    errors.push({
      file,
      line,
      code: 'TRUEUP_REPO_SOPS',
      message: `cannot decrypt SOPS file: ${(err as Error).message}`,
    });
    return undefined;
  }
}

/**
 * strippedSopsCheck returns the plain values of a file without sops metadata, unless a value is
 * sops-encrypted (`ENC[AES256_GCM,…]`): the `sops:` block was stripped, and applying the file would
 * write ciphertext to the clusters. That is an error for the file (TRUEUP_REPO_SOPS_METADATA_MISSING).
 */
function strippedSopsCheck(
  file: string,
  documents: YamlDocument[],
  errors: RepoError[],
): unknown[] | undefined {
  const values = documents.map((d) => d.value);
  for (const [i, value] of values.entries()) {
    const doc = documents[i];
    const paths = findEncryptedValues(value);
    if (!doc || paths.length === 0) continue;
    // The first one in the file (an object's keys do not keep the file's order).
    const [line, path] = paths.map((p) => [doc.lineOf(p), p] as const).sort((a, b) => a[0] - b[0])[0] ?? [];
    errors.push({
      file,
      line,
      code: 'TRUEUP_REPO_SOPS_METADATA_MISSING',
      message: `${path?.join('.')} is SOPS-encrypted (ENC[...]) but the file has no sops metadata: its \`sops:\` block was removed; encrypt the file again with sops`,
    });
    return undefined;
  }
  return values;
}
