/**
 * `trueup validate` through the real executable against real git repos in temp folders: no
 * cluster, no kubeconfig. Every byte printed is kept and scanned for the SOPS fixture's plaintext.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { generateX25519Identity } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Conflict, RepoError } from '../reconciler/core/model.ts';
import { SecretValue, useDigestKey } from '../reconciler/core/secret-value.ts';

// Each test starts real processes (git, trueup); on a busy 2-core machine that can take seconds.
const processTimeout = 30_000;

const execFileAsync = promisify(execFile);
const bin = new URL('../bin/trueup.js', import.meta.url).pathname;
const sopsFixtures = new URL('../test/fixtures/sops/', import.meta.url).pathname;
const encryptedSecret = readFileSync(join(sopsFixtures, 'string-data.enc.yaml'), 'utf8');
const plainSecret = parse(readFileSync(join(sopsFixtures, 'plaintext/string-data.yaml'), 'utf8')) as {
  stringData: Record<string, string>;
};
const ageKeyFile = join(sopsFixtures, 'age.key');

interface ValidateJson {
  revision: string;
  clusters: string[];
  objects: Record<string, number>;
  errors: RepoError[];
  conflicts: Conflict[];
}

const gitEnv = {
  GIT_AUTHOR_NAME: 'Fleet Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Fleet Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

let work: string;
const outputs: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'trueup-validate-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd: dir, env: { ...process.env, ...gitEnv } });
  return stdout.trim();
}

/** FleetRepo is a git repo in the work folder; commit writes files and returns the commit SHA. */
interface FleetRepo {
  dir: string;
  commit(files: Record<string, string>): Promise<string>;
}

async function createRepo(files: Record<string, string>): Promise<FleetRepo & { first: string }> {
  const dir = await mkdtemp(join(work, 'repo-'));
  await git(dir, ['init', '-q', '-b', 'main']);
  const repo: FleetRepo = {
    dir,
    async commit(changes) {
      for (const [path, content] of Object.entries(changes)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      await git(dir, ['add', '-A']);
      await git(dir, ['commit', '-q', '-m', 'update fleet']);
      return git(dir, ['rev-parse', 'HEAD']);
    },
  };
  return { ...repo, first: await repo.commit(files) };
}

/** trueup runs the real CLI with no kubeconfig and only the age keys the test gives. */
async function trueup(args: string[], env: NodeJS.ProcessEnv = {}) {
  const isolated = {
    ...process.env,
    // No key unless the test gives one: not from the environment, not from ~/.config/sops.
    SOPS_AGE_KEY: '',
    SOPS_AGE_KEY_FILE: '',
    XDG_CONFIG_HOME: join(work, 'config'),
    KUBECONFIG: join(work, 'no-such-kubeconfig'),
    ...env,
  };
  const full = [bin, ...args, '--cache-dir', join(work, 'cache')];
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, full, { env: isolated });
    result = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  outputs.push(result.stdout, result.stderr);
  return result;
}

async function validateJson(repo: string, env?: NodeJS.ProcessEnv, extra: string[] = []) {
  const run = await trueup(['validate', '--repo', repo, '-o', 'json', ...extra], env);
  try {
    return { code: run.code, body: JSON.parse(run.stdout) as ValidateJson, stderr: run.stderr };
  } catch {
    throw new Error(`trueup validate exited ${run.code} without JSON:\n${run.stdout}\n${run.stderr}`);
  }
}

const fleetYaml = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: prod-eu
    labels: {env: prod, region: eu}
  - name: staging
    labels: {env: staging}
targets:
  - path: base
  - path: overlays/prod
    clusters: {matchLabels: {env: prod}}
`;

const configMap = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\ndata:\n${data}`;

const validFiles = {
  'fleet.yaml': fleetYaml,
  'base/app.yaml': configMap('app', '  color: blue\n  url: https://${cluster.name}.example.com\n'),
  'overlays/prod/app.yaml': configMap('app', '  replicas: "3"\n'),
};

