/**
 * Kubernetes label selectors (matchLabels / matchExpressions): the schema fleet.yaml and policy files
 * share, and the match with Kubernetes semantics.
 */
import { z } from 'zod';

/** labelValue is a Kubernetes label value (at most 63 characters). */
export const labelValue = z.string().max(63);

/** labelSelectorSchema is a Kubernetes label selector (matchLabels / matchExpressions); {} selects all. */
export const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), labelValue).optional(),
    matchExpressions: z
      .array(
        z
          .object({
            key: z.string().min(1),
            operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: z.array(z.string()).optional(),
          })
          .strict()
          .refine(
            (e) =>
              e.operator === 'In' || e.operator === 'NotIn' ? (e.values?.length ?? 0) > 0 : !e.values?.length,
            {
              message: 'In and NotIn need values; Exists and DoesNotExist take none',
            },
          ),
      )
      .optional(),
  })
  .strict();

/** LabelSelector selects clusters by their labels. */
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/** matchesSelector tells whether labels satisfy a label selector (Kubernetes semantics). */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expr of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expr.key);
    const value = labels[expr.key];
    const ok =
      expr.operator === 'Exists'
        ? has
        : expr.operator === 'DoesNotExist'
          ? !has
          : expr.operator === 'In'
            ? has && (expr.values ?? []).includes(value as string)
            : !has || !(expr.values ?? []).includes(value as string);
    if (!ok) return false;
  }
  return true;
}
