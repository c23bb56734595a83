/**
 * The identifiers an incident message carries for its top cause, as the seed's incident message did:
 * the ConfigMap or Secret, its resourceVersion, the git commit, who changed it (audit attribution)
 * and, where a workload is involved, the UIDs of its pods. Pure; no value of the object, so a
 * Secret's values never reach a message through here.
 */
import { formatObjectRef } from '../reconciler/core/object-ref.ts';
import type { AlertGroup } from './alert.ts';
import { blameThreshold, configRef, rankCauses } from './heuristic.ts';
import type { Incident } from './incident.ts';
import type { ConfigEvidence, EvidenceBundle } from './model.ts';

/** CauseFacts are the top cause's identifiers. */
export interface CauseFacts {
  /** object names the ConfigMap or Secret: `ConfigMap shop/app on prod-eu`. */
  object: string;
  /** resourceVersion of the live object (the drifted one, when it drifted). */
  resourceVersion?: string;
  /** commit is the git commit: the one the cause cites, else the one that last set a drifted key, else the revision in use. */
  commit?: string;
  /** users who changed it (audit attribution); null: attribution is on but no audit event matched. */
  users: (string | null)[];
  /** pods of the alerting workloads that use it (the first three), with their UIDs. */
  pods: { name: string; uid: string }[];
}

/** maxPods bounds the pods named in a message. */
const maxPods = 3;

/**
 * topCauseFacts is the identifiers of the incident's top cause: the first ConfigMap or Secret an LLM
 * diagnosis cites, else the offline ranking's top cause (above the blame threshold). Undefined when
 * there is no evidence or nothing is blamed.
 */
export function topCauseFacts(incident: Incident): CauseFacts | undefined {
  const bundle = incident.evidence;
  if (!bundle) return undefined;
  const top = topCause(incident, bundle);
  if (!top) return undefined;
  const { config, evidence } = top;
  const users = [...new Set((config.drift?.driftedBy ?? []).map((d) => d.user))].filter(
    (u): u is string | null => u !== undefined,
  );
  const resourceVersion = config.drift?.resourceVersion ?? config.live?.resourceVersion;
  const commit = commitOf(config, evidence) ?? bundle.revision;
  return {
    object: `${config.kind} ${config.namespace}/${config.name} on ${config.cluster}`,
    ...(resourceVersion ? { resourceVersion } : {}),
    ...(commit ? { commit } : {}),
    users,
    pods: podsUsing(config, bundle),
  };
}

function topCause(
  incident: Incident,
  bundle: EvidenceBundle,
): { config: ConfigEvidence; evidence: string[] } | undefined {
  const d = incident.diagnosis;
  if (d?.source === 'llm') {
    for (const ref of d.answer.evidence) {
      const config = bundle.configs.find((c) => ref === configRef(c) || ref.startsWith(`${configRef(c)}#`));
      if (config) return { config, evidence: d.answer.evidence };
    }
  }
  // The offline ranking reads only the alerts' start times of the group.
  const group = { ...incident, version: '4', truncatedAlerts: 0 } as AlertGroup;
  const [cause] = rankCauses(group, bundle, new Date(incident.updated)).filter(
    (c) => c.score >= blameThreshold,
  );
  const config = cause && bundle.configs.find((c) => formatObjectRef(c) === cause.target);
  return config && cause ? { config, evidence: cause.evidence } : undefined;
}

/** commitOf is the commit the cause cites (`commit:<sha>`), else the one that last set a drifted key. */
function commitOf(config: ConfigEvidence, evidence: string[]): string | undefined {
  const cited = evidence.find((e) => e.startsWith('commit:'))?.slice('commit:'.length);
  if (cited) return cited;
  const paths = config.drift?.changes.map((c) => c.path) ?? [];
  return paths.map((p) => config.provenance[p]?.commit).find((c) => c !== undefined);
}

function podsUsing(config: ConfigEvidence, bundle: EvidenceBundle): CauseFacts['pods'] {
  const uses = (r: { kind: string; namespace: string; name: string }) =>
    r.kind === config.kind && r.namespace === config.namespace && r.name === config.name;
  return bundle.workloads
    .filter((w) => w.subject.cluster === config.cluster && w.references.some(uses))
    .flatMap((w) => w.pods)
    .flatMap((p) => (p.uid ? [{ name: p.name, uid: p.uid }] : []))
    .slice(0, maxPods);
}
