import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policies/policy-file.ts';
import { ignorePathProblem } from '../core/ignore-path.ts';
import type { DesiredObject, FieldChange, LiveObject } from '../core/model.ts';
import { digestOf, SecretValue } from '../core/secret-value.ts';
import { defaultPlanOptions, planRemediation } from '../sync/plan.ts';
import { diffObject } from './diff.ts';
import { documentBudget } from './document-diff.ts';

const ref = { cluster: 'c1', kind: 'ConfigMap' as const, namespace: 'ns', name: 'app' };

function desired(
  data: Record<string, string | SecretValue>,
  over: Partial<DesiredObject> = {},
): DesiredObject {
  return { ...ref, data, binaryData: {}, labels: {}, annotations: {}, provenance: {}, ...over };
}

function live(data: Record<string, string>, over: Partial<LiveObject> = {}): LiveObject {
  return {
    ...ref,
    uid: 'u1',
    resourceVersion: '10',
    data,
    binaryData: {},
    labels: {},
    annotations: {},
    managedFields: [],
    ...over,
  };
}

const appYaml = 'server:\n  port: 8080\n  host: web\nlogging:\n  level: info\n';
const appJson = '{"servers":[{"host":"a","port":1},{"host":"b","port":2}],"debug":false}';
const bomb = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
].join('\n');

// The whole-value field change, as it was before documents were parsed (and still is).
const whole = (key: string, want: string, have: string): FieldChange => ({
  path: `data.${key}`,
  type: 'changed',
  desired: want,
  live: have,
});

