import { describe, expect, it } from 'vitest';
import { decide, type PolicyObject } from './engine.ts';
import { loadPolicy } from './policy-file.ts';

function policyOf(yaml: string) {
  const { policy, errors } = loadPolicy(new Map([['policies.yaml', yaml]]));
  if (errors.length) throw new Error(JSON.stringify(errors));
  return policy;
}

const object: PolicyObject = {
  cluster: { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
  kind: 'Secret',
  namespace: 'payments',
  name: 'payments-db',
  labels: { team: 'pay' },
};
const drifted = { status: 'modified' as const };
const on = { remediate: true, now: new Date('2026-11-23T12:00:00Z') };
const head = 'apiVersion: trueup.io/v1alpha1\nkind: Policy\n';

describe('decide', () => {
  it.each([
    // one auto rule: auto
    ['rules:\n  - name: all\n    mode: auto\n', 'auto', ['rule all (policies.yaml:4) matched: mode auto']],
    // no rule matches: the default mode, approve
    [
      'rules:\n  - name: other\n    match: {namespaces: [shop]}\n    mode: auto\n',
      'approve',
      ['no rule sets a mode: default mode approve'],
    ],
    // defaultMode can be set
    ['defaultMode: observe\nrules: []\n', 'observe', ['no rule sets a mode: default mode observe']],
    // the stricter of two matching rules wins, and the reason says over which
    [
      'rules:\n  - name: all\n    mode: auto\n  - name: prod-secrets\n    match: {clusters: [prod-*], kinds: [Secret]}\n    mode: approve\n',
      'approve',
      [
        'rule prod-secrets (policies.yaml:6) matched: mode approve',
        'stricter than all (policies.yaml:4): auto',
      ],
    ],
    // an explicit exception loosens a stricter rule
    [
      'rules:\n  - name: prod\n    match: {clusterLabels: {matchLabels: {env: prod}}}\n    mode: observe\n  - name: db-ok\n    match: {names: ["*-db"]}\n    mode: auto\n    exception: true\n',
      'auto',
      ['rule db-ok (policies.yaml:7) is an explicit exception: mode auto'],
    ],
    // ignore is the strictest mode
    [
      'rules:\n  - name: all\n    mode: auto\n  - name: quiet\n    match: {labels: {matchLabels: {team: pay}}}\n    mode: ignore\n',
      'ignore',
      expect.arrayContaining(['rule quiet (policies.yaml:6) matched: mode ignore']),
    ],
    // a protected namespace is never auto, not even by exception
    [
      'protectedNamespaces: [payments]\nrules:\n  - name: all\n    mode: auto\n    exception: true\n',
      'approve',
      [
        'rule all (policies.yaml:5) is an explicit exception: mode auto',
        'namespace payments is protected: auto becomes approve',
      ],
    ],
    // a deny window that is open holds auto, even when an allow window is open too (deny beats allow)
    [
      'rules:\n  - name: all\n    mode: auto\n    windows:\n      - {type: allow, schedule: "0 * * * *", duration: 2h}\n      - {type: deny, schedule: "0 11 * * *", duration: 2h, timeZone: UTC}\n',
      'approve',
      [
        'rule all (policies.yaml:4) matched: mode auto',
        expect.stringMatching(
          /^deny window of all .* is open \('0 11 \* \* \*' for 2h, UTC, opened 2026-11-23T11:00:00.000Z\): auto becomes approve$/,
        ),
      ],
    ],
    // outside every allow window: held
    [
      'rules:\n  - name: all\n    mode: auto\n    windows:\n      - {type: allow, schedule: "0 2 * * *", duration: 2h, timeZone: Europe/Berlin}\n',
      'approve',
      [
        'rule all (policies.yaml:4) matched: mode auto',
        expect.stringContaining('outside every allow window'),
      ],
    ],
  ])('%#: decides %s', (rules, mode, reasons) => {
    const d = decide(policyOf(head + rules), object, drifted, on);
    expect(d.mode).toBe(mode);
    expect(d.reasons).toEqual(reasons);
  });

  it('follows --remediate when the repo has no policy files, and turns auto into observe without it', () => {
    const none = loadPolicy(new Map()).policy;
    expect(decide(none, object, drifted, on)).toMatchObject({
      mode: 'auto',
      reasons: ['no policy files in the repo: --remediate decides'],
    });
    expect(decide(none, object, drifted, { ...on, remediate: false })).toMatchObject({
      mode: 'observe',
      reasons: [
        'no policy files in the repo: --remediate decides',
        'remediation is off (run with --remediate): auto becomes observe',
      ],
    });
  });

  it('holds auto while a policy file has errors, since its rules are unknown', () => {
    const { policy } = loadPolicy(
      new Map([
        ['policies.yaml', `${head}rules:\n  - name: all\n    mode: auto\n`],
        ['policies/x.yaml', 'rules: [\n'],
      ]),
    );
    expect(decide(policy, object, drifted, on)).toMatchObject({
      mode: 'approve',
      reasons: [
        'rule all (policies.yaml:4) matched: mode auto',
        'the policy files have errors (run trueup validate): auto becomes approve',
      ],
    });
  });

  it('reports the rules that matched and their switches', () => {
    const p = policyOf(
      `${head}rules:\n  - name: a\n    mode: auto\n    force: false\n    prune: true\n  - name: b\n    match: {kinds: [ConfigMap]}\n    replaceImmutable: true\n`,
    );
    expect(decide(p, object, drifted, on)).toMatchObject({
      ruleRefs: ['a (policies.yaml:4)'],
      force: false,
      prune: true,
      replaceImmutable: false,
    });
  });
});

describe('loadPolicy', () => {
  it('names file, line and field of every error, and reads policies/*.yaml after policies.yaml', () => {
    const { policy, errors } = loadPolicy(
      new Map([
        ['policies/b.yaml', `${head}rules:\n  - name: dup\n    mode: auto\n`],
        [
          'policies/a.yaml',
          `${head}rules:\n  - name: bad\n    mode: sometimes\n  - name: win\n    windows: [{type: allow, schedule: "0 2 * * *", duration: 2x}]\n`,
        ],
        ['policies.yaml', `${head}rules:\n  - name: dup\n    mode: approve\n`],
      ]),
    );
    expect(errors).toEqual([
      { file: 'policies/a.yaml', line: 5, message: expect.stringMatching(/^rules\.0\.mode: Invalid option/) },
      {
        file: 'policies/b.yaml',
        line: 4,
        message: 'rules.0.name: duplicate rule name dup (first in policies.yaml:4)',
      },
    ]);
    expect(policy.rules.map((r) => r.ref)).toEqual(['dup (policies.yaml:4)']);
  });

  it('reports an invalid window with its position', () => {
    const { errors } = loadPolicy(
      new Map([
        [
          'policies.yaml',
          `${head}rules:\n  - name: w\n    windows:\n      - {type: deny, schedule: "0 2 * * *", duration: 2x}\n`,
        ],
      ]),
    );
    expect(errors).toEqual([
      {
        file: 'policies.yaml',
        line: 6,
        message: expect.stringContaining('rules.0.windows.0: duration "2x"'),
      },
    ]);
  });
});
