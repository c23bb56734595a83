/**
 * The diagnose vocabulary, shared by evidence, the offline diagnoser, the LLM agent, incidents and
 * the HTTP edge. Pure types and zod schemas: no I/O. Secret values never appear in any of these:
 * a Secret is known by its key names and `hmac-sha256:<12 hex>` digests only.
 */
import { z } from 'zod';
import type { Drift, KeyOrigin, ManagedKind, ObjectRef } from '../reconciler/core/model.ts';
import type { RemediationRecord } from '../reconciler/store/store.ts';

/** WorkloadKind is a kind an alert can point at (besides ConfigMap and Secret). */
export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job';

/** Subject is one object an alert's labels name, on one cluster. */
export interface Subject {
  cluster: string;
  kind: WorkloadKind | ManagedKind;
  namespace: string;
  name: string;
  /** container, when the alert names one (`container` label). */
  container?: string;
}

/** ReferenceVia says how a pod spec uses a ConfigMap or Secret. */
export type ReferenceVia = 'env' | 'envFrom' | 'volume' | 'projected';

/** ConfigReference is a ConfigMap or Secret a workload's pod spec uses. */
export interface ConfigReference {
  kind: ManagedKind;
  namespace: string;
  name: string;
  /** keys are the keys the spec names (env valueFrom, volume items); empty means the whole object. */
  keys: string[];
  via: ReferenceVia[];
  /** containers that use it (empty for volumes not mounted by a named container). */
  containers: string[];
  optional: boolean;
}

/** ContainerState is one container's status, as far as diagnosis cares. */
export interface ContainerState {
  name: string;
  ready: boolean;
  restarts: number;
  /** waiting reason, e.g. CrashLoopBackOff, CreateContainerConfigError. */
  waiting?: { reason: string; message?: string };
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string; message?: string };
}

/** PodState is one pod's status summary. */
export interface PodState {
  name: string;
  namespace: string;
  /** uid tells this pod from an earlier one of the same name (incident messages name it). */
  uid?: string;
  phase: string;
  node?: string;
  owner?: { kind: string; name: string };
  containers: ContainerState[];
}

/** EventSummary is one Kubernetes Event, trimmed. */
export interface EventSummary {
  type: string;
  reason: string;
  message: string;
  object: { kind: string; name: string; namespace: string };
  count: number;
  lastSeen?: string;
  source?: string;
}

/** WorkloadEvidence is what was found for one workload subject. */
export interface WorkloadEvidence {
  subject: Subject;
  found: boolean;
  /** error says why it could not be read (unreachable, forbidden); found is then false. */
  error?: string;
  pods: PodState[];
  references: ConfigReference[];
  events: EventSummary[];
}

/** ConfigEvidence is everything known about one referenced ConfigMap or Secret. */
export interface ConfigEvidence extends ObjectRef {
  /** usedBy names the workloads (kind/name) and keys that reference it. */
  usedBy: { workload: string; keys: string[]; via: ReferenceVia[]; optional?: boolean }[];
  /** live is the object's content now: ConfigMap values trimmed, Secret values as digests. */
  live?: { resourceVersion: string; data: Record<string, string>; labels: Record<string, string> };
  liveError?: string;
  /** managed tells whether the fleet repo declares the object for this cluster. */
  managed: boolean;
  /** drift is the current drift (with decision and attribution), when the object is not in sync. */
  drift?: Drift;
  /** drifts are recent recorded drift detections, newest first. */
  drifts: { id: number; time: string; revision: string; status: string; paths: string[] }[];
  remediations: RemediationRecord[];
  /** provenance of each desired key: file, line and the commit that last set it (with its time). */
  provenance: Record<string, KeyOrigin & { time?: string; author?: string; summary?: string }>;
  /** commits are recent commits touching the files that declare it, newest first. */
  commits: { commit: string; author?: string; time?: string; summary?: string; file: string }[];
  events: EventSummary[];
  /**
   * revert is the revert patch of the commit that last set the keys its workloads use (ConfigMaps
   * only: a Secret's values never go into a patch), when trueup rolled that commit out.
   */
  revert?: RevertEvidence;
}

/** RevertEvidence is a commit's revert patch: exactly the lines it set for the object's keys. */
export interface RevertEvidence {
  commit: string;
  file: string;
  /** patch is a unified diff against the file at the revision in use (`git apply` reads it). */
  patch: string;
  /** keys say which key each changed line is, and whether the patch restores or removes it. */
  keys: { path: string; line: number; action: 'restore' | 'remove' }[];
}

/** Injection is instruction-like text found in an alert or the evidence: a possible prompt injection. */
export interface Injection {
  /** where it was found, e.g. `alert <fingerprint> annotation description`, `cluster/ns/ConfigMap/name key K`. */
  where: string;
  excerpt: string;
}

