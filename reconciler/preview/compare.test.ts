import { describe, expect, it } from 'vitest';
import type { DesiredObject } from '../core/model.ts';
import { SecretValue } from '../core/secret-value.ts';
import { compareObjects } from './compare.ts';

const cm = (
  name: string,
  data: Record<string, string>,
  more: Partial<DesiredObject> = {},
): DesiredObject => ({
  cluster: 'c1',
  kind: 'ConfigMap',
  namespace: 'ns',
  name,
  data,
  binaryData: {},
  labels: {},
  annotations: {},
  provenance: {},
  ...more,
});

const secret = (value: string, more: Partial<DesiredObject> = {}): DesiredObject => ({
  ...cm('db', {}),
  kind: 'Secret',
  data: { password: SecretValue.fromString(value) },
  ...more,
});

describe('compareObjects', () => {
  it.each([
    // identical objects are no change
    ['the same object', [cm('app', { a: '1' })], [cm('app', { a: '1' })], []],
    // one key changed, one added, one removed: listed by path
    [
      'keys changed, added and removed',
      [cm('app', { a: '1', gone: 'x' })],
      [cm('app', { a: '2', b: 'new' })],
      [
        {
          kind: 'ConfigMap',
          namespace: 'ns',
          name: 'app',
          change: 'modified',
          keys: [
            { path: 'data.a', type: 'changed', base: '1', head: '2' },
            { path: 'data.b', type: 'added', head: 'new' },
            { path: 'data.gone', type: 'removed', base: 'x' },
          ],
        },
      ],
    ],
    // an object only the head declares is created, with every key added
    [
      'a created object',
      [],
      [cm('new', { a: '1' }, { labels: { team: 'web' } })],
      [
        {
          kind: 'ConfigMap',
          namespace: 'ns',
          name: 'new',
          change: 'created',
          keys: [
            { path: 'data.a', type: 'added', head: '1' },
            { path: 'metadata.labels.team', type: 'added', head: 'web' },
          ],
        },
      ],
    ],
    // an object the head no longer declares is deleted
    [
      'a deleted object',
      [cm('old', { a: '1' })],
      [],
      [
        {
          kind: 'ConfigMap',
          namespace: 'ns',
          name: 'old',
          change: 'deleted',
          keys: [{ path: 'data.a', type: 'removed', base: '1' }],
        },
      ],
    ],
    // immutable and annotations are field paths too
    [
      'immutable and an annotation',
      [cm('app', {}, { annotations: { note: 'a' } })],
      [cm('app', {}, { annotations: { note: 'b' }, immutable: true })],
      [
        {
          kind: 'ConfigMap',
          namespace: 'ns',
          name: 'app',
          change: 'modified',
          keys: [
            { path: 'immutable', type: 'added', head: 'true' },
            { path: 'metadata.annotations.note', type: 'changed', base: 'a', head: 'b' },
          ],
        },
      ],
    ],
    // the implicit Secret type Opaque and an explicit one are the same
    ['an explicit Opaque type', [secret('p')], [secret('p', { type: 'Opaque' })], []],
  ])('%s', (_name, base, head, expected) => {
    expect(compareObjects(base, head)).toEqual(expected);
  });

  it('shows a changed Secret value only as two different keyed digests', () => {
    const [change] = compareObjects([secret('hunter2-before')], [secret('hunter2-after')]);
    const key = change?.keys[0];
    expect(key).toEqual({
      path: 'data.password',
      type: 'changed',
      base: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
      head: expect.stringMatching(/^hmac-sha256:[0-9a-f]{12}$/),
    });
    expect(key?.base).not.toEqual(key?.head);
    expect(JSON.stringify(change)).not.toContain('hunter2');
  });

  it('shows a label SOPS decrypted only as a digest', () => {
    const sealed = (v: string) =>
      cm('app', {}, { labels: { token: v }, secretPaths: ['metadata.labels.token'] });
    const json = JSON.stringify(compareObjects([sealed('s3cret-a')], [sealed('s3cret-b')]));
    expect(json).not.toContain('s3cret');
    expect(json).toContain('hmac-sha256:');
  });
});
