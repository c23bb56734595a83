/**
 * The Git edge: fetches the fleet repo into a cache folder with simple-git over the system git and
 * hands the pure core a RepoSnapshot (one commit SHA and its YAML files). It only reads: no work
 * tree is checked out and nothing but the cache is written. Credentials come from the user's
 * normal git setup (credential helpers, ssh agent) and never reach an error message or a log.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitPluginError, type SimpleGit, simpleGit } from 'simple-git';
import { redactUrls } from '../core/redact.ts';
import { maxRepoFileBytes } from '../core/yaml-file.ts';

/** defaultCacheDir is where trueup keeps its caches (git clones, built binaries): $XDG_CACHE_HOME/trueup or ~/.cache/trueup. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trueup');
}

/** RepoSnapshot is the fleet repo's content at one commit: what the pure core reads. */
export interface RepoSnapshot {
  /** revision is the full commit SHA. */
  revision: string;
  /** files maps repo-relative POSIX paths to UTF-8 content, for every *.yaml / *.yml file (symlinks excepted) and nothing else. */
  files: ReadonlyMap<string, string>;
}

/** LineOrigin is the commit that last changed one line of a file (git blame), or one commit of a log. */
export interface LineOrigin {
  commit: string;
  author: string;
  /** time is the author time, ISO 8601 in UTC. */
  time: string;
  summary: string;
}

/** GitSourceOptions says which repo to read, which commit of it, and where to cache it. */
export interface GitSourceOptions {
  /** repo is a local path or a URL (https://, ssh://, git@host:path, file://). */
  repo: string;
  /** branch to follow; default: the remote's HEAD (its default branch). */
  branch?: string;
  /** revision pins a commit SHA (full or abbreviated) or a tag; it wins over branch. */
  revision?: string;
  /** cacheDir holds one bare repository per repo URL. */
  cacheDir: string;
  /** timeoutMs kills a git command that shows no progress for this long (default defaultGitTimeoutMs). */
  timeoutMs?: number;
}

/** defaultGitTimeoutMs is how long a git command may go without output before it is killed. */
export const defaultGitTimeoutMs = 60_000;

/** GitSourceErrorKind says which step failed: fetching, resolving the revision, or reading the cache. */
export type GitSourceErrorKind = 'fetch' | 'revision' | 'read';

/** GitSourceError is a failure of the git edge, with the repo's URL redacted in the message and fields. */
export class GitSourceError extends Error {
  readonly kind: GitSourceErrorKind;
  /** transient is true when retrying later may succeed (network down, timeout); false for a bad branch or revision. */
  readonly transient: boolean;
  /** repo is the redacted URL or path of the repo. */
  readonly repo: string;

  constructor(fields: { kind: GitSourceErrorKind; transient: boolean; repo: string; detail: string }) {
    super(`git repo ${fields.repo}: ${fields.detail}`);
    this.name = 'GitSourceError';
    this.kind = fields.kind;
    this.transient = fields.transient;
    this.repo = fields.repo;
  }
}

/** SyncResult is the newest snapshot, or the last good one together with the error that kept it in use. */
export interface SyncResult {
  snapshot?: RepoSnapshot;
  error?: GitSourceError;
  /** changed is true when snapshot is a revision this GitSource had not returned before. */
  changed: boolean;
}

/**
 * redactUrl replaces the credentials of every URL in a text with `***` (`https://user:token@host/x`
 * → `https://***@host/x`, `?token=…`): the shared redactUrls of every error path.
 */
export const redactUrl = redactUrls;

// Greedy up to the last `@` before the path, as git reads `https://user:p@ss@host/`.
const urlUserinfo = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;

