import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYamlFile } from '../core/yaml-file.ts';
import { GitSource, type GitSourceOptions, redactUrl } from './git-source.ts';

const root = mkdtempSync(join(tmpdir(), 'trueup-git-source-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** tempDir returns a fresh folder under this file's temp root. */
function tempDir(name: string): string {
  const dir = join(root, `${name}-${++dirs}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** git runs the system git with no user or system config, so the machine's settings cannot leak in. */
function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env },
  }).trim();
}

/** newOrigin creates an empty repository whose default branch is main. */
function newOrigin(): string {
  const dir = tempDir('origin');
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  return dir;
}

interface CommitSpec {
  /** files to write (content) or delete (null). */
  files: Record<string, string | null>;
  message?: string;
  author?: string;
  /** date as ISO 8601, used for author and committer so SHAs are reproducible. */
  date?: string;
}

/** commit writes files into a work tree and commits them, returning the new commit's SHA. */
function commit(dir: string, spec: CommitSpec): string {
  for (const [path, content] of Object.entries(spec.files)) {
    const file = join(dir, path);
    if (content === null) {
      rmSync(file);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const author = spec.author ?? 'Alice';
  const date = spec.date ?? '2025-01-01T00:00:00Z';
  git(dir, ['add', '--all']);
  git(dir, ['commit', '--quiet', '--allow-empty', '-m', spec.message ?? 'change'], {
    GIT_AUTHOR_NAME: author,
    GIT_AUTHOR_EMAIL: `${author.toLowerCase()}@example.com`,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: author,
    GIT_COMMITTER_EMAIL: `${author.toLowerCase()}@example.com`,
    GIT_COMMITTER_DATE: date,
  });
  return git(dir, ['rev-parse', 'HEAD']);
}

/** source makes a GitSource with its own cache folder. */
function source(repo: string, options: Partial<GitSourceOptions> = {}): GitSource {
  return new GitSource({ repo, cacheDir: tempDir('cache'), ...options });
}

describe('GitSource.sync', () => {
  it.each([
    // The path as configured.
    ['an absolute local path', (dir: string) => dir],
    // git runs inside the cache folder, so the path must be resolved against the caller's cwd.
    ['a relative local path', (dir: string) => relative(process.cwd(), dir)],
    ['a file:// URL', (dir: string) => pathToFileURL(dir).href],
  ])('reads the default branch of a repo given as %s', async (_, repoOf) => {
    const origin = newOrigin();
    const sha = commit(origin, { files: { 'fleet.yaml': 'clusters: []\n' } });
    const result = await source(repoOf(origin)).sync();
    expect(result.error).toBeUndefined();
    expect(result.changed).toBe(true);
    expect(result.snapshot?.revision).toBe(sha);
    expect(result.snapshot?.files).toEqual(new Map([['fleet.yaml', 'clusters: []\n']]));
  });

  it('returns only the .yaml and .yml files, in nested folders, with their exact content', async () => {
    const origin = newOrigin();
    commit(origin, {
      files: {
        'fleet.yaml': 'clusters: []\n',
        'targets/base/app.yml': 'kind: ConfigMap\n',
        'targets/prod/eu/web.yaml': 'data:\n  greeting: grüß dich ✓\n',
        'targets/prod/empty.yaml': '',
        'README.md': '# not yaml\n',
        'targets/base/values.json': '{}\n',
        'targets/base/app.yml.bak': 'old\n',
        'scripts/yaml': 'no extension\n',
      },
    });
    // A symlink's blob is a path, not YAML.
    symlinkSync('fleet.yaml', join(origin, 'link.yaml'));
    commit(origin, { files: {} });
    const { snapshot } = await source(origin).sync();
    expect(snapshot?.files).toEqual(
      new Map([
        ['fleet.yaml', 'clusters: []\n'],
        ['targets/base/app.yml', 'kind: ConfigMap\n'],
        ['targets/prod/empty.yaml', ''],
        ['targets/prod/eu/web.yaml', 'data:\n  greeting: grüß dich ✓\n'],
      ]),
    );
  });

  it('does not read a file over the repo file cap into memory; every parser then reports it as too large', async () => {
    const origin = newOrigin();
    const huge = `# ${'x'.repeat(3 * 1024 * 1024)}\n`;
    commit(origin, { files: { 'fleet.yaml': 'clusters: []\n', 'base/huge.yaml': huge } });
    const { snapshot } = await source(origin).sync();
    const read = snapshot?.files.get('base/huge.yaml') ?? '';
    expect(read).not.toBe(huge);
    expect(read.trim()).toBe('');
    expect(parseYamlFile('base/huge.yaml', read).errors).toEqual([
      expect.objectContaining({ file: 'base/huge.yaml', code: 'TRUEUP_REPO_FILE_TOO_LARGE' }),
    ]);
    expect(snapshot?.files.get('fleet.yaml')).toBe('clusters: []\n');
  });

  it('picks up a new commit on the followed branch, and reports no change when there is none', async () => {
    const origin = newOrigin();
    const first = commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    const src = source(origin);
    expect((await src.sync()).snapshot?.revision).toBe(first);

    const unchanged = await src.sync();
    expect(unchanged).toMatchObject({ changed: false, snapshot: { revision: first } });

    const second = commit(origin, { files: { 'a.yaml': 'v: 2\n', 'b.yaml': 'new: true\n' } });
    const next = await src.sync();
    expect(next.changed).toBe(true);
    expect(next.snapshot?.revision).toBe(second);
    expect(next.snapshot?.files).toEqual(
      new Map([
        ['a.yaml', 'v: 2\n'],
        ['b.yaml', 'new: true\n'],
      ]),
    );

    commit(origin, { files: { 'a.yaml': null } });
    const removed = await src.sync();
    expect(removed.changed).toBe(true);
    expect([...(removed.snapshot?.files.keys() ?? [])]).toEqual(['b.yaml']);
  });

  it('follows the named branch rather than the default one', async () => {
    const origin = newOrigin();
    commit(origin, { files: { 'a.yaml': 'env: main\n' } });
    git(origin, ['checkout', '--quiet', '-b', 'prod']);
    const prod = commit(origin, { files: { 'a.yaml': 'env: prod\n' } });
    git(origin, ['checkout', '--quiet', 'main']);
    commit(origin, { files: { 'a.yaml': 'env: main again\n' } });

    const { snapshot } = await source(origin, { branch: 'prod' }).sync();
    expect(snapshot?.revision).toBe(prod);
    expect(snapshot?.files.get('a.yaml')).toBe('env: prod\n');
  });

  describe('a pinned revision', () => {
    const origin = newOrigin();
    const first = commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    git(origin, ['tag', 'v1']);
    git(origin, ['tag', '--annotate', '--message', 'release 1', 'release-1'], {
      GIT_COMMITTER_NAME: 'Alice',
      GIT_COMMITTER_EMAIL: 'alice@example.com',
    });
    commit(origin, { files: { 'a.yaml': 'v: 2\n' } });

    it.each([
      ['a full SHA', first],
      ['an abbreviated SHA', first.slice(0, 10)],
      ['a lightweight tag', 'v1'],
      // An annotated tag is a tag object; the snapshot is of the commit it points at.
      ['an annotated tag', 'release-1'],
    ])('stays on %s while the branch moves on', async (_, revision) => {
      const src = source(origin, { revision, branch: 'main' });
      const result = await src.sync();
      expect(result.error).toBeUndefined();
      expect(result.snapshot?.revision).toBe(first);
      expect(result.snapshot?.files.get('a.yaml')).toBe('v: 1\n');
      expect(await src.sync()).toMatchObject({ changed: false, snapshot: { revision: first } });
    });

    it('keeps working offline once a full SHA is in the cache', async () => {
      const moving = newOrigin();
      const sha = commit(moving, { files: { 'a.yaml': 'v: 1\n' } });
      const src = source(moving, { revision: sha });
      await src.sync();
      rmSync(moving, { recursive: true });
      expect(await src.sync()).toEqual({
        snapshot: { revision: sha, files: expect.any(Map) },
        changed: false,
      });
    });

    it.each([
      ['a SHA that is in no branch or tag', 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'],
      ['a tag that does not exist', 'v9'],
      ['a name git would read as an option', '--upload-pack=touch /tmp/pwned'],
    ])('fails on %s with a terminal revision error', async (_, revision) => {
      const result = await source(origin, { revision }).sync();
      expect(result.snapshot).toBeUndefined();
      expect(result.changed).toBe(false);
      expect(result.error).toMatchObject({ kind: 'revision', transient: false });
      expect(result.error?.message).toContain(revision);
    });
  });

  it('fails on a branch the remote does not have with a terminal revision error', async () => {
    const origin = newOrigin();
    commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    const { error, snapshot } = await source(origin, { branch: 'nope' }).sync();
    expect(snapshot).toBeUndefined();
    expect(error).toMatchObject({ kind: 'revision', transient: false });
    expect(error?.message.replace(origin, '<origin>')).toMatchInlineSnapshot(
      `"git repo <origin>: branch "nope" not found on the remote (couldn't find remote ref refs/heads/nope)"`,
    );
  });

  it('keeps the last good revision and reports the error when the repo cannot be fetched', async () => {
    const origin = newOrigin();
    const good = commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    const src = source(origin);
    const first = await src.sync();

    const moved = `${origin}-moved`;
    renameSync(origin, moved);
    const failed = await src.sync();
    // The files are still there: a fetch failure must never look like every object was removed.
    expect(failed.snapshot).toBe(first.snapshot);
    expect(failed.snapshot?.revision).toBe(good);
    expect(failed.changed).toBe(false);
    expect(failed.error).toMatchObject({ kind: 'fetch', repo: origin });
    expect(failed.error?.message).toContain(`git repo ${origin}: fetching the default branch failed:`);
    expect(failed.error?.message).toContain('does not appear to be a git repository');

    renameSync(moved, origin);
    const newer = commit(origin, { files: { 'a.yaml': 'v: 2\n' } });
    expect(await src.sync()).toMatchObject({ changed: true, snapshot: { revision: newer } });
  });

  it('reports a clear error and no snapshot when the first sync cannot fetch', async () => {
    const missing = join(root, 'no-such-repo');
    const result = await source(missing).sync();
    expect(result).toMatchObject({ changed: false, snapshot: undefined });
    expect(result.error?.message.replaceAll(root, '<tmp>')).toMatchInlineSnapshot(
      `"git repo <tmp>/no-such-repo: fetching the default branch failed: '<tmp>/no-such-repo' does not appear to be a git repository; Could not read from remote repository."`,
    );
    expect(result.error).toMatchObject({ kind: 'fetch', transient: false });
  });

  it('never shows the credentials of a URL, in the error or anywhere else', async () => {
    const src = source('https://user:s3cr3t-canary@127.0.0.1:1/repo.git');
    const result = await src.sync();
    expect(result.error).toMatchObject({
      kind: 'fetch',
      transient: true,
      repo: 'https://***@127.0.0.1:1/repo.git',
    });
    expect(result.error?.message).toContain(
      'git repo https://***@127.0.0.1:1/repo.git: fetching the default branch failed',
    );
    const everything = [
      result.error?.message,
      result.error?.stack,
      String(result.error),
      JSON.stringify(result),
      inspect(result, { depth: 10, showHidden: true }),
      inspect(src, { depth: 10, showHidden: true }),
      JSON.stringify(src),
      src.repo,
      src.cachePath,
    ].join('\n');
    expect(everything).not.toContain('s3cr3t-canary');
  });

  it('ends a fetch that makes no progress after the timeout, as a transient error', async () => {
    // A git daemon that accepts the connection and never answers.
    const server: Server = createServer(() => {});
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    try {
      const started = Date.now();
      const result = await source(`git://127.0.0.1:${port}/repo.git`, { timeoutMs: 300 }).sync();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.error).toMatchObject({ kind: 'fetch', transient: true });
      expect(result.error?.message).toContain('fetch timed out: no progress for 0.3s');
    } finally {
      server.close();
    }
  });

  it('runs one fetch at a time on a cache folder, however many syncs are asked for at once', async () => {
    const origin = newOrigin();
    const sha = commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    const cacheDir = tempDir('cache');
    // Two sources on one cache folder share its queue too.
    const sources = [0, 1].map(() => new GitSource({ repo: origin, cacheDir }));
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => sources[i % 2]?.sync()));
    expect(results.map((r) => r?.error)).toEqual(Array(6).fill(undefined));
    expect(results.map((r) => r?.snapshot?.revision)).toEqual(Array(6).fill(sha));
    // Each source reads the new revision once: the queued syncs find it unchanged.
    expect(results.map((r) => r?.changed)).toEqual([true, true, false, false, false, false]);
  });
});

