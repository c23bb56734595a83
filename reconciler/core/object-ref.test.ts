import { describe, expect, it } from 'vitest';
import {
  formatObjectRef,
  type ObjectRef,
  objectKey,
  parseNamespacedRef,
  parseObjectKey,
  parseObjectRef,
} from './object-ref.ts';

const app: ObjectRef = { cluster: 'prod-eu', kind: 'ConfigMap', namespace: 'shop', name: 'app' };

describe('the one user form of an object: cluster/namespace/kind/name', () => {
  it('formats and parses back', () => {
    expect(formatObjectRef(app)).toBe('prod-eu/shop/ConfigMap/app');
    expect(parseObjectRef(formatObjectRef(app))).toEqual({ ok: true, ref: app });
  });

  it.each([
    // three parts: the cluster or the kind is missing
    ['prod-eu/shop/app', 'parts'],
    // five parts: a name cannot hold a slash
    ['prod-eu/shop/ConfigMap/app/x', 'parts'],
    ['', 'parts'],
    // an empty or odd cluster
    ['/shop/ConfigMap/app', 'cluster'],
    ['<!here>/shop/ConfigMap/app', 'cluster'],
    // a kind trueup does not manage
    ['prod-eu/shop/Deployment/app', 'object'],
    // kinds as people type them only where aliases are allowed (chat)
    ['prod-eu/shop/cm/app', 'object'],
    // an empty name
    ['prod-eu/shop/Secret/', 'object'],
    // longer than a Kubernetes name may be: the parser's budget
    [`prod-eu/shop/Secret/${'a'.repeat(254)}`, 'object'],
  ])('refuses %j (%s)', (text, problem) => {
    expect(parseObjectRef(text)).toEqual({
      ok: false,
      problem,
      error: `expected <cluster>/<namespace>/<kind>/<name> with kind ConfigMap or Secret, got ${text}`,
    });
  });

  it('reads kinds as people type them when asked to (chat)', () => {
    expect(parseObjectRef('prod-eu/shop/cm/app', { kindAliases: true })).toEqual({ ok: true, ref: app });
    expect(parseNamespacedRef('shop/secrets/db', { kindAliases: true })).toEqual({
      ok: true,
      ref: { kind: 'Secret', namespace: 'shop', name: 'db' },
    });
  });

  it('keeps the cluster-independent key (repo errors hold these) and reads it back', () => {
    expect(objectKey(app)).toBe('ConfigMap/shop/app');
    expect(parseObjectKey('ConfigMap/shop/app')).toEqual({
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'app',
    });
    expect(parseObjectKey('shop/ConfigMap/app')).toBeUndefined();
  });
});
