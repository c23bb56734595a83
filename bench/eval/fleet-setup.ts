/**
 * Sets one eval scenario up on the local fleet: its namespace, its fleet repo (a real git repo with
 * `fleet.yaml` targeting the scenario's namespace), the first rollout by trueup, the workloads by
 * hand (no controllers run on the local fleet: Deployment → ReplicaSet → Pod and the like, with a
 * crash-looping status when asked), Services, then the scenario's steps: out-of-band edits and
 * deletes, commits, reconciles (recorded in an audit store as `trueup reconcile` records them).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { type FleetRun, loadFleetRun } from '../../cli/fleet-run.ts';
import type { RunOptions } from '../../cli/options.ts';
import { formatObjectRef } from '../../reconciler/core/object-ref.ts';
import type { AuditStore } from '../../reconciler/store/store.ts';
import { defaultCycleOptions, reconcileFleet } from '../../reconciler/sync/cycle.ts';
import type { Scenario, Step, Use, Workload } from './scenario.ts';

/** Clients are one cluster's API clients. */
interface Clients {
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

/** Setup is a scenario set up on the fleet: what an investigation of it needs. */
export interface Setup {
  runOptions: RunOptions;
  run: FleetRun;
  /** startsAt is when the alert started (an alertStarts step, else after the last step). */
  startsAt: Date;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** clientsOf returns API clients for each cluster of the fleet's kubeconfig. */
export function clientsOf(kubeconfigPath: string, clusters: readonly string[]): Map<string, Clients> {
  return new Map(
    clusters.map((name) => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      kc.setCurrentContext(name);
      return [name, { core: kc.makeApiClient(CoreV1Api), objects: KubernetesObjectApi.makeApiClient(kc) }];
    }),
  );
}

async function git(dir: string, args: string[], author = 'Eval Setup <eval@example.com>'): Promise<void> {
  const [, name = 'Eval', email = 'eval@example.com'] = /^(.*?)\s*<(.*)>$/.exec(author) ?? [];
  const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name };
  await promisify(execFile)('git', args, {
    cwd: dir,
    env: { ...process.env, ...env, GIT_COMMITTER_EMAIL: email },
  });
}

/** writeRepo writes the scenario's fleet repo and commits it. */
async function writeRepo(dir: string, s: Scenario): Promise<void> {
  const files: Record<string, string> = {
    'fleet.yaml': stringify({
      apiVersion: 'trueup.io/v1alpha1',
      kind: 'Fleet',
      clusters: s.clusters.map((name) => ({ name, labels: { env: 'eval' } })),
      targets: [{ path: 'base', clusters: {}, namespace: s.id }],
    }),
    ...Object.fromEntries(Object.entries(s.files).map(([f, text]) => [`base/${f}`, text])),
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', `${s.id}: initial config`]);
}

/** containerUses turns a workload's uses into a container's env, envFrom and volume mounts. */
function podSpecOf(w: Workload) {
  const env: object[] = [];
  const envFrom: object[] = [];
  const initEnv: object[] = [];
  const volumes: object[] = [];
  const projected: object[] = [];
  const mounts: object[] = [];
  w.uses.forEach((u: Use, i) => {
    const via = u.via ?? (u.key ? 'env' : 'envFrom');
    const optional = u.optional ? { optional: true } : {};
    const keyRef = u.configMap
      ? { configMapKeyRef: { name: u.configMap, key: u.key ?? '', ...optional } }
      : { secretKeyRef: { name: u.secret, key: u.key ?? '', ...optional } };
    const items = u.key ? { items: [{ key: u.key, path: u.key }] } : {};
    const source = u.configMap
      ? { configMap: { name: u.configMap, ...items, ...optional } }
      : { secret: { secretName: u.secret, ...items, ...optional } };
    if (via === 'env') env.push({ name: `V${i}`, valueFrom: keyRef });
    else if (via === 'init') initEnv.push({ name: `V${i}`, valueFrom: keyRef });
    else if (via === 'envFrom')
      envFrom.push(u.configMap ? { configMapRef: { name: u.configMap } } : { secretRef: { name: u.secret } });
    else if (via === 'projected')
      projected.push(
        u.configMap
          ? { configMap: { name: u.configMap, ...items } }
          : { secret: { name: u.secret, ...items } },
      );
    else {
      volumes.push({ name: `v${i}`, ...source });
      mounts.push({ name: `v${i}`, mountPath: `/etc/v${i}` });
    }
  });
  if (projected.length) {
    volumes.push({ name: 'projected', projected: { sources: projected } });
    mounts.push({ name: 'projected', mountPath: '/etc/projected' });
  }
  const image = 'registry.example/app:1';
  return {
    ...(initEnv.length ? { initContainers: [{ name: 'init', image, env: initEnv }] } : {}),
    containers: [{ name: 'app', image, env, envFrom, volumeMounts: mounts }],
    volumes,
    restartPolicy: w.kind === 'Job' || w.kind === 'CronJob' ? 'Never' : 'Always',
  };
}

/** crashStatus is a pod status whose app container crash-loops (no kubelet runs here). */
function crashStatus() {
  const now = new Date().toISOString();
  return {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        image: 'registry.example/app:1',
        imageID: '',
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container' } },
        lastState: { terminated: { reason: 'Error', exitCode: 1, startedAt: now, finishedAt: now } },
      },
    ],
  };
}