describe('drift inside ConfigMap values that hold documents', () => {
  it.each<[string, string, string, string, string[], FieldChange[]]>([
    // YAML by suffix: the one path that differs, next to the whole-value change
    [
      'a YAML value reports the nested path that changed',
      'application.yaml',
      appYaml,
      appYaml.replace('8080', '9090'),
      [],
      [
        {
          ...whole('application.yaml', appYaml, appYaml.replace('8080', '9090')),
          document: {
            format: 'yaml',
            changes: [
              {
                path: 'server.port',
                pointer: '/server/port',
                type: 'changed',
                desired: '8080',
                live: '9090',
              },
            ],
          },
        },
      ],
    ],
    // JSON by suffix, arrays of objects compared by index: a changed field and an added element
    [
      'a JSON value reports changes inside nested arrays by index',
      'settings.json',
      appJson,
      '{"servers":[{"host":"a","port":1},{"host":"c","port":2},{"host":"d"}],"debug":false}',
      [],
      [
        {
          ...whole(
            'settings.json',
            appJson,
            '{"servers":[{"host":"a","port":1},{"host":"c","port":2},{"host":"d"}],"debug":false}',
          ),
          document: {
            format: 'json',
            changes: [
              {
                path: 'servers[1].host',
                pointer: '/servers/1/host',
                type: 'changed',
                desired: '"b"',
                live: '"c"',
              },
              { path: 'servers[2]', pointer: '/servers/2', type: 'added', live: '{"host":"d"}' },
            ],
          },
        },
      ],
    ],
    // a key removed live, a type changed (string to number) and an odd key name
    [
      'removed keys, type changes and odd key names are shown as paths',
      'c.json',
      '{"a":"1","b":true,"x.y":{"8080":1}}',
      '{"a":1,"x.y":{"8080":2}}',
      [],
      [
        {
          ...whole('c.json', '{"a":"1","b":true,"x.y":{"8080":1}}', '{"a":1,"x.y":{"8080":2}}'),
          document: {
            format: 'json',
            changes: [
              { path: 'a', pointer: '/a', type: 'changed', desired: '"1"', live: '1' },
              { path: '["x.y"]["8080"]', pointer: '/x.y/8080', type: 'changed', desired: '1', live: '2' },
              { path: 'b', pointer: '/b', type: 'removed', desired: 'true' },
            ],
          },
        },
      ],
    ],
    // a key without a suffix whose two values are JSON objects is parsed as JSON
    [
      'JSON in a key without a suffix is recognised',
      'config',
      '{"a":1}',
      '{"a":2}',
      [],
      [
        {
          ...whole('config', '{"a":1}', '{"a":2}'),
          document: {
            format: 'json',
            changes: [{ path: 'a', pointer: '/a', type: 'changed', desired: '1', live: '2' }],
          },
        },
      ],
    ],
    // the same document in other words: drift (the text differs), with no path inside
    [
      'a text-only difference is drift with no nested path',
      'application.yaml',
      'a: 1\n',
      'a: 1 # tuned\n',
      [],
      [
        {
          ...whole('application.yaml', 'a: 1\n', 'a: 1 # tuned\n'),
          document: { format: 'yaml', changes: [] },
        },
      ],
    ],
    // a value that fails to parse is compared as text, as before
    [
      'a value that does not parse is a whole-value change',
      'settings.json',
      '{"a":1}',
      '{"a":',
      ['data.settings.json#/a'],
      [whole('settings.json', '{"a":1}', '{"a":')],
    ],
    // a YAML scalar is no document
    [
      'a scalar YAML value is a whole-value change',
      'v.yaml',
      'blue',
      'red',
      [],
      [whole('v.yaml', 'blue', 'red')],
    ],
    // keys without a suffix whose values are not JSON are text
    [
      'a plain value is a whole-value change',
      'log-level',
      'info',
      'debug',
      [],
      [whole('log-level', 'info', 'debug')],
    ],
    // an alias bomb exceeds the parse budget: compared as text, and the diff returns
    [
      'a YAML alias bomb is compared as text',
      'bomb.yaml',
      bomb,
      `${bomb}\ne: 1`,
      [],
      [whole('bomb.yaml', bomb, `${bomb}\ne: 1`)],
    ],
    // the only path that differs is ignored: the key is not drifted
    [
      'a value differing only at an ignored path is in sync',
      'application.yaml',
      appYaml,
      appYaml.replace('8080', '9090').replace('# x', ''),
      ['data.application.yaml#/server/port'],
      [],
    ],
    // an ignored parent ignores its subtree, and globs work in the key and in pointer segments
    [
      'an ignored parent path and globbed segments ignore what is below them',
      'settings.json',
      appJson,
      '{"servers":[{"host":"a","port":9},{"host":"b","port":8}],"debug":false,"extra":{"x":1}}',
      ['data.*.json#/servers/*/port', 'data.settings.json#/extra'],
      [],
    ],
    // one ignored path and one that is not: the rest is reported, the ignored ones counted
    [
      'paths not ignored are still reported, the ignored ones counted',
      'application.yaml',
      appYaml,
      appYaml.replace('8080', '9090').replace('info', 'debug'),
      ['data.application.yaml#/server/port'],
      [
        {
          ...whole('application.yaml', appYaml, appYaml.replace('8080', '9090').replace('info', 'debug')),
          document: {
            format: 'yaml',
            changes: [
              {
                path: 'logging.level',
                pointer: '/logging/level',
                type: 'changed',
                desired: '"info"',
                live: '"debug"',
              },
            ],
            ignored: 1,
          },
        },
      ],
    ],
  ])('%s', (_name, key, want, have, ignorePaths, changes) => {
    const drift = diffObject(ref, desired({ [key]: want }), live({ [key]: have }), {
      fieldManager: 'trueup',
      ignore: { paths: ignorePaths, managers: [] },
    });
    expect(drift.changes).toEqual(changes);
    expect(drift.status).toBe(changes.length ? 'modified' : 'in-sync');
  });

  it('never parses a Secret value: a Secret document key shows digests only', () => {
    const secretRef = { ...ref, kind: 'Secret' as const };
    const want = desired({ 'creds.json': SecretValue.fromString('{"password":"canary-one"}') }, secretRef);
    const have = live({ 'creds.json': digestOf(Buffer.from('{"password":"canary-two"}')) }, secretRef);
    const drift = diffObject(secretRef, want, have, {
      fieldManager: 'trueup',
      ignore: { paths: ['data.creds.json#/password'], managers: [] },
    });
    expect(drift.changes).toEqual([
      {
        path: 'data.creds.json',
        type: 'changed',
        desired: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
        live: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
      },
    ]);
    expect(JSON.stringify(drift)).not.toMatch(/canary|password/);
  });

  it('compares a value over the size budget as text', () => {
    const big = JSON.stringify({ a: 1, pad: 'x'.repeat(documentBudget.maxBytes) });
    const drift = diffObject(ref, desired({ 'big.json': big }), live({ 'big.json': big.replace('1', '2') }), {
      fieldManager: 'trueup',
    });
    expect(drift.changes).toHaveLength(1);
    expect(drift.changes[0]?.document).toBeUndefined();
  });

  it('lists at most 100 paths of one value and counts the rest', () => {
    const doc = (v: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, v])));
    const drift = diffObject(ref, desired({ 'many.json': doc(1) }), live({ 'many.json': doc(2) }), {
      fieldManager: 'trueup',
    });
    expect(drift.changes[0]?.document?.changes).toHaveLength(100);
    expect(drift.changes[0]?.document?.more).toBe(50);
  });

  it('attributes a nested change to the manager that wrote the key', () => {
    const have = live(
      { 'application.yaml': appYaml.replace('8080', '9090') },
      {
        managedFields: [
          {
            manager: 'kubectl-edit',
            operation: 'Update',
            fieldsV1: { 'f:data': { 'f:application.yaml': {} } },
          },
        ],
      },
    );
    const drift = diffObject(ref, desired({ 'application.yaml': appYaml }), have, { fieldManager: 'trueup' });
    expect(drift.driftedBy).toEqual([
      { manager: 'kubectl-edit', operation: 'Update', paths: ['data.application.yaml'] },
    ]);
  });
});

