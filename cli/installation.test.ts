import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import { resolveInstallation } from './installation.ts';

describe('resolveInstallation', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates an id into the state folder once and reads the same one ever after', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-inst-'));
    const first = resolveInstallation({ stateDir: dir, create: true, env: {} });
    expect(first).toMatch(/^trueup-[0-9a-f]{12}$/);
    expect(resolveInstallation({ stateDir: dir, create: true, env: {} })).toBe(first);
    expect(resolveInstallation({ stateDir: dir, env: {} })).toBe(first);
  });

  it('takes the flag, then the environment, over the state folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-inst-'));
    const env = { TRUEUP_INSTALLATION: 'ops.trueup' };
    expect(resolveInstallation({ installation: 'team-a', stateDir: dir, create: true, env })).toBe('team-a');
    expect(resolveInstallation({ stateDir: dir, create: true, env })).toBe('ops.trueup');
  });

  it('has none without a flag, the environment or a state folder that holds one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'trueup-inst-'));
    expect(resolveInstallation({ env: {} })).toBeUndefined();
    expect(resolveInstallation({ stateDir: join(dir, 'absent'), env: {} })).toBeUndefined();
  });

  it.each(['', ' ', 'a b', '-a', 'x'.repeat(64), 'ü'])('refuses %j as an installation id', (id) => {
    const run = () => resolveInstallation({ installation: id || ' ', env: {} });
    expect(run).toThrow(UsageError);
  });
});
