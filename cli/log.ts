/**
 * serve's and demo's logger: pino JSON lines for machines (a pipe, a file, a log collector), or
 * human lines on a terminal. Both formats go through the same pino options, so redaction is one
 * and the same; pino-pretty is imported only when a human reads the log, so commands that never
 * log to a terminal do not pay for loading it.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogFormatChoice } from './options.ts';

/** LogFormat is the format a log is written in. */
export type LogFormat = 'pretty' | 'json';

/** TextSink is where log lines go: a stream that may be a terminal. */
export interface TextSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** resolveLogFormat turns --log-format into a format: auto is pretty on a terminal, JSON otherwise. */
export function resolveLogFormat(
  choice: LogFormatChoice | undefined,
  sink: Pick<TextSink, 'isTTY'>,
): LogFormat {
  if (choice === 'pretty' || choice === 'json') return choice;
  return sink.isTTY ? 'pretty' : 'json';
}

/** shouldColor tells whether to colour a terminal's text: a terminal, and NO_COLOR unset or empty (no-color.org). */
export function shouldColor(sink: Pick<TextSink, 'isTTY'>, env: NodeJS.ProcessEnv): boolean {
  return Boolean(sink.isTTY) && !env.NO_COLOR;
}

/** redactPaths are the second net under Secret values: they never reach the logger in the first place. */
export const redactPaths = ['*.data', '*.stringData', '*.token', '*.password'];

/** loggerOptions are the pino options both formats share: the level and the redaction. */
export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: redactPaths, censor: '[redacted]' } };
}

/** LoggerSetup says how to build a logger. */
export interface LoggerSetup {
  level: string;
  format: LogFormat;
  /** sink receives the lines (default: stdout). */
  sink?: TextSink;
  env?: NodeJS.ProcessEnv;
  /** writeAround, when set, wraps each write (a terminal's progress lines step aside for it). */
  writeAround?: (write: () => void) => void;
}

/** createLogger builds serve's logger: JSON lines, or pretty lines for a terminal (pino-pretty loaded only then). */
export async function createLogger(setup: LoggerSetup): Promise<Logger> {
  const sink = setup.sink ?? process.stdout;
  const around = setup.writeAround ?? ((write: () => void) => write());
  const options = loggerOptions(setup.level);
  if (setup.format === 'json') {
    // Straight to stdout when nothing steps aside: pino's own fast, flushed-on-exit destination.
    if (!setup.sink && !setup.writeAround) return pino(options);
    return pino(options, { write: (line: string) => around(() => sink.write(line)) });
  }
  const format = await prettyFormatter(shouldColor(sink, setup.env ?? process.env));
  const destination: DestinationStream = { write: (line: string) => around(() => sink.write(format(line))) };
  return pino(options, destination);
}

/** refKeys are the fields of an object reference, shown in its one user form (cluster/namespace/kind/name). */
const refKeys = ['cluster', 'namespace', 'kind', 'name'] as const;

/**
 * prettyFormatter returns a JSON log line -> human line function: time, level, component, the
 * object as cluster/namespace/kind/name, the message, then the other fields on the same line.
 * It formats lines pino already serialized, so what redaction censored stays censored.
 */
async function prettyFormatter(colorize: boolean): Promise<(line: string) => string> {
  const { prettyFactory } = await import('pino-pretty');
  return prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', 'component', ...refKeys].join(','),
    singleLine: true,
    messageFormat: (log, messageKey) => {
      const ref = refKeys
        .map((k) => log[k])
        .filter((v) => typeof v === 'string' && v !== '')
        .join('/');
      const component = typeof log.component === 'string' ? `[${log.component}] ` : '';
      return `${component}${ref ? `${ref} ` : ''}${String(log[messageKey] ?? '')}`;
    },
  });
}
