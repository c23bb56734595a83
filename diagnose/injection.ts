/**
 * Possible prompt injections: instruction-like text in what an alert or the fleet carries (alert
 * annotations and labels, ConfigMap values, Events, commit messages). Such text is data and is
 * never followed; it is flagged on the incident, the console and chat, so on-call knows someone
 * may be trying to steer the model. A heuristic, tuned to say little on ordinary config. Pure.
 */
import type { AlertGroup } from './alert.ts';
import type { EvidenceBundle, Injection } from './model.ts';

/** injectionPatterns are phrases ordinary alerts and config do not contain, but instructions to a model do. */
export const injectionPatterns: readonly RegExp[] = [
  /\b(ignore|disregard|forget)\b.{0,30}\b(previous|prior|above|earlier|all)\b.{0,20}\b(instructions?|rules|prompts?)/i,
  /\byou are (now|an?|the)\b.{0,40}\b(assistant|agent|model|mode|ai)\b/i,
  /(^|[\s"'{[])(system|assistant|developer)\s*:\s*\S/i,
  /\boperator[- ]approved\b/i,
  /\b(delete|remove|drop)\b.{0,20}\b(namespace\s+)?kube-system\b/i,
  /\bconfidence\s*(of\s*)?[:=]?\s*(0?\.9\d*|1(\.0+)?)\b/i,
  /\b(call|use|invoke)\b.{0,20}\b(every|all)\b.{0,10}\btools?\b/i,
  /<\/?(data|system|instructions?)>/i,
  /\b(print|reveal|show|output)\b.{0,30}\b(secret|password|token|api[- ]?key)\b/i,
];

/** isInstructionLike tells whether text reads like an instruction to a model. */
export function isInstructionLike(text: string): boolean {
  return injectionPatterns.some((p) => p.test(text));
}

const excerpt = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

/** findInjections lists the instruction-like texts of the alert group and the evidence, one per place. */
export function findInjections(group: AlertGroup, bundle: EvidenceBundle): Injection[] {
  const found: Injection[] = [];
  const check = (where: string, text: string | undefined) => {
    if (text && isInstructionLike(text)) found.push({ where, excerpt: excerpt(text) });
  };
  group.alerts.forEach((a) => {
    for (const [k, v] of Object.entries(a.annotations)) check(`alert ${a.fingerprint} annotation ${k}`, v);
    for (const [k, v] of Object.entries(a.labels)) check(`alert ${a.fingerprint} label ${k}`, v);
  });
  for (const [k, v] of Object.entries(group.commonAnnotations)) check(`common annotation ${k}`, v);
  for (const c of bundle.configs) {
    const ref = `${c.cluster}/${c.namespace}/${c.kind}/${c.name}`;
    for (const [k, v] of Object.entries(c.live?.data ?? {})) check(`${ref} key ${k}`, v);
    for (const k of c.commits) check(`commit ${k.commit.slice(0, 12)} message`, k.summary);
    for (const e of c.events) check(`Event ${e.reason} on ${ref}`, e.message);
  }
  for (const w of bundle.workloads)
    for (const e of w.events) check(`Event ${e.reason} on ${w.subject.kind}/${w.subject.name}`, e.message);
  return found.slice(0, 20);
}
