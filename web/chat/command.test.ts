import { describe, expect, it } from 'vitest';
import { parseCommand } from './command.ts';

describe('the /trueup command grammar', () => {
  it.each([
    // empty text is help
    ['', { verb: 'help' }],
    ['help', { verb: 'help' }],
    ['status', { verb: 'status' }],
    ['  status   prod-eu ', { verb: 'status', cluster: 'prod-eu' }],
    ['diff prod-eu', { verb: 'diff', cluster: 'prod-eu' }],
    // kinds as people type them
    [
      'diff prod-eu shop/cm/app',
      { verb: 'diff', cluster: 'prod-eu', object: { kind: 'ConfigMap', namespace: 'shop', name: 'app' } },
    ],
    [
      'diff c1 pay/Secret/db',
      { verb: 'diff', cluster: 'c1', object: { kind: 'Secret', namespace: 'pay', name: 'db' } },
    ],
    [
      'explain c1/shop/ConfigMap/app',
      { verb: 'explain', ref: { cluster: 'c1', kind: 'ConfigMap', namespace: 'shop', name: 'app' } },
    ],
    ['approvals', { verb: 'approvals' }],
    ['APPROVE a12', { verb: 'approve', id: 'a12' }],
    ['reject a3', { verb: 'reject', id: 'a3' }],
    // the rest of the text is the reason
    ['reject a3 not during the sale', { verb: 'reject', id: 'a3', reason: 'not during the sale' }],
    ['incident i7', { verb: 'incident', id: 'i7' }],
    // a branch with a slash, and a commit
    ['preview feature/green', { verb: 'preview', head: 'feature/green' }],
    ['preview 0123abc', { verb: 'preview', head: '0123abc' }],
  ])('parses %j', (text, command) => {
    expect(parseCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['deploy everything', 'unknown command'],
    ['diff', 'needs a cluster'],
    ['diff c1 shop/Deployment/app', 'kind ConfigMap or Secret'],
    ['diff c1 shop/app', 'expected <namespace>/<kind>/<name>'],
    ['explain c1/shop/app', 'needs <cluster>/<namespace>/<kind>/<name>'],
    ['approve', 'needs an approval id'],
    // git must never read a ref as an option, nor a range as a revision
    ['preview --upload-pack=x', 'needs a branch, tag or commit'],
    ['preview main..evil', 'needs a branch, tag or commit'],
    ['preview a b', 'too many arguments'],
    ['approve 12; rm -rf', 'needs an approval id'],
    ['approve a1 a2', 'too many arguments'],
    ['incident 7', 'needs an incident id'],
    ['status <!channel>', 'not a cluster name'],
  ])('refuses %j', (text, error) => {
    expect(parseCommand(text)).toEqual({ ok: false, error: expect.stringContaining(error) });
  });
});
