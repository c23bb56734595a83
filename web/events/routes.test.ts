import { type IncomingMessage, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon, DaemonEvent } from '../../reconciler/daemon/daemon.ts';
import { createMetrics } from '../../reconciler/daemon/metrics.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { authConfigFromEnv } from '../auth/auth.ts';
import { buildServer } from '../server.ts';

const alice = 'alice-token-0123456789';
const bob = 'bob-token-0123456789ab';

/** A listening server whose daemon events the test fires by hand. */
async function listening(events: { maxBacklogBytes?: number; maxStreamsPerUser?: number } = {}) {
  let fire: (e: DaemonEvent) => void = () => {};
  const daemon = {
    status: () => ({ ready: true, revision: 'abc', clusters: [], errors: [] }),
    onEvent: (listener: (e: DaemonEvent) => void) => {
      fire = listener;
      return () => {};
    },
  } as unknown as Daemon;
  const app = await buildServer({
    daemon,
    metrics: createMetrics(),
    store: openAuditStore(':memory:'),
    auth: authConfigFromEnv({ TRUEUP_CONSOLE_TOKENS: `alice:viewer:${alice},bob:viewer:${bob}` }),
    consoleDir: '/nonexistent',
    events,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, port, fire: (e: object) => fire(e as DaemonEvent) };
}

/** stream opens GET /api/v1/events as a user; resolves with the response once headers arrive. */
function stream(port: number, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/v1/events',
      headers: { authorization: `Bearer ${token}` },
    });
    req.on('response', resolve).on('error', reject).end();
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

describe('the live event stream', () => {
  it('drops a client that stops reading, and keeps serving one that reads', async () => {
    // One stream each: alice gets a new one only once the server let go of the one she stopped reading.
    const { app, port, fire } = await listening({ maxBacklogBytes: 64 * 1024, maxStreamsPerUser: 1 });
    cleanup.push(() => app.close());
    const slow = await stream(port, alice);
    slow.pause();
    const fast = await stream(port, bob);
    let received = 0;
    fast.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const big = 'x'.repeat(512 * 1024);
    // Kernel buffers take some megabytes first; then the server's backlog for alice grows.
    let again = await stream(port, alice);
    for (let sent = 0; again.statusCode === 429 && sent < 500; sent++) {
      again.resume();
      fire({ type: 'drift', cluster: 'prod-eu', big });
      await tick();
      again = await stream(port, alice);
    }
    expect(again.statusCode).toBe(200);
    // Read alice's first stream again: it ends (dropped) instead of ever delivering a later event.
    const outcome = new Promise<string>((resolve) => {
      let tail = '';
      slow.on('data', (chunk: Buffer) => {
        tail = (tail + chunk.toString()).slice(-200);
        if (tail.includes('"marker"')) resolve('still open');
      });
      slow.on('error', () => {});
      slow.on('close', () => resolve('dropped'));
    });
    slow.resume();
    fire({ type: 'drift', cluster: 'prod-eu', marker: true });
    fire({ type: 'drift', cluster: 'prod-eu', marker: true });
    expect(await outcome).toBe('dropped');
    const before = received;
    fire({ type: 'drift', cluster: 'prod-eu', after: 'drop' });
    while (received === before) await tick();
    expect(fast.socket.destroyed).toBe(false);
    for (const r of [slow, fast, again]) r.destroy();
  }, 60_000);

  it('refuses a user more streams than the cap, and not another user', async () => {
    const { app, port } = await listening({ maxStreamsPerUser: 2 });
    cleanup.push(() => app.close());
    const open = [await stream(port, alice), await stream(port, alice)];
    expect(open.map((r) => r.statusCode)).toEqual([200, 200]);
    const third = await stream(port, alice);
    expect(third.statusCode).toBe(429);
    third.resume();
    expect((await stream(port, bob)).statusCode).toBe(200);
    // Closing one stream frees its place.
    const closed = new Promise((resolve) => open[0]?.socket.on('close', resolve));
    open[0]?.destroy();
    await closed;
    let again = await stream(port, alice);
    // The server learns of the close a moment later.
    while (again.statusCode === 429) {
      again.resume();
      await tick();
      again = await stream(port, alice);
    }
    expect(again.statusCode).toBe(200);
  });
});
