/**
 * Diagnose metrics (prom-client), registered on the daemon's registry: webhook notifications by
 * outcome, investigations by source and outcome, their duration, the queue depth, and the model's
 * tokens and cost.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** DiagnoseMetrics are the metrics the incident desk updates. */
export interface DiagnoseMetrics {
  notifications: Counter<'outcome'>;
  investigations: Counter<'source' | 'outcome'>;
  investigationDuration: Histogram<'source'>;
  queueDepth: Gauge;
  llmTokens: Counter<'kind'>;
  llmCost: Counter;
}

/** createDiagnoseMetrics registers the diagnose metrics on a registry. */
export function createDiagnoseMetrics(registry: Registry): DiagnoseMetrics {
  const registers = [registry];
  return {
    notifications: new Counter({
      name: 'trueup_alert_notifications_total',
      help: 'Alertmanager webhook notifications, by outcome (opened, updated, duplicate, resolved, overloaded).',
      labelNames: ['outcome'],
      registers,
    }),
    investigations: new Counter({
      name: 'trueup_investigations_total',
      help: 'Investigations finished, by diagnosis source (llm, heuristic) and outcome (done, failed).',
      labelNames: ['source', 'outcome'],
      registers,
    }),
    investigationDuration: new Histogram({
      name: 'trueup_investigation_duration_seconds',
      help: 'Time from the start of an investigation to its diagnosis, model time included.',
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'trueup_investigation_queue_depth',
      help: 'Investigations waiting or running.',
      registers,
    }),
    llmTokens: new Counter({
      name: 'trueup_llm_tokens_total',
      help: 'Tokens used by the diagnosis agent, by kind (prompt, completion).',
      labelNames: ['kind'],
      registers,
    }),
    llmCost: new Counter({
      name: 'trueup_llm_cost_usd_total',
      help: 'Cost of the diagnosis agent in US dollars, when prices are configured.',
      registers,
    }),
  };
}
