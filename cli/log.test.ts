import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, resolveLogFormat, shouldColor } from './log.ts';
import { serveTerminal } from './serve-terminal.ts';

/** captured is a stream that keeps what is written to it, a terminal or not. */
function captured(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 100, chunks, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

const canaries = ['canary-data-7f3a', 'canary-string-9b1c', 'canary-token-4d2e', 'canary-password-1a8f'];

/** logSecrets logs an object carrying a value under every redacted key, as a careless caller might. */
function logSecrets(log: Awaited<ReturnType<typeof createLogger>>) {
  log.warn(
    {
      cluster: 'prod-eu',
      secret: {
        data: { PASSWORD: canaries[0] },
        stringData: { URL: canaries[1] },
        token: canaries[2],
        password: canaries[3],
      },
    },
    'a careless log line',
  );
}

describe('resolveLogFormat', () => {
  it.each([
    // auto follows stdout: a terminal reads pretty lines, a pipe or a file gets JSON
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    [undefined, true, 'pretty'],
    [undefined, false, 'json'],
    // an explicit choice wins over the stream
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('%s on a terminal=%s is %s', (choice, isTTY, format) => {
    expect(resolveLogFormat(choice, { isTTY })).toBe(format);
  });
});

describe('shouldColor', () => {
  it.each([
    // a terminal without NO_COLOR
    [true, {}, true],
    // NO_COLOR with any non-empty value turns colour off (no-color.org)
    [true, { NO_COLOR: '1' }, false],
    // an empty NO_COLOR is as good as unset
    [true, { NO_COLOR: '' }, true],
    // never on a pipe
    [false, {}, false],
  ])('terminal=%s env=%j: %s', (isTTY, env, colour) => {
    expect(shouldColor({ isTTY }, env)).toBe(colour);
  });
});

describe('createLogger', () => {
  it.each(['pretty', 'json'] as LogFormat[])(
    'censors Secret values in %s lines exactly as the other format does',
    async (format) => {
      const sink = captured(true);
      logSecrets(await createLogger({ level: 'info', format, sink, env: {} }));
      const text = sink.text();
      expect(text).toContain('a careless log line');
      for (const canary of canaries) expect(text).not.toContain(canary);
      expect(text.match(/\[redacted\]/g)).toHaveLength(4);
    },
  );

  it('writes a human line naming the object as cluster/namespace/kind/name, without colour when NO_COLOR is set', async () => {
    const sink = captured(true);
    const log = await createLogger({ level: 'info', format: 'pretty', sink, env: { NO_COLOR: '1' } });
    log.warn(
      {
        cluster: 'prod-eu',
        namespace: 'shop',
        kind: 'ConfigMap',
        name: 'checkout-config',
        status: 'modified',
      },
      'drift detected',
    );
    const line = sink.text();
    expect(line).not.toContain('\x1b[');
    expect(line).toMatch(
      /^\[\d\d:\d\d:\d\d\] WARN: prod-eu\/shop\/ConfigMap\/checkout-config drift detected {"status":"modified"}\n$/,
    );
  });

  it('colours a pretty line on a terminal', async () => {
    const sink = captured(true);
    (await createLogger({ level: 'info', format: 'pretty', sink, env: {} })).info('hello');
    expect(sink.text()).toContain('\x1b[');
  });

  it('passes each write through writeAround, so a progress region steps aside', async () => {
    const sink = captured(true);
    const order: string[] = [];
    const log = await createLogger({
      level: 'info',
      format: 'pretty',
      sink,
      env: {},
      writeAround: (write) => {
        order.push('clear');
        write();
        order.push('redraw');
      },
    });
    log.info('hello');
    expect(order).toEqual(['clear', 'redraw']);
    expect(sink.chunks).toHaveLength(1);
  });
});

describe('serve on a pipe', () => {
  it('writes JSON lines to stdout and nothing to stderr, also for its initial sync', async () => {
    const stdout = captured(false);
    const stderr = captured(false);
    const terminal = await serveTerminal({ logLevel: 'info', logFormat: 'auto' }, undefined, {
      stdout,
      stderr,
      env: {},
    });
    logSecrets(terminal.logger);
    const sync = terminal.follow({
      progress: () => [{ cluster: 'prod-eu', listed: 3, evaluated: true, queued: 0 }],
      onEvent: () => () => {},
    });
    sync.start();
    await sync.settled;
    terminal.close();
    const lines = stdout.text().trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
      'a careless log line',
      'initial sync done: 1 cluster: 3 objects listed, 0 applied',
    ]);
    for (const canary of canaries) expect(stdout.text()).not.toContain(canary);
    expect(stderr.text()).toBe('');
  });

  it('writes JSON lines with --log-format json even on a terminal, and shows no progress', async () => {
    const stdout = captured(true);
    const stderr = captured(true);
    const terminal = await serveTerminal({ logLevel: 'info', logFormat: 'json' }, undefined, {
      stdout,
      stderr,
      env: {},
    });
    const sync = terminal.follow({
      progress: () => [{ cluster: 'prod-eu', evaluated: false, queued: 0 }],
      onEvent: () => () => {},
    });
    sync.start();
    terminal.logger.info('hello');
    terminal.close();
    expect(JSON.parse(stdout.text()).msg).toBe('hello');
    expect(stderr.text()).toBe('');
  });
});

describe('pino-pretty', () => {
  it('is imported by cli/log.ts alone, and only dynamically (commands that log no human lines never load it)', () => {
    const root = new URL('../', import.meta.url);
    const files = (readdirSync(root, { recursive: true }) as string[]).filter(
      (f) => /\.tsx?$/.test(f) && !/(^|\/)(node_modules|dist)\//.test(f) && !f.endsWith('.test.ts'),
    );
    const importers = files.filter((f) =>
      /from\s+'pino-pretty'|import\('pino-pretty'\)/.test(readFileSync(new URL(f, root), 'utf8')),
    );
    expect(importers).toEqual(['cli/log.ts']);
    const log = readFileSync(new URL('cli/log.ts', root), 'utf8');
    expect(log).not.toMatch(/from\s+'pino-pretty'/);
  });
});
