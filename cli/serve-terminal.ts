/**
 * What `serve` (and `demo`) write for the person or the collector reading them: the logger in the
 * format --log-format chose, and, on a terminal with pretty logs, the initial sync's progress per
 * cluster on stderr, kept below the log lines. A line logs the initial sync's end in either format.
 */
import type { Logger } from 'pino';
import { InitialSync, type SyncSource } from './initial-sync.ts';
import { createLogger, resolveLogFormat, type TextSink } from './log.ts';
import type { LogFormatChoice } from './options.ts';
import {
  type ClusterProgress,
  renderProgress,
  StatusRegion,
  summarizeProgress,
  type TerminalSink,
} from './progress.ts';

/** ServeTerminal is serve's logger, and the follower of its initial sync. */
export interface ServeTerminal {
  logger: Logger;
  /** follow follows the daemon's initial sync: progress on a terminal, one log line at its end. */
  follow(daemon: SyncSource): InitialSync;
  /** close clears the progress and stops following. */
  close(): void;
}

/** TerminalStreams are where serve writes: logs on stdout, progress on stderr. */
export interface TerminalStreams {
  stdout: TextSink;
  stderr: TerminalSink;
  env: NodeJS.ProcessEnv;
}

/**
 * serveTerminal builds serve's logger (or wraps the one a test passes) for --log-format: auto is
 * pretty when stdout is a terminal, JSON otherwise. Progress is shown only with pretty logs and a
 * terminal on stderr.
 */
export async function serveTerminal(
  options: { logLevel: string; logFormat?: LogFormatChoice },
  log?: Logger,
  streams: TerminalStreams = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<ServeTerminal> {
  const format = resolveLogFormat(options.logFormat, streams.stdout);
  let region: StatusRegion | undefined;
  let sync: InitialSync | undefined;
  const logger =
    log ??
    (await createLogger({
      level: options.logLevel,
      format,
      env: streams.env,
      // pino's own stdout destination for JSON on the real stdout; a test's stream otherwise.
      ...(streams.stdout === process.stdout && format === 'json' ? {} : { sink: streams.stdout }),
      ...(format === 'pretty' ? { writeAround: (write) => (region ? region.around(write) : write()) } : {}),
    }));
  const close = () => {
    region?.close();
    region = undefined;
    sync?.stop();
  };
  return {
    logger,
    close,
    follow(daemon) {
      sync = new InitialSync(daemon);
      const following = sync;
      if (format === 'pretty' && streams.stderr.isTTY) {
        region = new StatusRegion(streams.stderr, (width) => [
          'initial sync',
          ...renderProgress(following.clusters(), width),
        ]);
        sync.onChange(() => region?.update());
      }
      sync.settled.then((clusters) => {
        region?.close();
        region = undefined;
        if (clusters.length)
          logger.info(totals(clusters), `initial sync done: ${summarizeProgress(clusters)}`);
      });
      return sync;
    },
  };
}

/** totals are the initial sync's figures as log fields. */
function totals(clusters: ClusterProgress[]) {
  const sum = (f: (c: ClusterProgress) => number) => clusters.reduce((n, c) => n + f(c), 0);
  return {
    clusters: clusters.length,
    objects: sum((c) => c.listed ?? 0),
    applied: sum((c) => c.applied),
    held: sum((c) => c.held),
    failed: sum((c) => c.failed),
    unreachable: clusters.filter((c) => c.error).length,
  };
}
