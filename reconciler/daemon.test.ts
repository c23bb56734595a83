import { describe, expect, it } from 'vitest';
import type { Decision } from '../policies/decision.ts';
import { heldReason } from './daemon.ts';
import type { ChangeSetEntry } from './reconcile.ts';

const entry = (decision: Decision, reasons = decision.reasons): ChangeSetEntry => ({
  cluster: 'c',
  kind: 'ConfigMap',
  namespace: 'n',
  name: 'o',
  action: 'skipped',
  reasons,
  decision,
});

describe('heldReason', () => {
  it.each([
    // a hold names itself, whatever the reason text says
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'limit' }), 'limit'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'window' }), 'window'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'policy-errors' }), 'policy-errors'],
    [entry({ mode: 'approve', reasons: ['x'], ruleRefs: [], hold: 'wave' }), 'wave'],
    // a rule's own mode
    [entry({ mode: 'observe', reasons: ['rule r matched: mode observe'], ruleRefs: [] }), 'observe'],
    // auto, held back by the plan
    [
      entry({ mode: 'auto', reasons: [], ruleRefs: [] }, [
        'the live object is immutable; replacing it needs --replace-immutable',
      ]),
      'immutable',
    ],
    [
      entry({ mode: 'auto', reasons: [], ruleRefs: [] }, [
        'not in the repo any more; prune is off (--prune)',
      ]),
      'prune',
    ],
  ])('%#: %s', (e, reason) => expect(heldReason(e)).toBe(reason));
});