// Transport and credential settings users make through the environment. simple-git strips every
// other GIT_* variable, which also keeps a GIT_DIR inherited from a hook from redirecting us.
const passThroughEnv = [
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSH_VARIANT',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'GIT_SSL_CERT',
  'GIT_SSL_KEY',
  'GIT_SSL_NO_VERIFY',
  'GIT_HTTP_PROXY_AUTHMETHOD',
  'GIT_PROXY_SSL_CAINFO',
];
// Variables naming programs that simple-git refuses in an explicit environment; git does not need them here.
const refusedEnv = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX']);

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase();
    if (value === undefined || refusedEnv.has(upper)) continue;
    if (upper.startsWith('GIT_') && !passThroughEnv.includes(upper)) continue;
    env[key] = value;
  }
  // A missing credential must fail fast instead of waiting for someone to type a password.
  env.GIT_TERMINAL_PROMPT = '0';
  // English messages, because fetch errors are classified by their text.
  env.LC_ALL = 'C';
  return env;
}

// One queue per cache folder, shared by every GitSource in the process: two fetches into one
// repository race on its ref locks.
const cacheQueues = new Map<string, Promise<unknown>>();

function serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (cacheQueues.get(key) ?? Promise.resolve()).then(task, task);
  const tail = run.then(
    () => {},
    () => {},
  );
  cacheQueues.set(key, tail);
  void tail.then(() => {
    if (cacheQueues.get(key) === tail) cacheQueues.delete(key);
  });
  return run;
}

/** GitSource follows one branch or revision of one repo and reads its content at a commit. */
export class GitSource {
  /** repo is the repo's URL or path with credentials redacted: safe to log. */
  readonly repo: string;
  /** cachePath is the bare repository this source fetches into. */
  readonly cachePath: string;
  // Private so that logging or inspecting a GitSource cannot print the credentials in the URL.
  readonly #url: string;
  readonly #secrets: string[];
  readonly #branch?: string;
  readonly #revision?: string;
  readonly #timeoutMs: number;
  #last?: RepoSnapshot;

