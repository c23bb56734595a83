/**
 * `POST /api/v1/preview` (operator, or a CI job with the webhook token): what merging a head does
 * to the fleet — the same JSON as `trueup preview -o json`. Body (zod): `{head, base?, clusters?,
 * prune?, replaceImmutable?}`; `base` defaults to the revision `serve` has in use. Previews run one
 * at a time (each sends a dry-run per changed object); a second one meanwhile is refused with
 * `TRUEUP_OVERLOADED` (retry later). Nothing is written to a cluster or the audit store.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PreviewService } from '../../reconciler/preview/model.ts';
import type { ApiErrorBody } from '../contract/api.ts';
import type { PreviewReport } from '../contract/preview.ts';
import { replyError } from '../reply-error.ts';

/** refName: a commit id, branch or tag as git allows them, and nothing git could read as an option. */
const refName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'a commit, branch or tag name')
  .refine(
    (r) => !r.includes('..') && !r.endsWith('.lock') && !r.endsWith('/'),
    'a commit, branch or tag name',
  );

/** previewBody is the request body of `POST /api/v1/preview`. */
export const previewBody = z
  .object({
    head: refName,
    base: refName.optional(),
    clusters: z
      .array(z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/))
      .max(1000)
      .optional(),
    prune: z.boolean().optional(),
    replaceImmutable: z.boolean().optional(),
  })
  .strict();

/** registerPreviewRoutes registers `POST /api/v1/preview` over the preview service. */
export function registerPreviewRoutes(app: FastifyInstance, preview: PreviewService): void {
  app.post<{ Reply: PreviewReport | ApiErrorBody }>(
    '/api/v1/preview',
    { config: { access: 'operator-or-webhook' } },
    async (req, reply) => {
      const body = previewBody.safeParse(req.body ?? {});
      if (!body.success) return replyError(reply, 'TRUEUP_BAD_REQUEST', z.prettifyError(body.error));
      const { head, base, clusters, prune, replaceImmutable } = body.data;
      const result = await preview({
        head,
        ...(base ? { base } : {}),
        ...(clusters ? { clusters } : {}),
        ...(prune !== undefined ? { prune } : {}),
        ...(replaceImmutable !== undefined ? { replaceImmutable } : {}),
      });
      if (!result.ok) return replyError(reply, result.code, result.message);
      return result.report;
    },
  );
}
