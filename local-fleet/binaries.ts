/**
 * Builds (once) and locates the kube-apiserver and etcd binaries of the test fleet.
 *
 * No package ships kube-apiserver and nothing can be downloaded from release pages, so the project
 * builds it from the Go module proxy: `bin-src/kube-apiserver` pins k8s.io/kubernetes (with every
 * staging module replaced at the matching v0.X) and `bin-src/etcd` pins the etcd server. The
 * results go to a cache keyed by version and by a hash of the module files, so a second run reuses
 * them. `KUBE_APISERVER_BIN` / `ETCD_BIN` point at existing binaries instead.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '../reconciler/git/git-source.ts';

/** ClusterBinaries names the executables the fleet launcher starts, with their versions. */
export interface ClusterBinaries {
  kubeApiserver: string;
  etcd: string;
  kubernetesVersion: string;
  etcdVersion: string;
}

const binSrc = join(dirname(fileURLToPath(import.meta.url)), 'bin-src');

/** cacheRoot is where built binaries live: $TRUEUP_CACHE_DIR, else $XDG_CACHE_HOME/trueup, else ~/.cache/trueup. */
export function cacheRoot(): string {
  return process.env.TRUEUP_CACHE_DIR || defaultCacheDir();
}

/** ensureClusterBinaries returns the cached binaries, building the missing ones with Go first. */
export async function ensureClusterBinaries(log: (msg: string) => void = () => {}): Promise<ClusterBinaries> {
  const k8s = await pinnedVersion('kube-apiserver', /^\s*(?:require\s+)?k8s\.io\/kubernetes (v\S+)/m);
  const etcd = await pinnedVersion('etcd', /^\s*(?:require\s+)?go\.etcd\.io\/etcd\/server\/v3 (v\S+)/m);
  const [major, minor] = k8s.slice(1).split('.');
  const apiserverFlags = [
    `-X k8s.io/component-base/version.gitVersion=${k8s}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ];
  const kubeApiserver =
    process.env.KUBE_APISERVER_BIN ??
    (await buildCached({
      name: 'kube-apiserver',
      version: k8s,
      pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
      ldflags: apiserverFlags,
      log,
    }));
  const etcdBin =
    process.env.ETCD_BIN ?? (await buildCached({ name: 'etcd', version: etcd, pkg: '.', ldflags: [], log }));
  return { kubeApiserver, etcd: etcdBin, kubernetesVersion: k8s, etcdVersion: etcd };
}

/**
 * ensureHelmBinary returns the cached helm v3 CLI (for the chart tests), building it with Go first;
 * `HELM_BIN` points at an existing binary instead. `bin-src/helm/go.mod` pins helm.sh/helm/v3 as a tool.
 */
export async function ensureHelmBinary(log: (msg: string) => void = () => {}): Promise<string> {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const version = await pinnedVersion('helm', /^\s*helm\.sh\/helm\/v3 (v\S+)/m);
  // As helm's Makefile stamps it: its version, and the default --kube-version from its client-go.
  const minor = (await pinnedVersion('helm', /^\s*k8s\.io\/client-go (v\S+)/m)).split('.')[1];
  const ldflags = [
    `-X helm.sh/helm/v3/internal/version.version=${version}`,
    ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
      `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${minor}`,
    ]),
  ];
  return buildCached({ name: 'helm', version, pkg: 'helm.sh/helm/v3/cmd/helm', ldflags, log });
}

async function pinnedVersion(module: string, pattern: RegExp): Promise<string> {
  const goMod = await readFile(join(binSrc, module, 'go.mod'), 'utf8');
  const version = pattern.exec(goMod)?.[1];
  if (!version)
    throw new Error(`local-fleet/bin-src/${module}/go.mod: no pinned version matching ${pattern}`);
  return version;
}

interface BuildSpec {
  name: string;
  version: string;
  pkg: string;
  ldflags: string[];
  log: (msg: string) => void;
}

async function buildCached(spec: BuildSpec): Promise<string> {
  const srcDir = join(binSrc, spec.name);
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(await readFile(join(srcDir, file)));
  hash.update(spec.ldflags.join(' '));
  const key = `${spec.name}-${spec.version}-${hash.digest('hex').slice(0, 12)}`;
  const target = join(cacheRoot(), 'bin', key, spec.name);
  if (existsSync(target)) return target;

  spec.log(`building ${spec.name} ${spec.version} with Go into ${target} (first run only; takes minutes)`);
  const started = Date.now();
  // Build next to the target and rename, so an interrupted build never leaves a half-written binary.
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  const args = [
    'build',
    '-trimpath',
    '-ldflags',
    ['-s', '-w', ...spec.ldflags].join(' '),
    '-o',
    partial,
    spec.pkg,
  ];
  try {
    await runGo(args, srcDir);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  spec.log(`built ${spec.name} ${spec.version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return target;
}

function runGo(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new Error(
            'Go is not installed or not on PATH: the test fleet builds kube-apiserver and etcd from Go modules. ' +
              'Install Go 1.25+ or set KUBE_APISERVER_BIN and ETCD_BIN to existing binaries.',
          ),
        );
      } else reject(err);
    });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(' ')} (in ${cwd}) failed with exit code ${code}:\n${stderr}`));
    });
  });
}

// `node local-fleet/binaries.ts` builds the binaries (apiserver, etcd, helm) and prints where they are.
if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (msg: string) => console.error(msg);
  const bins = await ensureClusterBinaries(log);
  console.log(JSON.stringify({ ...bins, helm: await ensureHelmBinary(log) }, null, 2));
}