  constructor(options: GitSourceOptions) {
    this.#url = absoluteRepo(options.repo);
    this.repo = redactUrl(this.#url);
    this.#secrets = userinfoSecrets(this.#url);
    this.#branch = options.branch;
    this.#revision = options.revision;
    this.#timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
    this.cachePath = join(resolve(options.cacheDir), cacheFolderName(this.#url));
  }

  /** sync fetches and returns the newest snapshot; when fetching fails it returns the last good snapshot with the error. */
  sync(): Promise<SyncResult> {
    return serialize(this.cachePath, () => this.#sync());
  }

  /** blame maps 1-based line numbers of a file at a revision to the commit that last changed each line. */
  async blame(revision: string, path: string): Promise<Map<number, LineOrigin>> {
    this.#checkName('revision', revision);
    const out = await this.#run(
      ['blame', '--porcelain', revision, '--', path],
      `blame ${path} at ${revision}`,
    );
    return parseBlame(out);
  }

  /**
   * log lists the commits that touched a path, newest first (for diagnosis): at most max (default
   * 20), from revision (default: the last synced revision).
   */
  async log(path: string, options: { revision?: string; max?: number } = {}): Promise<LineOrigin[]> {
    const revision = options.revision ?? this.#last?.revision;
    if (revision === undefined) throw this.#error('revision', false, `log ${path}: no revision synced yet`);
    this.#checkName('revision', revision);
    const args = [
      'log',
      '-z',
      `--max-count=${options.max ?? 20}`,
      `--format=${logFormat}`,
      revision,
      '--',
      path,
    ];
    return parseLog(await this.#run(args, `log ${path} at ${revision}`));
  }

  /** fileAt is a file at a revision, or at its first parent (`before`); undefined where it does not exist. */
  async fileAt(
    revision: string,
    path: string,
    options: { before?: boolean } = {},
  ): Promise<string | undefined> {
    this.#checkName('revision', revision);
    if (path === '' || path.startsWith('-') || /[\0\n]/.test(path))
      throw this.#error('read', false, `invalid path "${path}"`);
    const spec = `${revision}${options.before ? '^' : ''}:${path}`;
    // rev-parse --quiet prints nothing for a path (or a parent) that does not exist: not an error.
    const oid = await this.#client()
      .raw(['rev-parse', '--verify', '--quiet', spec])
      .catch(() => '');
    if (oid.trim() === '') return undefined;
    return this.#run(['cat-file', 'blob', oid.trim()], `read ${path} at ${revision}`);
  }

  /** content is every YAML file at a revision (the last snapshot when it is that one), for diagnosis. */
  async content(revision: string): Promise<RepoSnapshot> {
    if (this.#last?.revision === revision) return this.#last;
    this.#checkName('revision', revision);
    return { revision, files: await this.#readFiles(revision) };
  }

  async #sync(): Promise<SyncResult> {
    try {
      const rev = await this.#fetch();
      const revision = await this.#resolve(rev);
      if (revision === this.#last?.revision) return { snapshot: this.#last, changed: false };
      this.#last = { revision, files: await this.#readFiles(revision) };
      return { snapshot: this.#last, changed: true };
    } catch (err) {
      const error =
        err instanceof GitSourceError ? err : this.#error('fetch', true, this.#redact(messageOf(err)));
      return { snapshot: this.#last, error, changed: false };
    }
  }

  // #fetch updates the cache and returns the name to resolve to a commit.
  async #fetch(): Promise<string> {
    await this.#ensureCache();
    const revision = this.#revision;
    if (revision !== undefined) {
      this.#checkName('revision', revision);
      if (!/^[0-9a-f]{4,64}$/i.test(revision)) {
        await this.#fetchRefs([`+refs/tags/${revision}:refs/tags/${revision}`], `tag "${revision}"`);
        return `refs/tags/${revision}`;
      }
      // A full commit id never moves: once in the cache, no fetch is needed (and none can fail).
      if (/^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(revision) && (await this.#hasCommit(revision)))
        return revision;
      // A commit can be fetched by id only from servers that allow it; every branch and tag works anywhere.
      await this.#fetchRefs(['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], 'branches and tags');
      return revision;
    }
    if (this.#branch !== undefined) {
      this.#checkName('branch', this.#branch);
      const ref = `refs/heads/${this.#branch}`;
      await this.#fetchRefs([`+${ref}:${ref}`], `branch "${this.#branch}"`);
      return ref;
    }
    await this.#fetchRefs(['+HEAD:refs/trueup/remote-head'], 'the default branch');
    return 'refs/trueup/remote-head';
  }

  async #ensureCache(): Promise<void> {
    if (existsSync(join(this.cachePath, 'HEAD'))) return;
    await mkdir(this.cachePath, { recursive: true });
    await this.#client().raw(['init', '--bare', '--quiet']);
  }

  async #fetchRefs(refspecs: string[], what: string): Promise<void> {
    try {
      // --progress keeps output flowing, so the timeout only ends a fetch that has stalled.
      // The URL is passed on the command line, never stored in the cache's config.
      await this.#client().raw([
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        '--progress',
        '--',
        this.#url,
        ...refspecs,
      ]);
    } catch (err) {
      throw this.#fetchError(err, what);
    }
  }

  #fetchError(err: unknown, what: string): GitSourceError {
    if (isTimeout(err)) {
      return this.#error('fetch', true, `fetch timed out: no progress for ${this.#timeoutMs / 1000}s`);
    }
    const detail = this.#redact(messageOf(err));
    if (/couldn't find remote ref|invalid refspec/i.test(detail)) {
      return this.#error('revision', false, `${what} not found on the remote (${detail})`);
    }
    // Authentication and "no such repository" need a person to fix them; anything else may pass.
    const terminal =
      /authentication failed|could not read (username|password)|permission denied|repository not found|not a git repository|does not appear to be a git repository/i;
    return this.#error('fetch', !terminal.test(detail), `fetching ${what} failed: ${detail}`);
  }

  async #hasCommit(revision: string): Promise<boolean> {
    return this.#client()
      .raw(['cat-file', '-e', `${revision}^{commit}`])
      .then(
        () => true,
        () => false,
      );
  }

  async #resolve(rev: string): Promise<string> {
    try {
      const sha = (await this.#client().raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim();
      if (sha !== '') return sha;
    } catch (err) {
      if (isTimeout(err)) throw this.#error('read', true, `resolving ${rev} timed out`);
    }
    const name = this.#revision ?? rev;
    throw this.#error('revision', false, `revision "${name}" is not a commit in the repo`);
  }

  // #readFiles reads every YAML file at a commit with two git processes, however many files there are.
  async #readFiles(revision: string): Promise<Map<string, string>> {
    const listing = await this.#run(
      ['ls-tree', '-r', '-l', '-z', '--full-tree', revision],
      `list files at ${revision}`,
    );
    const { objects, tooLarge } = yamlBlobs(listing);
    const contents = await this.#readBlobs([...new Set(objects.values())], revision);
    const files = new Map<string, string>();
    for (const [path, oid] of objects) files.set(path, contents.get(oid) ?? '');
    for (const path of tooLarge) files.set(path, oversizedPlaceholder());
    return files;
  }

  async #readBlobs(oids: string[], revision: string): Promise<Map<string, string>> {
    // With nothing on stdin simple-git leaves it open and cat-file would wait for input forever.
    if (oids.length === 0) return new Map();
    try {
      const out = await this.#client(`${oids.join('\n')}\n`).binaryCatFile(['--batch']);
      return parseBatch(out);
    } catch (err) {
      throw this.#readError(err, `read files at ${revision}`);
    }
  }