const owner = (o: KubernetesObject) => ({
  apiVersion: o.apiVersion as string,
  kind: o.kind as string,
  name: o.metadata?.name as string,
  uid: o.metadata?.uid as string,
  controller: true,
});

/** createWorkload creates the workload's chain of controllers and its one Pod. */
async function createWorkload(c: Clients, ns: string, w: Workload): Promise<void> {
  const labels = w.labels ?? { app: w.name };
  const spec = podSpecOf(w);
  const template = { metadata: { labels }, spec };
  const create = (o: object) => c.objects.create(o as KubernetesObject);
  const meta = (name: string, parent?: KubernetesObject) => ({
    name,
    namespace: ns,
    labels,
    ...(parent ? { ownerReferences: [owner(parent)] } : {}),
  });
  let parent: KubernetesObject | undefined;
  let podName = w.name;
  const selector = { matchLabels: labels };
  if (w.kind === 'Deployment') {
    const d = await create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(w.name),
      spec: { selector, template },
    });
    parent = await create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: meta(`${w.name}-7d9`, d),
      spec: { selector, template },
    });
    podName = `${w.name}-7d9-x1`;
  } else if (w.kind === 'StatefulSet') {
    parent = await create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(w.name),
      spec: { selector, template, serviceName: w.name },
    });
    podName = `${w.name}-0`;
  } else if (w.kind === 'DaemonSet') {
    parent = await create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(w.name),
      spec: { selector, template },
    });
    podName = `${w.name}-n1x2`;
  } else if (w.kind === 'Job' || w.kind === 'CronJob') {
    const jobSpec = { template: { metadata: { labels }, spec } };
    let cron: KubernetesObject | undefined;
    if (w.kind === 'CronJob')
      cron = await create({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: meta(w.name),
        spec: { schedule: '*/5 * * * *', jobTemplate: { spec: jobSpec } },
      });
    const jobName = cron ? `${w.name}-29001` : w.name;
    parent = await create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta(jobName, cron),
      spec: { ...jobSpec, manualSelector: true, selector },
    });
    podName = `${jobName}-p1`;
  }
  await create({ apiVersion: 'v1', kind: 'Pod', metadata: meta(podName, parent), spec });
  if (w.crashing)
    await c.core.patchNamespacedPodStatus(
      { name: podName, namespace: ns, body: { status: crashStatus() } },
      mergePatch,
    );
}

/** reconcileAndRecord runs `trueup reconcile --once --remediate` in-process and records it in the store. */
async function reconcileAndRecord(runOptions: RunOptions, store: AuditStore): Promise<FleetRun> {
  const run = await loadFleetRun(runOptions);
  const report = await reconcileFleet(run.state, run.access, { ...defaultCycleOptions(), remediate: true });
  for (const cluster of report.clusters) {
    for (const drift of cluster.drifts.filter((d) => d.status !== 'in-sync'))
      await store.recordDrift(report.revision, drift);
    for (const entry of cluster.changeSet) {
      await store.recordRemediation(report.revision, entry, 'trueup (eval)');
      const drift = cluster.drifts.find((d) => formatObjectRef(d) === formatObjectRef(entry));
      if (entry.pending && drift) await store.queueApproval(report.revision, entry, drift);
    }
  }
  await run.access.close();
  return run;
}

