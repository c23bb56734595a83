/**
 * The Alertmanager webhook payload (version 4), as Alertmanager's webhook receiver POSTs it, with
 * its zod schema. Pure: no I/O. Labels and annotations are untrusted data from whoever set up the
 * alert rules: they are validated for shape and size, never interpreted as instructions.
 */
import { z } from 'zod';

const labelMap = z.record(z.string().max(1024), z.string().max(16 * 1024));

/** alertSchema is one alert of a webhook group. */
export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: z.string(),
  /** endsAt is `0001-01-01T00:00:00Z` while an alert fires. */
  endsAt: z.string().default('0001-01-01T00:00:00Z'),
  generatorURL: z.string().default(''),
  fingerprint: z.string().min(1).max(64),
});

/** Alert is one alert of a webhook group. */
export type Alert = z.infer<typeof alertSchema>;

/** alertGroupSchema is Alertmanager's webhook body (version 4). */
export const alertGroupSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1).max(1000),
});

/** AlertGroup is one webhook notification: a group of alerts with the same group labels. */
export type AlertGroup = z.infer<typeof alertGroupSchema>;

/** parseAlertGroup validates a webhook body; the error text says which field is wrong. */
export function parseAlertGroup(
  body: unknown,
): { ok: true; group: AlertGroup } | { ok: false; error: string } {
  const parsed = alertGroupSchema.safeParse(body);
  if (parsed.success) return { ok: true, group: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}

/** isFiring tells whether an alert still fires. */
export function isFiring(alert: Alert): boolean {
  return alert.status === 'firing';
}
