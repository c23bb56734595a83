/**
 * The JSON shapes of `/api/v1/incidents`: alerts, the evidence gathered for them, and the diagnosis
 * (the same data as `diagnose/model.ts`, `diagnose/incident.ts` and `diagnose/alert.ts`; see
 * `contract.test.ts`). Everything here came from alerts and clusters, so it is untrusted text: the
 * console renders it as text only, never as HTML.
 */
import type { BlamedOrigin, Drift, ManagedKind, ObjectRef, RemediationRecord } from './drift.ts';

/** Alert is one Alertmanager alert of an incident's group (`endsAt` is `0001-01-01T00:00:00Z` while it fires). */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** WorkloadKind is a kind an alert can point at (besides ConfigMap and Secret). */
export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job';

/** Subject is an object an alert names, on one cluster. */
export interface Subject {
  cluster: string;
  kind: WorkloadKind | ManagedKind;
  namespace: string;
  name: string;
  container?: string;
}

/** ReferenceVia says how a pod spec uses a ConfigMap or Secret. */
export type ReferenceVia = 'env' | 'envFrom' | 'volume' | 'projected';

/** ConfigReference is a ConfigMap or Secret a workload's pod spec uses (`keys` empty: all of it). */
export interface ConfigReference {
  kind: ManagedKind;
  namespace: string;
  name: string;
  keys: string[];
  via: ReferenceVia[];
  containers: string[];
  optional: boolean;
}

/** ContainerState is one container's status, as far as diagnosis cares. */
export interface ContainerState {
  name: string;
  ready: boolean;
  restarts: number;
  waiting?: { reason: string; message?: string };
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string; message?: string };
}

/** PodState is one pod's status summary. */
export interface PodState {
  name: string;
  namespace: string;
  /** uid tells this pod from an earlier one of the same name. */
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

/** WorkloadEvidence is what was found for one workload an alert names. */
export interface WorkloadEvidence {
  subject: Subject;
  found: boolean;
  error?: string;
  pods: PodState[];
  references: ConfigReference[];
  events: EventSummary[];
}

/** ConfigEvidence is everything known about one referenced ConfigMap or Secret. */
export interface ConfigEvidence extends ObjectRef {
  usedBy: { workload: string; keys: string[]; via: ReferenceVia[]; optional?: boolean }[];
  live?: { resourceVersion: string; data: Record<string, string>; labels: Record<string, string> };
  liveError?: string;
  managed: boolean;
  drift?: Drift;
  drifts: { id: number; time: string; revision: string; status: string; paths: string[] }[];
  remediations: RemediationRecord[];
  provenance: Record<string, BlamedOrigin>;
  commits: { commit: string; author?: string; time?: string; summary?: string; file: string }[];
  events: EventSummary[];
  /** revert is the revert patch of the commit that last set the keys its workloads use (ConfigMaps only). */
  revert?: {
    commit: string;
    file: string;
    patch: string;
    keys: { path: string; line: number; action: 'restore' | 'remove' }[];
  };
}

/** EvidenceBundle is the deterministic evidence gathered for an incident before any LLM. */
export interface EvidenceBundle {
  gatheredAt: string;
  revision?: string;
  subjects: Subject[];
  workloads: WorkloadEvidence[];
  configs: ConfigEvidence[];
  /** notes say what could not be gathered and why. */
  notes: string[];
  /** injections flag instruction-like text in the alerts or the evidence: possible prompt injections. */
  injections?: Injection[];
}

/** Injection is instruction-like text found in an alert or the evidence (never followed). */
export interface Injection {
  where: string;
  excerpt: string;
}

/** Fix is a proposed fix (`target`: `cluster/namespace/Kind/name`). */
export type Fix =
  | { type: 'revert-drift'; target: string; description: string }
  | { type: 'apply-git-revision'; target: string; revision: string; description: string }
  | { type: 'repo-change'; file: string; patch: string; description: string }
  | { type: 'manual'; steps: string[]; description: string };

/** DiagnosisAnswer is the final answer of an investigation. */
export interface DiagnosisAnswer {
  summary: string;
  rootCause: string;
  confidence: number;
  evidence: string[];
  fix?: Fix;
  risk: 'low' | 'medium' | 'high';
}

/** FixValidation says whether a proposed fix passed the dry-run and policy gates. */
export interface FixValidation {
  status: 'validated' | 'not-validated' | 'not-applicable';
  reasons: string[];
  approval?: string;
  applied?: boolean;
}

/** Usage counts an investigation's model use. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  steps: number;
  costUsd?: number;
}

/** Diagnosis is an investigation's result, from the LLM agent or the offline heuristic. */
export interface Diagnosis {
  source: 'llm' | 'heuristic';
  model?: string;
  answer: DiagnosisAnswer;
  validation?: FixValidation;
  usage?: Usage;
  fallbackReason?: string;
  /** afterAlert: what changed after the alert started; never a cause. */
  afterAlert?: string[];
  /** unsupported: model answers kept below the fold, with why they are not the diagnosis. */
  unsupported?: UnsupportedAnswer[];
  durationMs: number;
}

/** UnsupportedAnswer is a model's answer not shown as the diagnosis, with the reasons. */
export interface UnsupportedAnswer {
  model?: string;
  answer: DiagnosisAnswer;
  reasons: string[];
}

/** InvestigationState is where an incident's investigation stands. */
export type InvestigationState = 'queued' | 'running' | 'done' | 'failed';

/** Incident is one alert group's incident: `GET /api/v1/incidents/:id`. */
export interface Incident {
  id: string;
  groupKey: string;
  receiver: string;
  status: 'firing' | 'resolved';
  opened: string;
  updated: string;
  resolved?: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Alert[];
  notifications: number;
  investigation: InvestigationState;
  investigations: number;
  evidence?: EvidenceBundle;
  diagnosis?: Diagnosis;
  error?: string;
}

/** IncidentSummary is an incident as the list shows it: without its evidence bundle. */
export type IncidentSummary = Omit<Incident, 'evidence'>;

/** IncidentList is the answer of `GET /api/v1/incidents`, newest first. */
export interface IncidentList {
  incidents: IncidentSummary[];
  /** next is the `cursor` of the next page, when there is one. */
  next?: string;
}