  // #run runs a read-only git command in the cache; failures become 'read' errors.
  async #run(args: string[], what: string): Promise<string> {
    try {
      return await this.#client().raw(args);
    } catch (err) {
      throw this.#readError(err, what);
    }
  }

  #readError(err: unknown, what: string): GitSourceError {
    if (isTimeout(err)) return this.#error('read', true, `${what} timed out`);
    return this.#error('read', false, `${what} failed: ${this.#redact(messageOf(err))}`);
  }

  #client(stdin?: string): SimpleGit {
    return simpleGit({
      baseDir: this.cachePath,
      timeout: { block: this.#timeoutMs },
      allowEnvironment: ['GIT_TERMINAL_PROMPT', ...passThroughEnv],
      // The user's own ssh command and askpass program are part of their normal git setup.
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true },
      ...(stdin === undefined ? {} : { input: () => stdin }),
    }).env(gitEnv());
  }

  // Branch, tag and revision names end up in refspecs and argv: refuse what git could read as an option or a pattern.
  #checkName(what: 'branch' | 'revision', name: string): void {
    if (name === '' || name.startsWith('-') || /[\s:*?[\\~^]|\.\./.test(name)) {
      throw this.#error('revision', false, `invalid ${what} name "${name}"`);
    }
  }

  #redact(text: string): string {
    let out = redactUrl(text);
    for (const secret of this.#secrets) out = out.replaceAll(secret, '***');
    return out;
  }

  #error(kind: GitSourceErrorKind, transient: boolean, detail: string): GitSourceError {
    return new GitSourceError({ kind, transient, repo: this.repo, detail });
  }
}

const logFormat = '%H%x1f%an%x1f%at%x1f%s';

/** yamlBlobs picks the YAML files of an `ls-tree -r -l -z` listing: path -> blob id, and those over the size cap. */
function yamlBlobs(listing: string): { objects: Map<string, string>; tooLarge: Set<string> } {
  const objects = new Map<string, string>();
  const tooLarge = new Set<string>();
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid = '', size] = entry.slice(0, tab).split(/ +/);
    const path = entry.slice(tab + 1);
    // A symlink's blob is its target path, not YAML; submodules are commits, not blobs.
    if (type !== 'blob' || mode === '120000' || !/\.ya?ml$/.test(path)) continue;
    // A file over the cap is not read into memory: it stands as an oversized placeholder, which
    // every parser reports as TRUEUP_REPO_FILE_TOO_LARGE for that file.
    if (Number(size) > maxRepoFileBytes) tooLarge.add(path);
    else objects.set(path, oid);
  }
  return { objects, tooLarge };
}

