/**
 * `trueup audit ingest --cluster X FILE|-`: loads Kubernetes audit events exported elsewhere (the
 * apiserver's `--audit-log-path` file, a managed platform's export) into the store, as the audit
 * webhook receiver does: JSON lines (one Event per line, the log backend's format) or one JSON
 * document (an EventList, an Event or an array of them). Only completed writes of ConfigMaps and
 * Secrets the fleet repo declares for the cluster are kept, never a body. Read as a stream, stored
 * in batches; an event seen before (same auditID) adds nothing.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type AuditRecord, eventsOf, type SkipReason, sortEvents } from '../reconciler/audit/event.ts';
import { type ObjectRef, objectKey } from '../reconciler/core/model.ts';
import { jsonErrorWhere } from '../reconciler/core/redact.ts';
import { openStore } from '../reconciler/store/store.ts';
import { UsageError } from './errors.ts';
import type { AuditIngestOptions } from './options.ts';
import { loadRepoState } from './repo-source.ts';

/** IngestSummary is what an ingest did. */
export interface IngestSummary {
  cluster: string;
  read: number;
  kept: number;
  added: number;
  skipped: Partial<Record<SkipReason, number>>;
}

/** wholeDocumentLimit bounds a file that is one JSON document (JSON lines are streamed, unbounded). */
const wholeDocumentLimit = 256 * 1024 * 1024;
const batchSize = 500;

/** auditIngestCommand runs `trueup audit ingest`. */
export async function auditIngestCommand(file: string, options: AuditIngestOptions): Promise<number> {
  const { state } = await loadRepoState(options);
  const desired = state.clusters.find((c) => c.cluster.name === options.cluster);
  if (!desired)
    throw new UsageError(
      `unknown cluster ${options.cluster}: fleet.yaml has ${state.clusters.map((c) => c.cluster.name).join(', ') || 'no clusters'}`,
    );
  const declared = new Set(desired.objects.map(objectKey));
  const isManaged = (ref: ObjectRef) => declared.has(objectKey(ref));
  const store = await openStore(options);
  const summary: IngestSummary = { cluster: options.cluster, read: 0, kept: 0, added: 0, skipped: {} };
  try {
    let pending: AuditRecord[] = [];
    const take = async (events: unknown[], final = false) => {
      const sorted = sortEvents(options.cluster, events, isManaged);
      summary.read += events.length;
      for (const [reason, n] of Object.entries(sorted.skipped))
        summary.skipped[reason as SkipReason] = (summary.skipped[reason as SkipReason] ?? 0) + (n ?? 0);
      pending.push(...sorted.records);
      if (pending.length >= batchSize || final) {
        summary.kept += pending.length;
        summary.added += await store.recordAuditEvents(pending);
        pending = [];
      }
    };
    await readEvents(file, take);
    await take([], true);
  } finally {
    await store.close();
  }
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary),
  );
  return 0;
}

/**
 * readEvents streams a file (or stdin for `-`) to `take`: line by line while each line is JSON,
 * else the whole text as one document.
 */
async function readEvents(file: string, take: (events: unknown[]) => Promise<void>): Promise<void> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  input.on('error', () => {});
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let whole: string[] | undefined;
  let size = 0;
  let batch: unknown[] = [];
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (whole) {
        size += line.length + 1;
        if (size > wholeDocumentLimit)
          throw new UsageError(`${file}: one JSON document larger than 256 MiB; export it as JSON lines`);
        whole.push(line);
        continue;
      }
      if (line.trim() === '') continue;
      const value = parseLine(line);
      if (value === undefined) {
        // Not JSON lines: a pretty-printed document. Keep what was read and go on collecting.
        if (batch.length > 0)
          throw new UsageError(`${file}:${n}: not JSON (expected one audit event per line)`);
        whole = [line];
        size = line.length;
        continue;
      }
      batch.push(...(eventsOf(value) ?? [value]));
      if (batch.length >= batchSize) {
        await take(batch);
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (batch.length) await take(batch);
  if (whole) await take(documentEvents(file, whole.join('\n')));
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function documentEvents(file: string, text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: neither JSON lines nor one JSON document: ${jsonErrorWhere(err)}`);
  }
  const events = eventsOf(value);
  if (!events) throw new UsageError(`${file}: not an audit.k8s.io/v1 EventList, Event or list of Events`);
  return events;
}

function renderSummary(s: IngestSummary): string {
  const skipped = Object.entries(s.skipped)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  return `${s.cluster}: read ${s.read} audit events, kept ${s.kept} writes of managed objects (${s.added} new)${skipped ? `; skipped: ${skipped}` : ''}\n`;
}
