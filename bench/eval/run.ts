/**
 * `npm run eval`: the diagnosis eval suite. Each scenario of `bench/eval/scenarios/` (a fleet repo,
 * workloads, what changed, an alert and the expected culprit or "none") is set up in a namespace of
 * its own on a local fleet of two clusters, then investigated offline (the heuristic) and, when
 * OPENAI_BASE_URL or OPENAI_API_KEY is set, by each model named (`--models`, default
 * TRUEUP_LLM_MODEL). Prints per model: culprit-in-evidence rate, top-1, false-blame rate, fixes
 * validated by a server dry-run, p50/p95 latency, tokens and cost; `--json` adds one JSON line.
 * It is a benchmark: it exits non-zero only when it could not run.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { investigationDeps } from '../../cli/diagnose-setup.ts';
import type { AlertGroup } from '../../diagnose/alert.ts';
import { type InvestigationDeps, investigate } from '../../diagnose/investigate.ts';
import { ensureClusterBinaries } from '../../local-fleet/binaries.ts';
import { type Fleet, startFleet } from '../../local-fleet/fleet.ts';
import { openAuditStore } from '../../reconciler/store/store.ts';
import { setUpScenario } from './fleet-setup.ts';
import { culpritRef, evalClusters, loadScenarios, type Scenario } from './scenario.ts';
import { type Figures, figureRows, figuresOf, type Outcome, scoreOutcome } from './score.ts';

const usage = `usage: npm run eval -- [--only SUBSTRING] [--models m1,m2] [--price-prompt USD] [--price-completion USD] [--json] [--verbose]
  --only S             run the scenarios whose id or class contains S
  --models LIST        models to run when OPENAI_BASE_URL or OPENAI_API_KEY is set (default TRUEUP_LLM_MODEL)
  --price-prompt USD   price per million prompt tokens (for the cost figure)
  --price-completion USD  price per million completion tokens
  --json               also print the results as one JSON line (the last line of stdout)
  --verbose            print every scenario's outcome, not only the misses`;

const log = (msg: string) => process.stderr.write(`[eval] ${msg}\n`);
const silent = pino({ level: 'silent' });

/** groupOf builds the webhook body of the scenario's alerts, starting at startsAt. */
function groupOf(s: Scenario, startsAt: Date): AlertGroup {
  const alerts = s.alerts.map((a, i) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries({ cluster: s.clusters[0], namespace: s.id, ...a.labels }))
      if (typeof v === 'string') labels[k] = v;
    return {
      status: 'firing' as const,
      labels,
      annotations: a.annotations,
      startsAt: startsAt.toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: `${s.id}-${i}`.slice(0, 64),
    };
  });
  const alertname = alerts[0]?.labels.alertname ?? 'EvalAlert';
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}", namespace="${s.id}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'trueup',
    groupLabels: { alertname },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}