/** parseLog reads `git log -z --format=logFormat` output. */
function parseLog(out: string): LineOrigin[] {
  return out
    .split('\0')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const [commit = '', author = '', time = '', summary = ''] = record.trim().split('\x1f');
      return { commit, author, time: isoTime(time), summary };
    });
}

// git runs inside the cache folder, so a relative path must be made absolute first. git reads
// `host:path` (a colon before any slash) as scp-like ssh; anything else without a scheme is a path.
function absoluteRepo(repo: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]*:/.test(repo)) return repo;
  return resolve(repo);
}

// The userinfo of a URL, whole and in parts, raw and decoded: git sometimes prints it outside a URL
// (`unable to look up user:token@host`), where redactUrl cannot see it.
function userinfoSecrets(url: string): string[] {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url)?.[1];
  if (!userinfo) return [];
  const colon = userinfo.indexOf(':');
  // A lone user name is a token when it is the only credential (https://TOKEN@host), but `git` in ssh://git@host is not secret.
  const parts = colon < 0 ? (/^https?:/i.test(url) ? [userinfo] : []) : [userinfo, userinfo.slice(colon + 1)];
  const secrets = parts.flatMap((part) => [part, safeDecode(part)]).filter((part) => part.length > 0);
  // Longest first, so a part inside the whole userinfo does not leave the rest of it behind.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// One folder per repo: a readable name plus a hash of the URL without credentials, so rotating a
// token keeps the cache.
function cacheFolderName(url: string): string {
  const bare = url.replace(urlUserinfo, '$1');
  const hash = createHash('sha256').update(bare).digest('hex').slice(0, 16);
  const name = (/([^/:]+?)(\.git)?\/*$/.exec(bare)?.[1] ?? 'repo')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 40);
  return `${name}-${hash}.git`;
}

function isTimeout(err: unknown): boolean {
  return err instanceof GitPluginError && err.plugin === 'timeout';
}

// git's own words: its fatal/error lines, without progress output or advice.
function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text
    .split(/[\r\n]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errors = lines
    .filter((line) => /^(fatal|error):/.test(line))
    .map((line) => line.replace(/^(fatal|error):\s*/, ''));
  return (errors.length > 0 ? errors : lines.slice(-1)).join('; ') || 'unknown error';
}

function isoTime(epochSeconds: string): string {
  return new Date(Number(epochSeconds) * 1000).toISOString();
}

// parseBatch reads `git cat-file --batch` output: `<oid> <type> <size>\n<content>\n` per object.
function parseBatch(out: Buffer): Map<string, string> {
  const blobs = new Map<string, string>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const header = out.toString('utf8', at, eol < 0 ? out.length : eol);
    const [oid = '', type, size] = header.split(' ');
    if (eol < 0 || type !== 'blob' || size === undefined)
      throw new Error(`unexpected cat-file output "${header}"`);
    const end = eol + 1 + Number(size);
    blobs.set(oid, out.toString('utf8', eol + 1, end));
    at = end + 1;
  }
  return blobs;
}

// parseBlame reads `git blame --porcelain`: a `<sha> <orig-line> <final-line>` line per source
// line, followed by the commit's headers the first time that commit appears, then `\t<content>`.
function parseBlame(out: string): Map<number, LineOrigin> {
  const lines = new Map<number, LineOrigin>();
  const commits = new Map<string, LineOrigin>();
  let current: LineOrigin | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('\t')) continue;
    const start = /^([0-9a-f]{40,64}) \d+ (\d+)/.exec(line);
    if (start) {
      const commit = start[1] ?? '';
      current = commits.get(commit) ?? { commit, author: '', time: '', summary: '' };
      commits.set(commit, current);
      lines.set(Number(start[2]), current);
      continue;
    }
    if (!current) continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'author') current.author = value;
    else if (key === 'author-time') current.time = isoTime(value);
    else if (key === 'summary') current.summary = value;
  }
  return lines;
}

let placeholder: string | undefined;

/** oversizedPlaceholder is one shared string just over the repo file cap (strings are immutable). */
function oversizedPlaceholder(): string {
  placeholder ??= ' '.repeat(maxRepoFileBytes + 1);
  return placeholder;
}
