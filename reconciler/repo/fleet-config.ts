/**
 * The `fleet.yaml` contract at the root of the fleet repo: which clusters exist and which folders
 * apply to which of them. Validated with zod; every error names file:line and the field.
 */
import { z } from 'zod';
import { globsOverlap, maxGlobLength } from '../core/glob.ts';
import type { RepoError } from '../core/model.ts';
import { type LabelSelector, labelSelectorSchema, labelValue, matchesSelector } from '../core/selector.ts';
import { parseYamlFile } from '../core/yaml-file.ts';

/** fleetFile is the path of the fleet definition in the repo. */
export const fleetFile = 'fleet.yaml';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (a-z, 0-9, -)')
  .max(63);

/** fleetSchema validates fleet.yaml. */
export const fleetSchema = z
  .object({
    apiVersion: z.literal('trueup.io/v1alpha1'),
    kind: z.literal('Fleet'),
    clusters: z
      .array(
        z
          .object({
            name: dnsLabel,
            context: z.string().min(1).optional(),
            labels: z.record(z.string(), labelValue).default({}),
          })
          .strict(),
      )
      .min(1),
    targets: z
      .array(
        z
          .object({
            path: z
              .string()
              .min(1)
              .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
                message: 'must be a folder inside the repo (relative, no ..)',
              }),
            clusters: labelSelectorSchema.default({}),
            namespace: dnsLabel.optional(),
            // overrides: this target sets values over earlier targets on purpose, so the conflicts
            // it wins are not reported (desired-state.ts); the merge itself is the same.
            overrides: z.boolean().optional(),
            // owns: field paths (globs) this target owns: where it sets one, its value wins over
            // every other target, whatever the order, and no conflict is reported (desired-state.ts).
            owns: z.array(z.string().min(1).max(maxGlobLength)).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.clusters.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', i, 'name'],
          message: `duplicate cluster name ${c.name}`,
        });
      }
      seen.add(c.name);
    });
    for (const clash of ownershipClashes(fleet)) ctx.addIssue({ code: 'custom', ...clash });
  });

/**
 * ownershipClashes finds field paths two targets both claim to own on a cluster they both select:
 * a path has one owner per cluster, else the merge could not say whose value wins. Each clash is
 * reported at the later claim.
 */
function ownershipClashes(fleet: {
  clusters: { name: string; labels: Record<string, string> }[];
  targets: { path: string; clusters: LabelSelector; owns?: string[] }[];
}): { path: (string | number)[]; message: string }[] {
  const clashes: { path: (string | number)[]; message: string }[] = [];
  fleet.targets.forEach((later, j) => {
    (later.owns ?? []).forEach((claim, k) => {
      for (const [i, earlier] of fleet.targets.slice(0, j).entries()) {
        const other = (earlier.owns ?? []).find((o) => globsOverlap(o, claim));
        const shared = fleet.clusters.find(
          (c) => matchesSelector(earlier.clusters, c.labels) && matchesSelector(later.clusters, c.labels),
        );
        if (other === undefined || !shared) continue;
        clashes.push({
          path: ['targets', j, 'owns', k],
          message: `${claim} is also owned by target ${earlier.path} (targets.${i}.owns: ${other}) on cluster ${shared.name}; a field path has one owner per cluster`,
        });
        return;
      }
    });
  });
  return clashes;
}

/** Fleet is a validated fleet.yaml. */
export type Fleet = z.infer<typeof fleetSchema>;

/** FleetCluster is one cluster of the fleet. */
export type FleetCluster = Fleet['clusters'][number];

/** FleetTarget is one target folder of the fleet. */
export type FleetTarget = Fleet['targets'][number];

/** contextOf returns the kubeconfig context of a cluster (its name unless set). */
export function contextOf(cluster: FleetCluster): string {
  return cluster.context ?? cluster.name;
}

/** parseFleet validates the text of fleet.yaml, returning the fleet or errors with file:line. */
export function parseFleet(text: string | undefined): { fleet?: Fleet; errors: RepoError[] } {
  if (text === undefined)
    return { errors: [{ file: fleetFile, message: 'fleet.yaml not found at the repo root' }] };
  const { documents, errors } = parseYamlFile(fleetFile, text);
  if (errors.length > 0) return { errors };
  const [first, ...rest] = documents;
  if (!first || rest.length > 0) {
    return {
      errors: [
        { file: fleetFile, line: rest[0]?.line, message: 'fleet.yaml must hold exactly one document' },
      ],
    };
  }
  const parsed = fleetSchema.safeParse(first.value);
  if (parsed.success) return { fleet: parsed.data, errors: [] };
  return {
    errors: parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      return {
        file: fleetFile,
        line: first.lineOf(path),
        message: `${path.length ? `${path.join('.')}: ` : ''}${issue.message}`,
      };
    }),
  };
}
