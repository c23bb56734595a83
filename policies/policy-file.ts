/**
 * Policy files in the fleet repo — `policies.yaml` at the root and/or `policies/*.yaml` — validated
 * with zod; every error names file:line and the offending field. Pure.
 */
import { z } from 'zod';
import { maxGlobLength } from '../reconciler/core/glob.ts';
import { ignorePathProblem } from '../reconciler/core/ignore-path.ts';
import type { RepoError } from '../reconciler/core/model.ts';
import { labelSelectorSchema } from '../reconciler/core/selector.ts';
import { parseYamlFile } from '../reconciler/core/yaml-file.ts';
import { type CompiledWindow, compileWindow, parseDuration } from './windows.ts';

/** Mode is what trueup does with a drift: fix it, queue it for a human, report it, or skip it. */
export const modes = ['auto', 'approve', 'observe', 'ignore'] as const;

const glob = z.string().min(1).max(maxGlobLength);
// An ignore path is a field glob, or `data.<key>#/json/pointer` for a path inside a document value.
const ignorePath = glob.superRefine((path, ctx) => {
  const problem = ignorePathProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const windowSchema = z
  .object({
    type: z.enum(['allow', 'deny']),
    schedule: z.string().min(1),
    duration: z.string().min(1),
    timeZone: z.string().min(1).default('UTC'),
  })
  .strict();

// A wave selects clusters like a rule's match does; {} selects every cluster (the rest).
const waveSchema = z
  .object({ clusters: z.array(glob).optional(), clusterLabels: labelSelectorSchema.optional() })
  .strict();

const maxSettleMs = 7 * 24 * 3600_000;

const ruleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be lowercase letters, digits, - and .'),
    description: z.string().optional(),
    match: z
      .object({
        clusters: z.array(glob).optional(),
        clusterLabels: labelSelectorSchema.optional(),
        namespaces: z.array(glob).optional(),
        kinds: z.array(z.enum(['ConfigMap', 'Secret'])).optional(),
        names: z.array(glob).optional(),
        labels: labelSelectorSchema.optional(),
      })
      .strict()
      .default({}),
    mode: z.enum(modes).optional(),
    exception: z.boolean().default(false),
    ignore: z
      .object({ paths: z.array(ignorePath).default([]), managers: z.array(glob).default([]) })
      .strict()
      .optional(),
    windows: z.array(windowSchema).optional(),
    limits: z
      .object({
        maxObjectsPerCluster: z.number().int().min(0).optional(),
        maxFleetPercent: z.number().min(0).max(100).optional(),
        waves: z.array(waveSchema).min(1).optional(),
        settle: z
          .string()
          .refine((s) => (parseDuration(s) ?? Number.POSITIVE_INFINITY) <= maxSettleMs, {
            message: 'expected e.g. 30s, 10m, 1h30m, 1d (at most 7d)',
          })
          .optional(),
      })
      .strict()
      .refine((l) => l.settle === undefined || l.waves !== undefined, {
        message: 'settle needs waves: it is how long a wave stays in sync before the next',
        path: ['settle'],
      })
      .optional(),
    force: z.boolean().optional(),
    replaceImmutable: z.boolean().optional(),
    prune: z.boolean().optional(),
  })
  .strict();

const policyFileSchema = z
  .object({
    apiVersion: z.literal('trueup.io/v1alpha1'),
    kind: z.literal('Policy'),
    protectedNamespaces: z.array(z.string().min(1)).optional(),
    defaultMode: z.enum(modes).optional(),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

/** RuleSpec is one rule as written. */
export type RuleSpec = z.infer<typeof ruleSchema>;

/** Rule is a validated rule with where it is written and its compiled windows. */
export interface Rule extends Omit<RuleSpec, 'windows'> {
  /** ref is `name (file:line)`, as shown in reasons and ruleRefs. */
  ref: string;
  windows: CompiledWindow[];
}

/** Policy is every policy file of a revision, merged. */
export interface Policy {
  /** present is false when the repo has no policy file (then `--remediate` alone decides). */
  present: boolean;
  /** broken is true when a policy file has errors: then nothing is auto-remediated. */
  broken: boolean;
  rules: Rule[];
  protectedNamespaces: string[];
  defaultMode: (typeof modes)[number];
}

/** defaultProtectedNamespaces are never auto-remediated unless configured otherwise. */
export const defaultProtectedNamespaces = ['kube-system', 'kube-public'];

/** policyFiles lists the policy files of a repo in evaluation order: policies.yaml, then policies/*.yaml sorted. */
export function policyFiles(paths: Iterable<string>): string[] {
  const all = [...paths];
  const root = all.filter((p) => p === 'policies.yaml' || p === 'policies.yml');
  const folder = all.filter((p) => /^policies\/[^/]+\.ya?ml$/.test(p)).sort();
  return [...root, ...folder];
}

/** loadPolicy validates the repo's policy files; with any error the policy is marked broken (no auto). */
export function loadPolicy(files: ReadonlyMap<string, string>): { policy: Policy; errors: RepoError[] } {
  const errors: RepoError[] = [];
  const policy: Policy = {
    present: false,
    broken: false,
    rules: [],
    protectedNamespaces: defaultProtectedNamespaces,
    defaultMode: 'approve',
  };
  const names = new Map<string, string>();
  let protectedFrom: string | undefined;
  let defaultFrom: string | undefined;
  for (const file of policyFiles(files.keys())) {
    policy.present = true;
    const parsed = parseYamlFile(file, files.get(file) ?? '');
    errors.push(...parsed.errors);
    for (const doc of parsed.documents) {
      const at = (path: (string | number)[], message: string) =>
        errors.push({
          file,
          line: doc.lineOf(path),
          message: `${path.length ? `${path.join('.')}: ` : ''}${message}`,
        });
      const result = policyFileSchema.safeParse(doc.value);
      if (!result.success) {
        for (const issue of result.error.issues)
          at(
            issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
            issue.message,
          );
        continue;
      }
      const spec = result.data;
      if (spec.protectedNamespaces) {
        if (protectedFrom)
          at(['protectedNamespaces'], `already set in ${protectedFrom}; set it in one file only`);
        else [protectedFrom, policy.protectedNamespaces] = [file, spec.protectedNamespaces];
      }
      if (spec.defaultMode) {
        if (defaultFrom) at(['defaultMode'], `already set in ${defaultFrom}; set it in one file only`);
        else [defaultFrom, policy.defaultMode] = [file, spec.defaultMode];
      }
      for (const [i, rule] of spec.rules.entries()) {
        const line = doc.lineOf(['rules', i]);
        const where = `${file}:${line}`;
        const earlier = names.get(rule.name);
        if (earlier) {
          at(['rules', i, 'name'], `duplicate rule name ${rule.name} (first in ${earlier})`);
          continue;
        }
        names.set(rule.name, where);
        const windows: CompiledWindow[] = [];
        for (const [w, window] of (rule.windows ?? []).entries()) {
          const compiled = compileWindow(window);
          if (compiled.window) windows.push(compiled.window);
          else at(['rules', i, 'windows', w], compiled.error ?? 'invalid window');
        }
        if (windows.length !== (rule.windows ?? []).length) continue;
        policy.rules.push({ ...rule, windows, ref: `${rule.name} (${where})` });
      }
    }
  }
  policy.broken = errors.length > 0;
  return { policy, errors };
}