describe('trueup validate', { timeout: processTimeout }, () => {
  it('exits 0 on a valid repo and reports clusters and object counts', async () => {
    const repo = await createRepo({
      ...validFiles,
      'overlays/prod/extra.yaml': configMap('extra', '  k: v\n'),
    });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(0);
    expect(body).toEqual({
      revision: repo.first,
      clusters: ['prod-eu', 'staging'],
      objects: { 'prod-eu': 2, staging: 1 },
      errors: [],
      conflicts: [],
    });
    const text = await trueup(['validate', '--repo', repo.dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('clusters: prod-eu (2 objects), staging (1 object)');
    expect(text.stdout).toMatch(/\nvalid\n$/);
  });

  it('exits 2 on broken YAML, naming file:line', async () => {
    const repo = await createRepo({
      ...validFiles,
      'base/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata: [\n',
    });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(2);
    expect(body.errors).toEqual([
      {
        file: 'base/broken.yaml',
        line: 4,
        code: 'TRUEUP_REPO_YAML',
        message: expect.stringContaining('invalid YAML'),
      },
    ]);
    const text = await trueup(['validate', '--repo', repo.dir]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^ {2}base\/broken\.yaml:4: invalid YAML: /m);
    expect(text.stdout).toContain('invalid: 1 error, 0 conflicts');
  });

  it('exits 2 on an invalid policy file, naming file:line and the field', async () => {
    const repo = await createRepo({
      ...validFiles,
      'policies.yaml':
        'apiVersion: trueup.io/v1alpha1\nkind: Policy\nrules:\n  - name: all\n    mode: always\n',
    });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(2);
    expect(body.errors).toEqual([
      { file: 'policies.yaml', line: 5, message: expect.stringMatching(/^rules\.0\.mode: Invalid option/) },
    ]);
  });

  it('exits 2 on an invalid fleet.yaml, naming the line of the field', async () => {
    const repo = await createRepo({
      ...validFiles,
      'fleet.yaml': fleetYaml.replace('  - path: base\n', '  - path: base\n    overides: true\n'),
    });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(2);
    expect(body.clusters).toEqual([]);
    expect(body.errors).toEqual([
      { file: 'fleet.yaml', line: 9, message: expect.stringContaining('overides') },
    ]);
  });

  it('reports an alias bomb as an error for its file (exit 2) instead of crashing', async () => {
    const bomb =
      'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n';
    const repo = await createRepo({ ...validFiles, 'base/bomb.yaml': bomb });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(2);
    expect(body.errors.map((e) => [e.file, e.line, e.code])).toEqual([
      ['base/bomb.yaml', 1, 'TRUEUP_REPO_YAML_BUDGET'],
    ]);
    expect(body.objects).toMatchObject({ 'prod-eu': 1, staging: 1 });
  });

  it('exits 1 on a conflict, with both provenances and their commits', async () => {
    const repo = await createRepo(validFiles);
    const second = await repo.commit({ 'overlays/prod/app.yaml': configMap('app', '  color: red\n') });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(1);
    expect(body.errors).toEqual([]);
    expect(body.conflicts).toEqual([
      {
        cluster: 'prod-eu',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'app',
        path: 'data.color',
        winner: {
          target: 'overlays/prod',
          file: 'overlays/prod/app.yaml',
          line: 7,
          value: 'red',
          commit: second,
        },
        overridden: [{ target: 'base', file: 'base/app.yaml', line: 7, value: 'blue', commit: repo.first }],
      },
    ]);
    const text = await trueup(['validate', '--repo', repo.dir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      [
        'conflicts (1):',
        `  prod-eu: ConfigMap shop/app data.color: "red" at overlays/prod/app.yaml:7 (target overlays/prod, commit ${second.slice(0, 12)})`,
        `    overrides "blue" at base/app.yaml:7 (target base, commit ${repo.first.slice(0, 12)})`,
      ].join('\n'),
    );
    expect(text.stdout).toContain('valid, with 1 conflict to review');
  });

  it('validates the pinned --revision, not the branch head', async () => {
    const repo = await createRepo(validFiles);
    await repo.commit({ 'base/broken.yaml': 'data: [\n' });
    expect((await validateJson(repo.dir)).code).toBe(2);
    const pinned = await validateJson(repo.dir, {}, ['--revision', repo.first]);
    expect(pinned.code).toBe(0);
    expect(pinned.body.revision).toBe(repo.first);
  });

  it('exits 2 on a cluster label a cluster lacks, naming the cluster', async () => {
    const repo = await createRepo({
      ...validFiles,
      'base/region.yaml': configMap('region', '  r: ${cluster.labels.region}\n'),
    });
    const { code, body } = await validateJson(repo.dir);
    expect(code).toBe(2);
    expect(body.errors).toEqual([
      {
        file: 'base/region.yaml',
        line: 1,
        cluster: 'staging',
        code: 'TRUEUP_REPO_VARIABLE',
        message: 'ConfigMap shop/region: ${cluster.labels.region}: cluster staging has no label region',
      },
    ]);
    const text = await trueup(['validate', '--repo', repo.dir]);
    expect(text.stdout).toContain('base/region.yaml:1: cluster staging: ConfigMap shop/region:');
  });

  it('exits 0 on a SOPS Secret it can decrypt with the given key, 2 without a key', async () => {
    const repo = await createRepo({ ...validFiles, 'base/payments-db.yaml': encryptedSecret });
    const withKey = await validateJson(repo.dir, { SOPS_AGE_KEY_FILE: ageKeyFile });
    expect(withKey.code).toBe(0);
    expect(withKey.body.objects).toEqual({ 'prod-eu': 2, staging: 2 });
    const withoutKey = await validateJson(repo.dir);
    expect(withoutKey.code).toBe(2);
    expect(withoutKey.body.errors).toEqual([
      {
        file: 'base/payments-db.yaml',
        line: 2,
        code: 'TRUEUP_REPO_SOPS',
        message: expect.stringContaining('no age key'),
        // the Secret's kind and name are in the clear: the error holds it (not orphaned)
        holds: ['Secret/payments/payments-db'],
      },
    ]);
  });

  it('exits 2 on a SOPS Secret the key cannot open (wrong key)', async () => {
    const repo = await createRepo({ ...validFiles, 'base/payments-db.yaml': encryptedSecret });
    // A real identity that is not a recipient of the fixture.
    const { code, body } = await validateJson(repo.dir, { SOPS_AGE_KEY: await generateX25519Identity() });
    expect(code).toBe(2);
    expect(body.errors[0]).toMatchObject({
      file: 'base/payments-db.yaml',
      message: expect.stringContaining('cannot decrypt SOPS file: none of the given age identities'),
    });
  });

  it('shows a conflicting Secret value only as its hash', async () => {
    const repo = await createRepo({ ...validFiles, 'base/payments-db.yaml': encryptedSecret });
    await repo.commit({
      'overlays/prod/payments-db.yaml':
        'apiVersion: v1\nkind: Secret\nmetadata: {name: payments-db, namespace: payments}\nstringData:\n  password: overlay-canary-pw\n',
    });
    // Digests are keyed: give the command the key this test digests with.
    const digestKey = 'validate-test-digest-key-0123456789';
    useDigestKey(Buffer.from(digestKey));
    const env = { SOPS_AGE_KEY_FILE: ageKeyFile, TRUEUP_DIGEST_KEY: digestKey };
    const { code, body } = await validateJson(repo.dir, env);
    expect(code).toBe(1);
    expect(body.conflicts.map((c) => [c.cluster, c.path, c.winner.value, c.overridden[0]?.value])).toEqual([
      [
        'prod-eu',
        'data.password',
        String(SecretValue.fromString('overlay-canary-pw')),
        String(SecretValue.fromString(plainSecret.stringData.password ?? '')),
      ],
    ]);
    const text = await trueup(['validate', '--repo', repo.dir], env);
    expect(text.stdout).toContain('data.password: hmac-sha256:');
    expect(text.stdout).not.toContain('overlay-canary-pw');
  });

  it('takes no kubeconfig, field manager or timeout, and is listed in --help', async () => {
    const help = await trueup(['validate', '--help']);
    expect(help.stdout).toContain('--repo <path|url>');
    expect(help.stdout).not.toMatch(/--kubeconfig|--field-manager|--timeout/);
    expect((await trueup(['--help'])).stdout).toMatch(/^\s+validate\b/m);
  });

  // Runs last (vitest keeps file order): scans everything the tests above printed.
  it('never prints the SOPS fixture plaintext', () => {
    const all = outputs.join('\n');
    expect(all).toContain('payments-db');
    const values = Object.values(plainSecret.stringData);
    expect(values.length).toBeGreaterThan(3);
    for (const value of values) expect(all).not.toContain(value);
  });
});
