/**
 * The incident desk: takes Alertmanager notifications (one store read and write, so the webhook
 * answers in milliseconds; the investigation runs later), keeps one incident per alert group, and runs investigations in a bounded queue.
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
  // Read-modify-write of an incident, one at a time: an investigation marking it running must not
  // overwrite a notification counted meanwhile.
  #turn: Promise<unknown> = Promise.resolve();

  constructor(store: IncidentStore, deps: InvestigationDeps, options: Partial<DeskOptions> = {}) {
    this.#store = store;
    this.#deps = deps;
    this.#options = { ...defaultDeskOptions(), ...options };
  }

  /**
   * receive applies one notification; it never waits for an investigation. On a store replicas
   * share, the replica that opens a group's incident investigates it; one that lost the race to
   * open it applies the notification to the winner's incident instead (one incident, one investigation).
   */
  receive(group: AlertGroup): Promise<DeskResult> {
    return this.#exclusive(() => this.#receive(group));
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(work, work);
    this.#turn = run.catch(() => {});
    return run;
  }

  async #receive(group: AlertGroup): Promise<DeskResult> {
    for (let attempt = 0; ; attempt++) {
      const step = await this.#step(group);
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
      if (!step.incident) {
        this.#deps.metrics?.notifications.inc({ outcome: step.outcome });
        return { outcome: step.outcome, incident: '' };
      }
      // Another replica opened this group's incident first: apply the notification to that one.
      if (!(await this.#store.save(step.incident)) && attempt < 3) continue;
      this.#deps.metrics?.notifications.inc({ outcome: step.outcome });
      if (step.investigate && !this.#isQueued(step.incident.id)) this.#queue.push(step.incident.id);
      if (step.outcome !== 'duplicate') this.#emit(step.incident, step.outcome);
      this.#pump();
      return { outcome: step.outcome, incident: step.incident.id };
    }
  }

  // receiveGroup is pure: asked for a new id, it is run again with one from the store (ids are not spent on duplicates).
  async #step(group: AlertGroup) {
    const open = await this.#store.openIncident(group.groupKey);
    const now = this.#deps.now?.() ?? new Date();
    let wantsId = false;
    const first = receiveGroup(open, group, now, () => {
      wantsId = true;
      return '';
    });
    if (!wantsId) return first;
    const id = await this.#store.nextId();
    return receiveGroup(open, group, now, () => id);
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
    const incident = await this.#exclusive(async () => {
      const found = await this.#store.incident(id);
      if (found) await this.#store.save({ ...found, investigation: 'running' });
      return found;
    });
    if (!incident) return;
    try {
      const result = await this.#options.investigate(groupOf(incident), { ...this.#deps, log });
      // Re-read: notifications may have changed the incident (resolved it, added alerts) meanwhile.
      const done = await this.#exclusive(async () => {
        const latest = (await this.#store.incident(id)) ?? incident;
        const next: Incident = { ...latest, investigation: 'done', ...result };
        delete next.error;
        await this.#store.save(next);
        return next;
      });
      this.#deps.metrics?.investigations.inc({ source: result.diagnosis.source, outcome: 'done' });
      this.#emit(done, 'investigated');
    } catch (err) {
      // Stored, logged, shown in chat and served by the API: no credential may ride along.
      const message = llmRedactor(this.#deps.llm)((err as Error).message);
      log.error({ err: message }, 'investigation failed');
      const failed = await this.#exclusive(async () => {
        const latest = (await this.#store.incident(id)) ?? incident;
        const next: Incident = { ...latest, investigation: 'failed', error: message };
        await this.#store.save(next).catch(() => false);
        return next;
      });
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