/** EvidenceBundle is the deterministic evidence gathered for an incident before any LLM. */
export interface EvidenceBundle {
  gatheredAt: string;
  revision?: string;
  subjects: Subject[];
  workloads: WorkloadEvidence[];
  configs: ConfigEvidence[];
  /** notes say what could not be gathered and why (never silently missing). */
  notes: string[];
  /** injections flag instruction-like text in the alerts or the evidence (never followed). */
  injections?: Injection[];
}

/**
 * proposalLimits cap the lengths of a proposal's fields: a longer field fails the schema (the model
 * is told which, and gets one corrective turn), so nothing unbounded is stored, shown or validated.
 */
export const proposalLimits = {
  summary: 2000,
  rootCause: 4000,
  evidence: 50,
  evidenceRef: 500,
  /** target: cluster/namespace/Kind/name (a name alone may be 253 characters). */
  target: 600,
  revision: 100,
  file: 1000,
  description: 2000,
  patch: 20_000,
  steps: 20,
  step: 1000,
} as const;

const description = z.string().max(proposalLimits.description).default('');
const target = z.string().max(proposalLimits.target);

/** fixSchema is a proposed fix, from the LLM agent or the offline diagnoser. */
export const fixSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('revert-drift'),
    /** target is `cluster/namespace/Kind/name` of a ConfigMap or Secret the repo declares. */
    target,
    description,
  }),
  z.object({
    type: z.literal('apply-git-revision'),
    target,
    revision: z.string().max(proposalLimits.revision),
    description,
  }),
  z.object({
    type: z.literal('repo-change'),
    /** file is the repo path to change; patch is the YAML to commit (a proposal, never applied). */
    file: z.string().max(proposalLimits.file),
    patch: z.string().max(proposalLimits.patch),
    description,
  }),
  z.object({
    type: z.literal('manual'),
    steps: z.array(z.string().max(proposalLimits.step)).min(1).max(proposalLimits.steps),
    description,
  }),
]);

/** Fix is a proposed fix. */
export type Fix = z.infer<typeof fixSchema>;

/** diagnosisAnswerSchema is the final answer an agent must produce (and the offline one does). */
export const diagnosisAnswerSchema = z.object({
  summary: z.string().min(1).max(proposalLimits.summary),
  rootCause: z.string().min(1).max(proposalLimits.rootCause),
  confidence: z.number().min(0).max(1),
  /** evidence are references into the bundle, e.g. `config:cluster/ns/ConfigMap/name#data.key`. */
  evidence: z.array(z.string().max(proposalLimits.evidenceRef)).max(proposalLimits.evidence).default([]),
  fix: fixSchema.optional(),
  risk: z.enum(['low', 'medium', 'high']),
});

/** DiagnosisAnswer is a parsed final answer. */
export type DiagnosisAnswer = z.infer<typeof diagnosisAnswerSchema>;

/** FixValidation says whether a proposed fix passed the dry-run and policy gates. */
export interface FixValidation {
  status: 'validated' | 'not-validated' | 'not-applicable';
  /** reasons: the dry-run and policy verdicts, or why it could not be validated. */
  reasons: string[];
  /** approval is the pending approval id queued for it (`trueup approve <id>`). */
  approval?: string;
  /** applied is set when policy said auto and the change was applied. */
  applied?: boolean;
}

/** Usage counts an investigation's model use. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  steps: number;
  /** costUsd, when prices per token are configured. */
  costUsd?: number;
}

/** Diagnosis is an investigation's result. */
export interface Diagnosis {
  /** source says who produced it: the LLM agent, or the deterministic heuristic. */
  source: 'llm' | 'heuristic';
  /** model names the model for source llm. */
  model?: string;
  answer: DiagnosisAnswer;
  validation?: FixValidation;
  usage?: Usage;
  /** fallbackReason says why the heuristic answered (no LLM configured, timeout, bad answer…). */
  fallbackReason?: string;
  /**
   * afterAlert lists what changed after the alert started (beyond a 1 s grace window for clock
   * skew), by trueup's own detection time where it has one: never a cause, said so.
   */
  afterAlert?: string[];
  /**
   * unsupported are model answers not shown as the diagnosis, with why: they cite no evidence in
   * the bundle, touch objects outside it and the repo, or contradict the deterministic cause.
   */
  unsupported?: UnsupportedAnswer[];
  durationMs: number;
}

/** UnsupportedAnswer is a model's answer kept below the fold, with the reasons it was not shown as the diagnosis. */
export interface UnsupportedAnswer {
  model?: string;
  answer: DiagnosisAnswer;
  reasons: string[];
}
