/**
 * The agent's tools: read-only views of the evidence sources (drift, objects, git history, events,
 * pods, remediations), with zod-defined arguments. ConfigMaps and Secrets come through the read
 * port, so a tool reads nothing the evidence already read. None of them can change anything, and every
 * object they return shows Secrets as key names and digests only. Targets outside the fleet are
 * refused, so the model cannot use them to look around a cluster at large; get_config reads only
 * the ConfigMaps and Secrets the repo declares or the alert's workloads use, and answers anything
 * else with a refusal the model can read.
 */
import { z } from 'zod';
import { formatObjectRef, parseObjectKey, parseObjectRef } from '../reconciler/core/model.ts';
import type { FleetState } from '../reconciler/repo/fleet-state.ts';
import { type AgentTool, defineTool } from './agent.ts';
import { type EvidenceSources, gatherConfigEvidence } from './evidence.ts';
import type { EvidenceBundle } from './model.ts';
import { configReferences } from './references.ts';

/**
 * readableConfigs lists, as `cluster/namespace/Kind/name`, the ConfigMaps and Secrets get_config
 * may read: those the repo declares for each fleet cluster (errored ones included), and those the
 * alert's workloads reference in the evidence. Nothing else on a cluster (kube-system, other
 * teams' Secrets) is the agent's business.
 */
export function readableConfigs(
  state: FleetState | undefined,
  evidence: Pick<EvidenceBundle, 'workloads'> | undefined,
): Set<string> {
  const readable = new Set<string>();
  for (const c of state?.clusters ?? []) {
    for (const o of c.objects) readable.add(formatObjectRef({ ...o, cluster: c.cluster.name }));
    for (const key of c.erroredObjects) {
      const object = parseObjectKey(key);
      if (object) readable.add(formatObjectRef({ ...object, cluster: c.cluster.name }));
    }
  }
  for (const w of evidence?.workloads ?? []) {
    for (const r of w.references) readable.add(formatObjectRef({ ...r, cluster: w.subject.cluster }));
  }
  return readable;
}

/** maxListedTargets caps the readable targets a refusal lists. */
const maxListedTargets = 20;

const target = z
  .string()
  .describe(
    'a ConfigMap or Secret as cluster/namespace/Kind/name, e.g. prod-eu/payments/ConfigMap/api-config',
  );
const objectArgs = z.object({
  cluster: z.string(),
  namespace: z.string(),
  kind: z.enum(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ConfigMap', 'Secret']),
  name: z.string(),
});

/**
 * agentTools returns the read-only tools over the evidence sources; evidence is the incident's
 * bundle, whose workloads' references get_config may read besides what the repo declares.
 */
export function agentTools(
  sources: EvidenceSources,
  evidence?: Pick<EvidenceBundle, 'workloads'>,
): AgentTool[] {
  const fleetClusters = () => sources.objects.state()?.fleet?.clusters.map((c) => c.name) ?? [];
  const checkCluster = (cluster: string) => {
    if (!fleetClusters().includes(cluster)) throw new Error(`cluster ${cluster} is not in the fleet`);
  };
  const reader = (cluster: string) => {
    checkCluster(cluster);
    const r = sources.reader(cluster);
    if (!r) throw new Error(`no access to cluster ${cluster}`);
    return r;
  };
  return [
    defineTool({
      name: 'get_config',
      description:
        "A ConfigMap or Secret that the fleet repo declares or that the alert's workloads use (others are refused): live content (Secret values as keyed digests), current drift from git with who changed what, the policy decision, recent drift records, remediations, provenance (file, line, commit of each key) and recent commits.",
      parameters: z.object({ target }),
      run: async ({ target: t }) => {
        const parsed = parseObjectRef(t);
        if (!parsed.ok) throw new Error(`not a cluster/namespace/ConfigMap|Secret/name target: ${t}`);
        const { ref } = parsed;
        checkCluster(ref.cluster);
        const readable = readableConfigs(sources.objects.state(), evidence);
        if (!readable.has(formatObjectRef(ref))) return refusal(t, readable);
        return gatherConfigEvidence(ref, [], sources);
      },
    }),
    defineTool({
      name: 'get_workload',
      description:
        'A Pod, Deployment, StatefulSet, DaemonSet or Job: found or not, its pods (restarts, waiting and termination reasons) and the ConfigMaps/Secrets it uses.',
      parameters: objectArgs,
      run: async ({ cluster, namespace, kind, name }) => {
        if (kind === 'ConfigMap' || kind === 'Secret')
          throw new Error('use get_config for ConfigMaps and Secrets');
        const r = reader(cluster);
        const read = await r.readWorkload(kind, namespace, name);
        if (!read.found) return { found: false };
        const pods = read.pod
          ? [read.pod]
          : read.selector
            ? await r.listPods(namespace, read.selector, 10)
            : [];
        return { found: true, pods, references: configReferences(read.podSpec, namespace) };
      },
    }),
    defineTool({
      name: 'get_events',
      description: 'Kubernetes Events about one object, newest first.',
      parameters: objectArgs,
      run: async ({ cluster, namespace, kind, name }) =>
        reader(cluster).events(namespace, { kind, name }, 20),
    }),
    defineTool({
      name: 'git_log',
      description: 'Recent commits of the fleet repo touching a file path (newest first).',
      parameters: z.object({ path: z.string(), max: z.number().int().min(1).max(20).default(10) }),
      run: async ({ path, max }) => {
        const revision = sources.objects.state()?.revision;
        return sources.git.log(path, { ...(revision ? { revision } : {}), max });
      },
    }),
    defineTool({
      name: 'list_remediations',
      description:
        'Recent remediations trueup attempted on an object (action, dry-run verdict, error, actor).',
      parameters: z.object({ cluster: z.string(), namespace: z.string(), name: z.string() }),
      run: async (q) => {
        checkCluster(q.cluster);
        return (await sources.objects.history({ ...q, limit: 20 })).remediations;
      },
    }),
  ];
}

/** refusal is get_config's answer for a target it may not read: why, and what it may read instead. */
function refusal(target: string, readable: Set<string>): { refused: string; readable: string[] } {
  const listed = [...readable].sort().slice(0, maxListedTargets);
  return {
    refused: `${target} is neither declared in the fleet repo nor used by the alert's workloads: get_config reads only those`,
    readable: readable.size > listed.length ? [...listed, `… ${readable.size - listed.length} more`] : listed,
  };
}