/** StepContext is what steps act on. */
interface StepContext {
  s: Scenario;
  repo: string;
  clients: Map<string, Clients>;
  runOptions: RunOptions;
  store: AuditStore;
  run?: FleetRun;
  startsAt?: Date;
}

async function runStep(ctx: StepContext, step: Step): Promise<void> {
  const { s } = ctx;
  const clientsOn = (c?: string) => ctx.clients.get(c ?? (s.clusters[0] as string)) as Clients;
  if ('reconcile' in step) ctx.run = await reconcileAndRecord(ctx.runOptions, ctx.store);
  else if ('wait' in step) await new Promise((r) => setTimeout(r, step.wait));
  else if ('alertStarts' in step) ctx.startsAt = new Date();
  else if ('edit' in step) {
    const [kind, name] = step.edit.object.split('/') as [string, string];
    const c = clientsOn(step.edit.cluster);
    const data =
      kind === 'Secret'
        ? Object.fromEntries(
            Object.entries(step.edit.data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          )
        : step.edit.data;
    const body = { data };
    const params = { name, namespace: s.id, body, fieldManager: step.edit.manager };
    if (kind === 'Secret') await c.core.patchNamespacedSecret(params, mergePatch);
    else await c.core.patchNamespacedConfigMap(params, mergePatch);
  } else if ('delete' in step) {
    const [kind, name] = step.delete.object.split('/') as [string, string];
    const c = clientsOn(step.delete.cluster);
    if (kind === 'Secret') await c.core.deleteNamespacedSecret({ name, namespace: s.id });
    else await c.core.deleteNamespacedConfigMap({ name, namespace: s.id });
  } else if ('commit' in step) {
    const path = join(ctx.repo, 'base', step.commit.file);
    let text = step.commit.content;
    if (step.commit.set) {
      const doc = parse(await readFile(path, 'utf8')) as {
        data?: Record<string, string>;
        stringData?: Record<string, string>;
      };
      const field = doc.stringData ? 'stringData' : 'data';
      doc[field] = { ...(doc[field] ?? {}), ...step.commit.set };
      text = stringify(doc);
    }
    await writeFile(path, text ?? '');
    await git(ctx.repo, ['commit', '-q', '-am', step.commit.message], step.commit.author);
  }
}

/** setUpScenario sets the scenario up on the fleet and returns what its investigation needs. */
export async function setUpScenario(
  s: Scenario,
  work: string,
  kubeconfig: string,
  store: AuditStore,
): Promise<Setup> {
  const clients = clientsOf(kubeconfig, s.clusters);
  for (const c of clients.values()) await c.core.createNamespace({ body: { metadata: { name: s.id } } });
  const repo = join(work, 'repo');
  await mkdir(repo, { recursive: true });
  await writeRepo(repo, s);
  const runOptions: RunOptions = {
    repo,
    kubeconfig,
    cacheDir: join(work, 'cache'),
    fieldManager: 'trueup',
    timeout: 15,
  };
  const ctx: StepContext = { s, repo, clients, runOptions, store };
  ctx.run = await reconcileAndRecord(runOptions, store);
  // The policies come after the first rollout, so an approve-mode policy does not hold the creation.
  if (s.policy) {
    await writeFile(join(repo, 'policies.yaml'), s.policy);
    await git(repo, ['add', 'policies.yaml']);
    await git(repo, ['commit', '-q', '-m', `${s.id}: policies`]);
  }
  for (const w of s.workloads)
    for (const cluster of w.clusters ?? s.clusters)
      await createWorkload(clients.get(cluster) as Clients, s.id, w);
  for (const svc of s.services)
    for (const c of clients.values())
      await c.core.createNamespacedService({
        namespace: s.id,
        body: { metadata: { name: svc.name }, spec: { selector: svc.selector, ports: [{ port: 80 }] } },
      });
  for (const step of s.steps) await runStep(ctx, step);
  // The investigation reads the repo as it is now (a commit after the last reconcile included).
  const run = await loadFleetRun(runOptions);
  await ctx.run?.access.close();
  return { runOptions, run, startsAt: ctx.startsAt ?? new Date(Date.now() + 1000) };
}