describe('GitSource.blame', () => {
  it('attributes each line to the commit that last changed it', async () => {
    const origin = newOrigin();
    const first = commit(origin, {
      files: { 'app.yaml': 'a: 1\nb: 1\nc: 1\n' },
      author: 'Alice',
      date: '2025-01-01T10:00:00Z',
      message: 'add app',
    });
    const second = commit(origin, {
      files: { 'app.yaml': 'a: 1\nb: 2\nc: 1\nd: 2\n' },
      author: 'Bob',
      date: '2025-02-03T04:05:06+02:00',
      message: 'bump b, add d',
    });
    const src = source(origin);
    await src.sync();
    const alice = { commit: first, author: 'Alice', time: '2025-01-01T10:00:00.000Z', summary: 'add app' };
    const bob = { commit: second, author: 'Bob', time: '2025-02-03T02:05:06.000Z', summary: 'bump b, add d' };
    expect(await src.blame(second, 'app.yaml')).toEqual(
      new Map([
        [1, alice],
        [2, bob],
        [3, alice],
        [4, bob],
      ]),
    );
    // At the first commit every line is Alice's.
    expect([...(await src.blame(first, 'app.yaml')).values()]).toEqual([alice, alice, alice]);
  });

  it('throws a read error for a path that is not in the revision', async () => {
    const origin = newOrigin();
    const sha = commit(origin, { files: { 'app.yaml': 'a: 1\n' } });
    const src = source(origin);
    await src.sync();
    await expect(src.blame(sha, 'nope.yaml')).rejects.toMatchObject({
      name: 'GitSourceError',
      kind: 'read',
      message: expect.stringContaining(`blame nope.yaml at ${sha} failed: no such path nope.yaml in ${sha}`),
    });
  });
});

