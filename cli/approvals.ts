/**
 * `trueup approvals list`, `trueup approve <id> --as <name>`, `trueup reject <id> --as <name>`:
 * the command-line channel to the one approval path (reconciler/approvals.ts).
 * Exit codes: 0 done, 1 refused (not pending, or stale: a fresh item is queued), 2 error.
 */

import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import { type Approval, openStore } from '../reconciler/store/store.ts';
import { approveApproval, rejectApproval } from '../reconciler/sync/approvals.ts';
import { defaultCycleOptions } from '../reconciler/sync/cycle.ts';
import { UsageError } from './errors.ts';
import { clusterAccessFactory } from './fleet-run.ts';
import { resolveInstallation } from './installation.ts';
import type { ApprovalListOptions, ApproveOptions, RejectOptions } from './options.ts';
import { loadRepoState } from './repo-source.ts';

/** listApprovalsCommand lists pending approvals (or all with --all). */
export async function listApprovalsCommand(options: ApprovalListOptions): Promise<number> {
  const store = await openStore(options);
  try {
    const items = await store.approvals(options.all ? {} : { state: 'pending' });
    if (options.output === 'json') {
      process.stdout.write(`${JSON.stringify({ approvals: items }, null, 2)}\n`);
      return 0;
    }
    if (items.length === 0) process.stdout.write(options.all ? 'no approvals\n' : 'no pending approvals\n');
    for (const a of items) process.stdout.write(renderApproval(a));
    return 0;
  } finally {
    await store.close();
  }
}

function renderApproval(a: Approval): string {
  const e = a.entry;
  const lines = [
    `${a.id}  ${a.state}  ${formatObjectRef(e)}  ${e.pending?.action ?? e.action}  dry-run ${e.dryRun ?? 'not run'}`,
    `    revision ${a.revision.slice(0, 12)}, resourceVersion ${a.resourceVersion || '(absent)'}, queued ${a.created}`,
    ...a.drift.changes.map(
      (c) =>
        `    ${c.type} ${c.path}${c.live !== undefined ? ` live=${JSON.stringify(c.live)}` : ''}${c.desired !== undefined ? ` desired=${JSON.stringify(c.desired)}` : ''}`,
    ),
    `    why held: ${(a.entry.decision.reasons ?? []).join('; ')}`,
  ];
  if (a.decidedBy)
    lines.push(
      `    ${a.state} by ${a.decidedBy} via ${a.channel} at ${a.decidedAt}${a.note ? `: ${a.note}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

/** approveCommand approves one pending change and applies it (dry-run first). */
export async function approveCommand(id: string, options: ApproveOptions): Promise<number> {
  if (!options.as) throw new UsageError('--as <name> is required: every approval records who approved it');
  const store = await openStore(options);
  const access = clusterAccessFactory(options);
  try {
    const outcome = await approveApproval(
      {
        store,
        loadState: async () => (await loadRepoState(options)).state,
        access,
        options: {
          ...defaultCycleOptions(),
          fieldManager: options.fieldManager,
          installation: resolveInstallation({ ...options, create: true }) as string,
          recordEvents: true,
        },
      },
      id,
      { actor: options.as, channel: 'cli' },
    );
    if (outcome.ok) {
      process.stdout.write(
        `${id} approved by ${options.as}: ${outcome.entry?.action ?? 'done'} (dry-run ${outcome.entry?.dryRun ?? 'n/a'})\n`,
      );
      return 0;
    }
    process.stderr.write(`trueup approve: refused: ${outcome.reason} [${outcome.code}]\n`);
    if (outcome.fresh)
      process.stderr.write(`a fresh approval was queued for the change as it is now: ${outcome.fresh.id}\n`);
    // Refused (not pending, or stale): 1; the approved change failed: 2.
    return outcome.code === 'TRUEUP_APPROVAL_REFUSED' ? 1 : 2;
  } finally {
    await store.close();
    await access.close();
  }
}

/** rejectCommand rejects one pending change. */
export async function rejectCommand(id: string, options: RejectOptions): Promise<number> {
  if (!options.as) throw new UsageError('--as <name> is required: every rejection records who rejected it');
  const store = await openStore(options);
  try {
    const outcome = await rejectApproval(store, id, { actor: options.as, channel: 'cli' }, options.reason);
    if (outcome.ok) {
      process.stdout.write(`${id} rejected by ${options.as}\n`);
      return 0;
    }
    process.stderr.write(`trueup reject: refused: ${outcome.reason}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