describe('remediation of document values', () => {
  const auto = { mode: 'auto' as const, reasons: ['auto'], ruleRefs: [] };

  it('applies the whole value from the repo when a path inside it drifted', () => {
    const want = desired({ 'application.yaml': appYaml });
    const have = live({ 'application.yaml': appYaml.replace('8080', '9090') });
    const drift = diffObject(ref, want, have, { fieldManager: 'trueup' });
    const plan = planRemediation(drift, want, have, auto, defaultPlanOptions());
    expect(plan.apply?.data).toEqual({ 'application.yaml': appYaml });
  });

  it('applies the live value of a key that differs only at ignored paths, while fixing another key', () => {
    const ignorePaths = ['data.application.yaml#/server/port'];
    const want = desired({ 'application.yaml': appYaml, color: 'blue' });
    const have = live({ 'application.yaml': appYaml.replace('8080', '9090'), color: 'red' });
    const drift = diffObject(ref, want, have, {
      fieldManager: 'trueup',
      ignore: { paths: ignorePaths, managers: [] },
    });
    expect(drift.changes.map((c) => c.path)).toEqual(['data.color']);
    const plan = planRemediation(drift, want, have, auto, { ...defaultPlanOptions(), ignorePaths });
    expect(plan.apply?.data).toEqual({ 'application.yaml': appYaml.replace('8080', '9090'), color: 'blue' });
  });
});

describe('ignore paths inside documents', () => {
  it.each([
    // whole fields, as before
    ['data.ca.crt', undefined],
    ['metadata.annotations.cert-manager.io/*', undefined],
    // a JSON pointer after #
    ['data.application.yaml#/server/port', undefined],
    ['data.*.json#/servers/*/port', undefined],
    ['data.a.json#/a~1b/c~0d', undefined],
    // the pointer must start with /
    [
      'data.application.yaml#server/port',
      'after # comes a JSON pointer starting with /, e.g. data.application.yaml#/server/port',
    ],
    // only ConfigMap data values are documents
    [
      'metadata.labels.x#/a',
      'a path inside a document names a ConfigMap data key first, e.g. data.application.yaml#/server/port',
    ],
    // ~ must be escaped
    ['data.a.json#/a~b', 'in a JSON pointer ~ is written ~0 and / inside a key ~1'],
  ])('%s', (path, problem) => {
    expect(ignorePathProblem(path)).toBe(problem);
  });

  it('reports a malformed document path in a policy file with file and line', () => {
    const text = [
      'apiVersion: trueup.io/v1alpha1',
      'kind: Policy',
      'rules:',
      '  - name: port',
      '    ignore:',
      '      paths: ["data.application.yaml#server/port"]',
      '',
    ].join('\n');
    const { errors } = loadPolicy(new Map([['policies.yaml', text]]));
    expect(errors).toEqual([
      {
        file: 'policies.yaml',
        line: 6,
        message: expect.stringMatching(/^rules\.0\.ignore\.paths\.0: after # comes a JSON pointer/),
      },
    ]);
  });
});
