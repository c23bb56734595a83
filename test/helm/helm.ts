/**
 * Helpers for the chart tests: the real helm v3 CLI (built from Go modules like the test
 * apiserver), rendering helm/trueup with a values set, and kubectl apply of rendered YAML.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { cacheRoot, ensureHelmBinary } from '../../local-fleet/binaries.ts';

const execFileAsync = promisify(execFile);

/** chartDir is the chart under test. */
export const chartDir = new URL('../../helm/trueup', import.meta.url).pathname;

/** monitoringCrdsFile holds minimal ServiceMonitor and PrometheusRule CRDs for the test apiserver. */
export const monitoringCrdsFile = new URL('./monitoring-crds.yaml', import.meta.url).pathname;

/** HELM_BUILD_TIMEOUT_MS bounds a first run's helm build (about 5 minutes on 2 cores). */
export const HELM_BUILD_TIMEOUT_MS = 20 * 60_000;

/** ProcessResult is one finished helm or kubectl process. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Manifest is one rendered object, with the template it came from. */
export type Manifest = KubernetesObject & { source: string; [field: string]: unknown };

let helmBin: Promise<string> | undefined;

/**
 * helmBinary returns the helm binary, building it once. The chart test files start together: on a
 * fresh machine one builds under a lock folder while the others wait, instead of each compiling helm.
 */
async function helmBinary(): Promise<string> {
  const lock = join(cacheRoot(), 'bin', 'helm.build-lock');
  await mkdir(join(cacheRoot(), 'bin'), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      // A lock older than a build can take is left over from a killed run.
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if (age > HELM_BUILD_TIMEOUT_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await ensureHelmBinary((msg) => console.error(`[helm] ${msg}`));
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** runHelm runs helm with its config, cache and data folders in a private temp folder. */
export async function runHelm(args: string[]): Promise<ProcessResult> {
  helmBin ??= helmBinary();
  const bin = await helmBin;
  // helm keeps its config, cache and data here, not in the user's home.
  const home = join(tmpdir(), 'trueup-helm-home');
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  try {
    const { stdout, stderr } = await execFileAsync(bin, args, { env, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** RenderOptions choose the release, its namespace and the Kubernetes version rendered for. */
export interface RenderOptions {
  namespace: string;
  kubeVersion: string;
  release?: string;
}

/** withValuesFile writes values to a temp file for the duration of use. */
async function withValuesFile<T>(values: object, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-helm-values-'));
  try {
    const file = join(dir, 'values.yaml');
    // JSON is YAML: helm reads it as a values file.
    await writeFile(file, JSON.stringify(values));
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** templateChart runs `helm template` with the values and returns the process result. */
export function templateChart(values: object, options: RenderOptions): Promise<ProcessResult> {
  return withValuesFile(values, (file) =>
    runHelm([
      'template',
      options.release ?? 'trueup',
      chartDir,
      '--namespace',
      options.namespace,
      '--kube-version',
      options.kubeVersion,
      '--values',
      file,
    ]),
  );
}

/** lintChart runs `helm lint --strict` with the values. */
export function lintChart(values: object, kubeVersion: string): Promise<ProcessResult> {
  return withValuesFile(values, (file) =>
    runHelm(['lint', '--strict', chartDir, '--kube-version', kubeVersion, '--values', file]),
  );
}

/** Rendered is a successful render: the YAML as helm printed it and its objects. */
export interface Rendered {
  yaml: string;
  manifests: Manifest[];
}

/** renderChart renders the chart, or throws with helm's error. */
export async function renderChart(values: object, options: RenderOptions): Promise<Rendered> {
  const result = await templateChart(values, options);
  if (result.code !== 0) throw new Error(`helm template failed (exit ${result.code}):\n${result.stderr}`);
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new Error(`helm printed invalid YAML: ${doc.errors[0]?.message}`);
    const object = doc.toJS() as KubernetesObject | null;
    if (!object) continue;
    // helm heads every document with `# Source: trueup/templates/<file>`.
    const source = /# Source: (\S+)/.exec(String(doc.commentBefore ?? ''))?.[1] ?? '?';
    manifests.push({ ...object, source });
  }
  return { yaml: result.stdout, manifests };
}

/** find returns the rendered object of a kind (and name), or throws naming what is missing. */
export function find(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata?.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} rendered`);
  return found;
}

/** kubectlApply runs `kubectl apply` of YAML text on one context of a kubeconfig, with extra args. */
export async function kubectlApply(
  kubeconfig: string,
  context: string,
  yaml: string,
  args: string[] = [],
): Promise<ProcessResult> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-helm-apply-'));
  try {
    const file = join(dir, 'manifests.yaml');
    await writeFile(file, yaml);
    const { stdout, stderr } = await execFileAsync('kubectl', [
      '--kubeconfig',
      kubeconfig,
      '--context',
      context,
      'apply',
      '-f',
      file,
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
