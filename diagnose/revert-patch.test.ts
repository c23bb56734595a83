import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { buildRevertPatch, type RevertRequest } from './revert-patch.ts';

const cm = (data: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n${extra}data:\n${data}`;
const flow = (data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata: {${data}}\n`;
const object = { kind: 'ConfigMap', name: 'web-config', namespace: 'shop' };
const request = (before: string | undefined, current: string, paths: string[]): RevertRequest => ({
  file: 'base/web.yaml',
  before,
  current,
  object,
  paths,
});

describe('buildRevertPatch', () => {
  it.each([
    [
      // one value changed: its line goes back, the others stay
      'a changed value',
      request(cm('  A: "1"\n  LOG_LEVEL: info\n'), cm('  A: "1"\n  LOG_LEVEL: tracez\n'), ['data.LOG_LEVEL']),
      cm('  A: "1"\n  LOG_LEVEL: info\n'),
      [{ path: 'data.LOG_LEVEL', line: 7, action: 'restore' }],
    ],
    [
      // a later commit changed A: the revert keeps that and touches only LOG_LEVEL
      'a later change to another key',
      request(cm('  A: "1"\n  LOG_LEVEL: info\n'), cm('  A: "2"\n  LOG_LEVEL: tracez\n'), ['data.LOG_LEVEL']),
      cm('  A: "2"\n  LOG_LEVEL: info\n'),
      [{ path: 'data.LOG_LEVEL', line: 7, action: 'restore' }],
    ],
    [
      // the commit added the key: the revert removes its lines
      'an added key',
      request(cm('  A: "1"\n'), cm('  A: "1"\n  NEW: "x"\n'), ['data.NEW']),
      cm('  A: "1"\n'),
      [{ path: 'data.NEW', line: 7, action: 'remove' }],
    ],
    [
      // a block scalar of several lines goes back whole, to fewer lines
      'a multi-line block value',
      request(
        cm('  flags.properties: |\n    checkout.v2=false\n  B: b\n'),
        cm('  flags.properties: |\n    checkout.v2=true\n    beta=on\n  B: b\n'),
        ['data.flags.properties'],
      ),
      cm('  flags.properties: |\n    checkout.v2=false\n  B: b\n'),
      [{ path: 'data.flags.properties', line: 6, action: 'restore' }],
    ],
    [
      // lines above the object moved (a label added since): the key is found where it is now
      'a key that moved down the file',
      request(cm('  LOG_LEVEL: info\n'), cm('  LOG_LEVEL: tracez\n', '  labels:\n    team: web\n'), [
        'data.LOG_LEVEL',
      ]),
      cm('  LOG_LEVEL: info\n', '  labels:\n    team: web\n'),
      [{ path: 'data.LOG_LEVEL', line: 8, action: 'restore' }],
    ],
    [
      // the object is the second document of the file: the first stays untouched
      'the second document of a file',
      request(
        `kind: ConfigMap\nmetadata:\n  name: other\ndata:\n  LOG_LEVEL: info\n---\n${cm('  LOG_LEVEL: info\n')}`,
        `kind: ConfigMap\nmetadata:\n  name: other\ndata:\n  LOG_LEVEL: debug\n---\n${cm('  LOG_LEVEL: tracez\n')}`,
        ['data.LOG_LEVEL'],
      ),
      `kind: ConfigMap\nmetadata:\n  name: other\ndata:\n  LOG_LEVEL: debug\n---\n${cm('  LOG_LEVEL: info\n')}`,
      [{ path: 'data.LOG_LEVEL', line: 12, action: 'restore' }],
    ],
    [
      // two keys of one commit, reverted in one patch
      'two keys',
      request(cm('  A: "1"\n  B: "1"\n  C: "1"\n'), cm('  A: "2"\n  B: "1"\n  C: "2"\n'), [
        'data.C',
        'data.A',
      ]),
      cm('  A: "1"\n  B: "1"\n  C: "1"\n'),
      [
        { path: 'data.A', line: 6, action: 'restore' },
        { path: 'data.C', line: 8, action: 'restore' },
      ],
    ],
  ])('reverts %s', (_name, req, expected, keys) => {
    const built = buildRevertPatch(req);
    if (!built.ok) throw new Error(built.reason);
    expect(built.reverted).toBe(expected);
    expect(built.keys).toEqual(keys);
    // The patch is a unified diff of exactly those lines that applies to the file as it is now.
    expect(built.patch.startsWith('--- a/base/web.yaml')).toBe(true);
    expect(applyPatch(req.current, built.patch)).toBe(expected);
  });

  it('writes a unified diff with only the changed line', () => {
    const built = buildRevertPatch(
      request(cm('  A: "1"\n  LOG_LEVEL: info\n'), cm('  A: "1"\n  LOG_LEVEL: tracez\n'), ['data.LOG_LEVEL']),
    );
    expect(built.ok && built.patch).toMatchInlineSnapshot(`
      "--- a/base/web.yaml
      +++ b/base/web.yaml
      @@ -4,4 +4,4 @@
         name: web-config
       data:
         A: "1"
      -  LOG_LEVEL: tracez
      +  LOG_LEVEL: info
      "
    `);
  });

  it.each([
    // the commit created the file
    [request(undefined, cm('  A: "1"\n'), ['data.A']), 'base/web.yaml did not exist before the commit'],
    // the commit added the object to an existing file
    [
      request('kind: ConfigMap\nmetadata:\n  name: other\n', cm('  A: "1"\n'), ['data.A']),
      'the commit added ConfigMap web-config to base/web.yaml: reverting it removes the object, not a key',
    ],
    // a flow mapping keeps every key on one line
    [
      request(flow('A: "1", B: "1"'), flow('A: "2", B: "1"'), ['data.A']),
      'data.A shares its line with other keys in base/web.yaml',
    ],
    // nothing to revert: the lines are as they were
    [request(cm('  A: "1"\n'), cm('  A: "1"\n'), ['data.A']), 'the lines of data.A are as before the commit'],
    // the key is not in the file now
    [
      request(cm('  A: "1"\n'), cm('  B: "1"\n'), ['data.A']),
      'base/web.yaml does not set data.A of ConfigMap web-config',
    ],
  ])('builds no patch when it cannot revert lines alone (%#)', (req, reason) => {
    expect(buildRevertPatch(req)).toEqual({ ok: false, reason });
  });
});
