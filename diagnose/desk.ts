/**
 * The incident desk: takes Alertmanager notifications (synchronously, so the webhook answers in
 * milliseconds), keeps one incident per alert group, and runs investigations in a bounded queue.
 * When the queue is full a notification that needs an investigation is refused as overloaded —
 * nothing is recorded, so Alertmanager's retry brings it back; nothing is dropped silently.
 */
import type { Logger } from 'pino';
import { llmRedactor } from './agent.ts';
import type { AlertGroup } from './alert.ts';
import { type Incident, type IntakeOutcome, receiveGroup } from './incident.ts';
import type { IncidentStore } from './incident-store.ts';
import { type InvestigationDeps, investigate } from './investigate.ts';
import type { DiagnoseMetrics } from './metrics.ts';

/** DeskOptions bound the investigation queue. */
export interface DeskOptions {
  /** maxQueued is how many investigations may wait or run at once. */
  maxQueued: number;
  /** concurrency is how many run at once. */
  concurrency: number;
  /** retryAfterSeconds is what an overloaded answer asks Alertmanager to wait. */
  retryAfterSeconds: number;
  /** investigate runs one investigation (default: investigate.ts; benchmarks and tests swap it). */
  investigate: typeof investigate;
}

/** defaultDeskOptions are the defaults of DeskOptions. */
export function defaultDeskOptions(): DeskOptions {
  return { maxQueued: 100, concurrency: 2, retryAfterSeconds: 30, investigate };
}

/** DeskResult is a notification's outcome (the webhook's answer). */
export type DeskResult =
  | { outcome: IntakeOutcome; incident: string }
  | { outcome: 'overloaded'; retryAfterSeconds: number };

/** IncidentListener hears every incident change (console and chat-ops subscribe). */
export type IncidentListener = (incident: Incident, change: IntakeOutcome | 'investigated') => void;

/** IncidentDesk receives notifications and investigates incidents. */
export class IncidentDesk {
  #store: IncidentStore;
  #deps: InvestigationDeps & { metrics?: DiagnoseMetrics; log: Logger };
  #options: DeskOptions;
  #queue: string[] = [];
  #running = new Set<string>();
  #listeners = new Set<IncidentListener>();
  #idle: (() => void)[] = [];

  constructor(store: IncidentStore, deps: InvestigationDeps, options: Partial<DeskOptions> = {}) {
    this.#store = store;
    this.#deps = deps;
    this.#options = { ...defaultDeskOptions(), ...options };
  }

  /** receive applies one notification; it never waits for an investigation. */
  receive(group: AlertGroup): DeskResult {
    const open = this.#store.openIncident(group.groupKey);
    const step = receiveGroup(open, group, this.#deps.now?.() ?? new Date(), () => this.#store.nextId());
    if (step.investigate && step.incident && !this.#isQueued(step.incident.id)) {
      if (this.#queue.length + this.#running.size >= this.#options.maxQueued) {
        this.#deps.metrics?.notifications.inc({ outcome: 'overloaded' });
        this.#deps.log.warn(
          { queued: this.#queue.length },
          'investigation queue full: asking Alertmanager to retry',
        );
        return { outcome: 'overloaded', retryAfterSeconds: this.#options.retryAfterSeconds };
      }
    }
    this.#deps.metrics?.notifications.inc({ outcome: step.outcome });
    if (!step.incident) return { outcome: step.outcome, incident: '' };
    this.#store.save(step.incident);
    if (step.investigate && !this.#isQueued(step.incident.id)) this.#queue.push(step.incident.id);
    if (step.outcome !== 'duplicate') this.#emit(step.incident, step.outcome);
    this.#pump();
    return { outcome: step.outcome, incident: step.incident.id };
  }

  /** onChange subscribes to incident changes; it returns the unsubscribe function. */
  onChange(listener: IncidentListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** idle resolves when no investigation is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** depth is how many investigations wait or run. */
  depth(): number {
    return this.#queue.length + this.#running.size;
  }

  #isQueued(id: string): boolean {
    return this.#queue.includes(id) || this.#running.has(id);
  }

  #emit(incident: Incident, change: IntakeOutcome | 'investigated'): void {
    for (const listener of this.#listeners) {
      try {
        listener(incident, change);
      } catch (err) {
        this.#deps.log.error({ err: (err as Error).message }, 'incident listener failed');
      }
    }
  }

  #pump(): void {
    this.#deps.metrics?.queueDepth.set(this.depth());
    while (this.#running.size < this.#options.concurrency && this.#queue.length > 0) {
      const id = this.#queue.shift() as string;
      this.#running.add(id);
      this.#run(id).finally(() => {
        this.#running.delete(id);
        this.#pump();
        if (this.depth() === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  async #run(id: string): Promise<void> {
    const log = this.#deps.log.child({ incident: id });
    const incident = this.#store.incident(id);
    if (!incident) return;
    this.#store.save({ ...incident, investigation: 'running' });
    try {
      const result = await this.#options.investigate(groupOf(incident), { ...this.#deps, log });
      // Re-read: notifications may have changed the incident (resolved it, added alerts) meanwhile.
      const latest = this.#store.incident(id) ?? incident;
      const done: Incident = { ...latest, investigation: 'done', ...result };
      delete done.error;
      this.#store.save(done);
      this.#deps.metrics?.investigations.inc({ source: result.diagnosis.source, outcome: 'done' });
      this.#emit(done, 'investigated');
    } catch (err) {
      // Stored, logged, shown in chat and served by the API: no credential may ride along.
      const message = llmRedactor(this.#deps.llm)((err as Error).message);
      log.error({ err: message }, 'investigation failed');
      const latest = this.#store.incident(id) ?? incident;
      const failed: Incident = { ...latest, investigation: 'failed', error: message };
      this.#store.save(failed);
      this.#deps.metrics?.investigations.inc({ source: 'none', outcome: 'failed' });
      this.#emit(failed, 'investigated');
    }
  }
}

/** groupOf rebuilds the alert group an incident stands for (all its alerts as last reported). */
export function groupOf(incident: Incident): AlertGroup {
  return {
    version: '4',
    groupKey: incident.groupKey,
    truncatedAlerts: 0,
    status: incident.status,
    receiver: incident.receiver,
    groupLabels: incident.groupLabels,
    commonLabels: incident.commonLabels,
    commonAnnotations: incident.commonAnnotations,
    externalURL: incident.externalURL,
    alerts: incident.alerts,
  };
}