describe('GitSource.log', () => {
  it('lists the commits that touched a path, newest first, up to max', async () => {
    const origin = newOrigin();
    const one = commit(origin, { files: { 'a.yaml': '1\n' }, message: 'one', date: '2025-01-01T00:00:00Z' });
    commit(origin, { files: { 'other.yaml': 'x\n' }, message: 'other file', date: '2025-01-02T00:00:00Z' });
    const three = commit(origin, {
      files: { 'a.yaml': '3\n' },
      message: 'three',
      author: 'Bob',
      date: '2025-01-03T00:00:00Z',
    });
    const src = source(origin);
    await src.sync();

    expect(await src.log('a.yaml')).toEqual([
      { commit: three, author: 'Bob', time: '2025-01-03T00:00:00.000Z', summary: 'three' },
      { commit: one, author: 'Alice', time: '2025-01-01T00:00:00.000Z', summary: 'one' },
    ]);
    expect((await src.log('a.yaml', { max: 1 })).map((c) => c.summary)).toEqual(['three']);
    expect((await src.log('a.yaml', { revision: one })).map((c) => c.summary)).toEqual(['one']);
  });

  it('refuses to guess a revision before the first sync', async () => {
    await expect(source(newOrigin()).log('a.yaml')).rejects.toMatchObject({ kind: 'revision' });
  });
});