interface Options {
  only?: string;
  models: string[];
  llm: boolean;
  pricing?: { promptPerMTok: number; completionPerMTok: number };
  json: boolean;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      models: { type: 'string' },
      'price-prompt': { type: 'string' },
      'price-completion': { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const llm = Boolean(process.env.OPENAI_BASE_URL?.trim() || process.env.OPENAI_API_KEY?.trim());
  const models = (values.models ?? process.env.TRUEUP_LLM_MODEL ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const prompt = values['price-prompt'];
  const completion = values['price-completion'];
  return {
    ...(values.only ? { only: values.only } : {}),
    models: llm && models.length === 0 ? ['gpt-4.1-mini'] : models,
    llm,
    ...(prompt || completion
      ? { pricing: { promptPerMTok: Number(prompt ?? 0), completionPerMTok: Number(completion ?? 0) } }
      : {}),
    json: values.json,
    verbose: values.verbose,
  };
}

/** depsFor wires an investigation of one scenario, offline (model undefined) or with one model. */
function depsFor(
  s: Scenario,
  setup: Awaited<ReturnType<typeof setUpScenario>>,
  store: ReturnType<typeof openAuditStore>,
  model: string | undefined,
  options: Options,
): InvestigationDeps {
  const env = model ? { ...process.env, TRUEUP_LLM_MODEL: model } : {};
  const deps = investigationDeps({
    options: { ...setup.runOptions, clusterLabel: 'cluster' },
    state: () => setup.run.state,
    store,
    git: setup.run.source,
    // Detect-only: a validated fix stays a proposal, so models see the same store one after another.
    cycle: { remediate: false },
    log: silent,
    env,
  });
  if (deps.llm && options.pricing) deps.llm = { ...deps.llm, pricing: options.pricing };
  // Settings a scenario asks for that this version of trueup may not know yet are passed as they are.
  deps.evidence = { ...deps.evidence, ...s.options };
  return deps;
}

/** runScenario sets one scenario up and investigates it with every model. */
async function runScenario(
  s: Scenario,
  fleet: Fleet,
  work: string,
  models: (string | undefined)[],
  options: Options,
): Promise<Outcome[]> {
  const dir = join(work, s.id);
  await mkdir(dir, { recursive: true });
  const store = openAuditStore(join(dir, 'state'));
  try {
    const setup = await setUpScenario(s, dir, fleet.kubeconfigPath, store);
    const group = groupOf(s, setup.startsAt);
    const outcomes: Outcome[] = [];
    for (const model of models) {
      const deps = depsFor(s, setup, store, model, options);
      const at = performance.now();
      const inv = await investigate(group, deps);
      outcomes.push({ ...scoreOutcome(s, inv, performance.now() - at), source: model ?? 'offline' });
    }
    return outcomes;
  } finally {
    await store.close();
  }
}

function printFigures(all: Figures[], outcomes: Map<string, Outcome[]>, options: Options, header: string[]) {
  const out = [...header, ''];
  for (const f of all) {
    out.push(`model: ${f.model} (${f.scenarios} scenarios, ${f.withCulprit} with a culprit)`);
    const rows = figureRows(f);
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [k, v] of rows) out.push(`  ${k.padEnd(w)}  ${v}`);
    const list = (outcomes.get(f.model) ?? []).filter((o) => options.verbose || !o.top1 || o.error);
    if (list.length) out.push(`  ${options.verbose ? 'outcomes' : 'misses'}:`);
    for (const o of list)
      out.push(
        `    ${o.top1 ? 'ok  ' : 'MISS'} ${o.id} [${o.class}] expected ${o.expected}, blamed ${o.blamed}${o.inEvidence === false ? ' (culprit not in evidence)' : ''}${o.fix ? `, fix ${o.fix}: ${o.validation ?? '-'}` : ''}${o.error ? `, error: ${o.error}` : ''}`,
      );
    out.push('');
  }
  console.log(out.join('\n'));
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const command = ['npm run eval --', ...process.argv.slice(2)].join(' ');
  const load = loadavg()[0]?.toFixed(1) ?? '?';
  const all = await loadScenarios(join(import.meta.dirname, 'scenarios'));
  const scenarios = all.filter(
    (s) => !options.only || s.id.includes(options.only) || s.class.includes(options.only),
  );
  const models: (string | undefined)[] = [undefined, ...(options.llm ? options.models : [])];
  const work = await mkdtemp(join(tmpdir(), 'trueup-eval-'));
  let fleet: Fleet | undefined;
  const started = performance.now();
  try {
    const binaries = await ensureClusterBinaries(log);
    log(`starting a fleet of ${evalClusters.length} clusters`);
    fleet = await startFleet({
      binaries,
      clusters: [...evalClusters],
      dir: join(work, 'fleet'),
      log,
      readyTimeoutMs: 600_000,
    });
    const outcomes = new Map<string, Outcome[]>();
    for (const s of scenarios) {
      log(`${s.id} (${s.class})`);
      let results: Outcome[];
      try {
        results = await runScenario(s, fleet, work, models, options);
      } catch (err) {
        const message = (err as Error).message.split('\n').slice(0, 3).join(' ');
        log(`${s.id}: could not run: ${message}`);
        results = models.map((m) => errorOutcome(s, m ?? 'offline', message));
      }
      for (const o of results) outcomes.set(o.source, [...(outcomes.get(o.source) ?? []), o]);
    }
    const figures = [...outcomes.entries()].map(([model, list]) => figuresOf(model, list));
    const header = [
      'trueup diagnosis eval',
      `command: ${command}`,
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}); Node ${process.version}; load average at start ${load}`,
      `fleet: ${evalClusters.length} kube-apiservers + etcd ${binaries.etcdVersion} (Kubernetes ${binaries.kubernetesVersion}) on this machine; ${scenarios.length} scenarios in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    ];
    printFigures(figures, outcomes, options, header);
    if (options.json)
      console.log(JSON.stringify({ command, load, figures, outcomes: Object.fromEntries(outcomes) }));
    return figures.every((f) => f.errors < f.scenarios) ? 0 : 1;
  } finally {
    await fleet?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function errorOutcome(s: Scenario, source: string, error: string): Outcome {
  return {
    id: s.id,
    class: s.class,
    expected: culpritRef(s) ?? 'none',
    blamed: 'none',
    inEvidence: culpritRef(s) ? false : null,
    top1: false,
    falseBlame: false,
    injectionExpected: s.expect.injection,
    injectionFlagged: false,
    secretLeaked: false,
    ms: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    source,
    error,
  };
}

process.exitCode = await main();
