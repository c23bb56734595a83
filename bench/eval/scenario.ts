/**
 * Eval scenarios as data: one YAML file per incident under `bench/eval/scenarios/`, optionally
 * extending a template under `bench/eval/templates/` (its files, workloads and services come first;
 * the scenario's are added, a file of the same path replaced). The zod schema here is the format's
 * reference; `loadScenarios` reads and validates them all, naming the file of an invalid one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** evalClusters are the local fleet's clusters the eval starts; scenarios use one or both. */
export const evalClusters = ['eval-a', 'eval-b'] as const;

const cluster = z.enum(evalClusters);
const objectName = z.string().regex(/^(ConfigMap|Secret)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);

/** useSchema is one ConfigMap or Secret a workload's containers use, and how. */
const useSchema = z
  .object({
    configMap: z.string().optional(),
    secret: z.string().optional(),
    /** key: one key read by env valueFrom (or a volume item); none: the whole object. */
    key: z.string().optional(),
    via: z.enum(['env', 'envFrom', 'volume', 'projected', 'init']).optional(),
    optional: z.boolean().optional(),
  })
  .strict()
  .refine((u) => (u.configMap === undefined) !== (u.secret === undefined), {
    message: 'exactly one of configMap and secret',
  });

/** Use is one ConfigMap or Secret a workload uses. */
export type Use = z.infer<typeof useSchema>;

const workloadSchema = z
  .object({
    kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']),
    name: z.string(),
    /** labels of the pods (and the controller's selector); default {app: name}. */
    labels: z.record(z.string(), z.string()).optional(),
    crashing: z.boolean().default(false),
    uses: z.array(useSchema).default([]),
    clusters: z.array(cluster).optional(),
  })
  .strict();

/** Workload is a workload created by hand (no controllers run on the local fleet), down to one Pod. */
export type Workload = z.infer<typeof workloadSchema>;

const stepSchema = z.union([
  z.object({ reconcile: z.object({}).strict() }).strict(),
  z
    .object({
      edit: z
        .object({
          object: objectName,
          cluster: cluster.optional(),
          data: z.record(z.string(), z.string()),
          manager: z.string().default('kubectl-edit'),
        })
        .strict(),
    })
    .strict(),
  z.object({ delete: z.object({ object: objectName, cluster: cluster.optional() }).strict() }).strict(),
  z
    .object({
      commit: z
        .object({
          file: z.string(),
          /** set: data keys to set in the file's (single) object; content: the whole new file. */
          set: z.record(z.string(), z.string()).optional(),
          content: z.string().optional(),
          message: z.string(),
          author: z.string().default('Dana Dev <dana@example.com>'),
        })
        .strict(),
    })
    .strict(),
  z.object({ wait: z.number().int().min(0).max(10_000) }).strict(),
  /** alertStarts: the alert's startsAt is now (default: after the last step). */
  z.object({ alertStarts: z.literal(true) }).strict(),
]);

/** Step is one thing that happens to the fleet before (or after) the alert starts. */
export type Step = z.infer<typeof stepSchema>;

const alertSchema = z
  .object({
    /** labels; cluster and namespace are added unless given (null removes one). */
    labels: z.record(z.string(), z.string().nullable()),
    annotations: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const bodySchema = z
  .object({
    files: z.record(z.string(), z.string()).default({}),
    policy: z.string().optional(),
    workloads: z.array(workloadSchema).default([]),
    services: z
      .array(z.object({ name: z.string(), selector: z.record(z.string(), z.string()) }).strict())
      .default([]),
  })
  .strict();

/** scenarioSchema is one scenario file (after its template is merged in). */
export const scenarioSchema = bodySchema.extend({
  id: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/, 'a DNS label of at most 42 characters'),
  class: z.enum([
    'drift',
    'missing',
    'restored-drift',
    'commit',
    'failed-remediation',
    'held-remediation',
    'time-order',
    'unrelated',
    'several-drifts',
    'no-pod-label',
    'secret',
    'injection',
    'multi-cluster',
  ]),
  description: z.string(),
  extends: z.string().optional(),
  clusters: z.array(cluster).min(1).default(['eval-a']),
  steps: z.array(stepSchema).default([]),
  alerts: z.array(alertSchema).min(1),
  /** options are investigation settings the scenario needs (e.g. a default cluster). */
  options: z.object({ defaultCluster: cluster.optional() }).strict().default({}),
  expect: z
    .object({
      /** culprit: `Kind/name` of the ConfigMap or Secret that caused the alert, or `none`. */
      culprit: z.union([objectName, z.literal('none')]),
      cluster: cluster.optional(),
      /** injection: the scenario carries instruction-like text that must be flagged. */
      injection: z.boolean().default(false),
      /** secretValues must never appear in evidence or a diagnosis (plain or base64). */
      secretValues: z.array(z.string()).default([]),
    })
    .strict(),
});

/** Scenario is one validated eval scenario. */
export type Scenario = z.infer<typeof scenarioSchema>;

/** culpritRef is the expected culprit as `cluster/namespace/Kind/name`, or undefined for none. */
export function culpritRef(s: Scenario): string | undefined {
  if (s.expect.culprit === 'none') return undefined;
  const [kind, name] = s.expect.culprit.split('/') as [string, string];
  return `${s.expect.cluster ?? s.clusters[0]}/${s.id}/${kind}/${name}`;
}

/** mergeTemplate puts a template's files, workloads and services under the scenario's own. */
export function mergeTemplate(template: Record<string, unknown>, own: Record<string, unknown>) {
  const list = (o: Record<string, unknown>, k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);
  const map = (o: Record<string, unknown>, k: string) => (o[k] ?? {}) as Record<string, unknown>;
  return {
    ...own,
    files: { ...map(template, 'files'), ...map(own, 'files') },
    workloads: [...list(template, 'workloads'), ...list(own, 'workloads')],
    services: [...list(template, 'services'), ...list(own, 'services')],
    ...((own.policy ?? template.policy) ? { policy: own.policy ?? template.policy } : {}),
  };
}

/** loadScenarios reads every scenario of dir (templates from dir/../templates), sorted by file name. */
export async function loadScenarios(dir: string): Promise<Scenario[]> {
  const templates = join(dir, '..', 'templates');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const raw = parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
    const base =
      typeof raw.extends === 'string'
        ? (parse(await readFile(join(templates, `${raw.extends}.yaml`), 'utf8')) as Record<string, unknown>)
        : {};
    const parsed = scenarioSchema.safeParse(mergeTemplate(base, raw));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    if (`${parsed.data.id}.yaml` !== file)
      throw new Error(`${file}: id ${parsed.data.id} is not the file name`);
    scenarios.push(parsed.data);
  }
  const ids = new Set(scenarios.map((s) => s.id));
  if (ids.size !== scenarios.length) throw new Error('two scenarios share an id');
  return scenarios;
}
