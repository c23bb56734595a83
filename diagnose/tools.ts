/**
 * The agent's tools: read-only views of the evidence sources (drift, objects, git history, events,
 * pods, remediations), with zod-defined arguments. None of them can change anything, and every
 * object they return shows Secrets as key names and digests only. Targets outside the fleet are
 * refused, so the model cannot use them to look around a cluster at large.
 */
import { z } from 'zod';
import { type AgentTool, defineTool } from './agent.ts';
import { type EvidenceSources, gatherConfigEvidence } from './evidence.ts';
import { parseTarget } from './fix-validation.ts';
import { configReferences } from './references.ts';

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

/** agentTools returns the read-only tools over the evidence sources. */
export function agentTools(sources: EvidenceSources): AgentTool[] {
  const fleetClusters = () => sources.state()?.fleet?.clusters.map((c) => c.name) ?? [];
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
        'A ConfigMap or Secret: live content (Secret values as sha256 digests), current drift from git with who changed what, the policy decision, recent drift records, remediations, provenance (file, line, commit of each key) and recent commits.',
      parameters: z.object({ target }),
      run: async ({ target: t }) => {
        const ref = parseTarget(t);
        if (!ref) throw new Error(`not a cluster/namespace/ConfigMap|Secret/name target: ${t}`);
        checkCluster(ref.cluster);
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
        const revision = sources.state()?.revision;
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
        return sources.store.remediations({ ...q, limit: 20 });
      },
    }),
  ];
}