describe('GitSource.fileAt and content', () => {
  it('reads a file at a commit and before it, and says undefined where it did not exist', async () => {
    const origin = newOrigin();
    const one = commit(origin, { files: { 'a.yaml': 'v: 1\n' }, message: 'one' });
    const two = commit(origin, { files: { 'a.yaml': 'v: 2\n', 'b.yaml': 'w: 1\n' }, message: 'two' });
    const src = source(origin);
    await src.sync();
    expect(await src.fileAt(two, 'a.yaml')).toBe('v: 2\n');
    expect(await src.fileAt(two, 'a.yaml', { before: true })).toBe('v: 1\n');
    // b.yaml was created by two; the first commit has no parent at all.
    expect(await src.fileAt(two, 'b.yaml', { before: true })).toBeUndefined();
    expect(await src.fileAt(one, 'a.yaml', { before: true })).toBeUndefined();
    expect((await src.content(one)).files).toEqual(new Map([['a.yaml', 'v: 1\n']]));
  });

  it('refuses a path git could read as an option', async () => {
    const origin = newOrigin();
    const sha = commit(origin, { files: { 'a.yaml': 'v: 1\n' } });
    const src = source(origin);
    await src.sync();
    await expect(src.fileAt(sha, '--output=x')).rejects.toMatchObject({ kind: 'read' });
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://user:token@host/x', 'https://***@host/x'],
    // A token as the user name is still a credential.
    ['https://ghp_token@github.com/org/fleet.git', 'https://***@github.com/org/fleet.git'],
    // git reads up to the last @ before the host.
    ['https://user:p@ss@host/x', 'https://***@host/x'],
    ['ssh://git@host:22/org/fleet.git', 'ssh://***@host:22/org/fleet.git'],
    [
      "fatal: unable to access 'https://u:t@host/x/': 403",
      "fatal: unable to access 'https://***@host/x/': 403",
    ],
    // Nothing to hide.
    ['https://host/x', 'https://host/x'],
    ['git@github.com:org/fleet.git', 'git@github.com:org/fleet.git'],
    ['/srv/git/fleet', '/srv/git/fleet'],
    ['mail me at a@b.c, see https://host/x', 'mail me at a@b.c, see https://host/x'],
  ])('redacts %s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});
