/**
 * The incident part of the console's API contract (`/api/v1/incidents`): alerts, the evidence
 * gathered for them, and the diagnosis. Everything here came from alerts and clusters, so it is
 * untrusted text: the console renders it as text only, never as HTML.
 */
import type { Drift, KeyOrigin, RemediationRecord } from './types.ts';

/** Alert is one Alertmanager alert of an incident's group. */
export interface Alert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  fingerprint?: string;
}

/** Subject is an object an alert names, on one cluster. */
export interface Subject {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  container?: string;
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
  phase: string;
  containers: ContainerState[];
}

/** EventSummary is one Kubernetes Event, trimmed. */
export interface EventSummary {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen?: string;
}

/** WorkloadEvidence is what was found for one workload an alert names. */
export interface WorkloadEvidence {
  subject: Subject;
  found: boolean;
  error?: string;
  pods: PodState[];
  references: { kind: string; namespace: string; name: string; keys: string[]; via: string[] }[];
  events: EventSummary[];
}

/** ConfigEvidence is everything known about one referenced ConfigMap or Secret. */
export interface ConfigEvidence {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  managed: boolean;
  drift?: Drift;
  live?: { resourceVersion: string; data: Record<string, string> };
  liveError?: string;
  provenance: Record<string, KeyOrigin>;
  commits: { commit: string; author?: string; time?: string; summary?: string; file: string }[];
  remediations: RemediationRecord[];
  drifts: { id: number; time: string; revision: string; status: string; paths: string[] }[];
  events: EventSummary[];
  usedBy: { workload: string; keys: string[] }[];
}

/** Evidence is the deterministic evidence gathered for an incident. */
export interface Evidence {
  revision?: string;
  subjects: Subject[];
  workloads: WorkloadEvidence[];
  configs: ConfigEvidence[];
  notes: string[];
}

/** Fix is a proposed fix. */
export type Fix =
  | { type: 'revert-drift'; target: string; description?: string }
  | { type: 'apply-git-revision'; target: string; revision: string; description?: string }
  | { type: 'repo-change'; file: string; patch: string; description?: string }
  | { type: 'manual'; steps: string[]; description?: string };

/** Diagnosis is an investigation's result, from the LLM agent or the offline heuristic. */
export interface Diagnosis {
  source: 'llm' | 'heuristic';
  model?: string;
  fallbackReason?: string;
  answer: {
    summary: string;
    rootCause: string;
    confidence: number;
    evidence: string[];
    fix?: Fix;
    risk: 'low' | 'medium' | 'high';
  };
  validation?: {
    status: 'validated' | 'not-validated' | 'not-applicable';
    reasons: string[];
    approval?: string;
    applied?: boolean;
  };
  usage?: { promptTokens: number; completionTokens: number; steps: number; costUsd?: number };
  durationMs: number;
}

/** Incident is one alert group's incident (the list leaves `evidence` out). */
export interface Incident {
  id: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  opened: string;
  updated: string;
  resolved?: string;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: Alert[];
  investigation: 'queued' | 'running' | 'done' | 'failed';
  error?: string;
  evidence?: Evidence;
  diagnosis?: Diagnosis;
}
