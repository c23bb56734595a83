/**
 * serve's audit attribution: with `--audit-tokens`, the receiver's tokens per cluster, the index
 * detection joins drift with (warmed from the store's last hour, so a restart keeps attribution),
 * and the intake that stores what the receiver takes in and tells the daemon.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { AuditIndex } from '../reconciler/daemon/audit-index.ts';
import { AuditIntake } from '../reconciler/daemon/audit-intake.ts';
import type { Daemon } from '../reconciler/daemon/daemon.ts';
import type { DaemonMetrics } from '../reconciler/daemon/metrics.ts';
import type { AuditStore } from '../reconciler/store/store.ts';
import type { AuditRouteDeps } from '../web/audit/route.ts';
import { type AuditTokens, parseAuditTokens } from '../web/audit/tokens.ts';
import { AuthConfigError } from '../web/auth/auth.ts';
import { UsageError } from './errors.ts';

/** AuditSetup is audit attribution as configured: tokens and the index (none without --audit-tokens). */
export interface AuditSetup {
  tokens: AuditTokens;
  index: AuditIndex;
}

/** auditSetupOf reads --audit-tokens; a missing file or a weak token stops the start (exit 2), naming the line. */
export function auditSetupOf(file: string | undefined): AuditSetup | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--audit-tokens: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const tokens = parseAuditTokens(text);
    if (tokens.size === 0) throw new UsageError(`--audit-tokens: ${file} names no cluster`);
    return { tokens, index: new AuditIndex(tokens.keys()) };
  } catch (err) {
    if (err instanceof AuthConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** warmAuditIndex loads the store's audit events of the last hour into the index. */
export async function warmAuditIndex(setup: AuditSetup, store: AuditStore, log: Logger): Promise<void> {
  const since = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  try {
    setup.index.add((await store.auditEvents({ since, limit: 20_000 })).reverse());
  } catch (err) {
    log.error({ err: (err as Error).message }, 'audit events of the last hour not loaded');
  }
}

/** auditRouteOf builds the receiver's dependencies: the intake stores batches and hands them to the daemon. */
export function auditRouteOf(
  setup: AuditSetup,
  deps: { daemon: Daemon; store: AuditStore; metrics: DaemonMetrics; log: Logger },
): AuditRouteDeps & { intake: AuditIntake } {
  const { daemon } = deps;
  const intake = new AuditIntake({
    store: deps.store,
    metrics: deps.metrics,
    log: deps.log.child({ component: 'audit' }),
    onStored: (records) => daemon.auditArrived(records),
  });
  return { tokens: setup.tokens, intake, manages: (ref) => daemon.manages(ref) };
}
