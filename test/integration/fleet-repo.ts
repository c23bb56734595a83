/**
 * Helpers for reconciler scenarios: a real git repo for the fleet, and the real `trueup` process
 * run against it, with every byte of its output kept for canary scans.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const execFileAsync = promisify(execFile);
const bin = new URL('../../bin/trueup.js', import.meta.url).pathname;

/** FleetRepo is a git repo in a temp folder holding a fleet. */
export interface FleetRepo {
  dir: string;
  /** commit writes (or with null deletes) files and commits them; returns the commit SHA. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  remove(): Promise<void>;
  /** git runs git in the repo (e.g. to make a branch) and returns its output. */
  git(args: string[]): Promise<string>;
}

const gitEnv = {
  GIT_AUTHOR_NAME: 'Fleet Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Fleet Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd: dir, env: { ...process.env, ...gitEnv } });
  return stdout.trim();
}

/** createFleetRepo makes a repo with the given files as its first commit. */
export async function createFleetRepo(files: Record<string, string>): Promise<FleetRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'trueup-repo-'));
  await git(dir, ['init', '-q', '-b', 'main']);
  const repo: FleetRepo = {
    dir,
    async commit(changes, message = 'update fleet') {
      for (const [path, content] of Object.entries(changes)) {
        const file = join(dir, path);
        if (content === null) {
          await rm(file, { force: true });
        } else {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, content);
        }
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '-q', '-m', message]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
    git: (args) => git(dir, args),
  };
  await repo.commit(files, 'initial fleet');
  return repo;
}

/** fleetYaml declares the test fleet's clusters with labels, and the given targets. */
export function fleetYaml(targets: string, clusters = inject('fleet').clusters): string {
  const list = clusters
    .map(
      (name, i) => `  - name: ${name}\n    labels: {env: ${i === 0 ? 'prod' : 'staging'}, index: "${i + 1}"}`,
    )
    .join('\n');
  return `apiVersion: trueup.io/v1alpha1\nkind: Fleet\nclusters:\n${list}\ntargets:\n${targets}`;
}

/** RunResult is one trueup process run. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Transcript keeps every output of every trueup run in a test, for canary scans. */
export class Transcript {
  readonly runs: RunResult[] = [];
  /** stateDir is the audit store folder reconcile runs of this transcript write to. */
  readonly stateDir = join(
    tmpdir(),
    `trueup-test-state-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );

  /** trueup runs the real CLI with the fleet kubeconfig. */
  async trueup(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    const cacheDir = join(tmpdir(), 'trueup-test-cache');
    // Each command gets the fleet's kubeconfig, the shared git cache and this transcript's audit
    // store where it takes them (and the test did not pass its own).
    const command = args[0] === 'approvals' ? `approvals ${args[1]}` : (args[0] ?? '');
    const takes = (options: string[]) => (flag: string, value: string) =>
      options.includes(command) && !args.includes(flag) ? [flag, value] : [];
    const reads = takes(['diff', 'reconcile', 'approve', 'validate', 'explain', 'preview']);
    const touches = takes(['diff', 'reconcile', 'approve', 'preview']);
    // diff and preview read the installation id (and digest key) from the same folder reconcile wrote.
    const stores = takes(['diff', 'reconcile', 'approve', 'reject', 'approvals list', 'preview']);
    const extra = [
      ...touches('--kubeconfig', inject('fleet').kubeconfigPath),
      ...reads('--cache-dir', cacheDir),
      ...stores('--state-dir', this.stateDir),
    ];
    const full = [bin, ...args, ...extra];
    let result: RunResult;
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, full, {
        env: { ...process.env, ...env },
      });
      result = { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    this.runs.push(result);
    return result;
  }

  /** json runs trueup with -o json and parses stdout. */
  async json<T = Record<string, unknown>>(
    args: string[],
    env?: NodeJS.ProcessEnv,
  ): Promise<{ code: number; body: T; stderr: string }> {
    const run = await this.trueup([...args, '-o', 'json'], env);
    try {
      return { code: run.code, body: JSON.parse(run.stdout) as T, stderr: run.stderr };
    } catch {
      throw new Error(
        `trueup ${args.join(' ')} exited ${run.code} without JSON:\n${run.stdout}\n${run.stderr}`,
      );
    }
  }

  /** allOutput is everything every run printed. */
  allOutput(): string {
    return this.runs.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
  }
}
