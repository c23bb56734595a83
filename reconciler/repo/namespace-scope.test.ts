import { describe, expect, it } from 'vitest';
import { objectKey } from '../core/model.ts';
import { buildFleetState } from './fleet-state.ts';
import { scopeToNamespaces } from './namespace-scope.ts';

const fleetYaml = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: east
  - name: west
targets:
  - path: base
    namespace: team-a
  - path: other
`;
const files = new Map([
  ['fleet.yaml', fleetYaml],
  ['base/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {LOG_LEVEL: info}\n'],
  [
    'other/db.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db, namespace: team-b}\ndata:\n  HOST: db.internal\n',
  ],
]);

async function state() {
  const built = await buildFleetState({ revision: 'r1', files });
  expect(built.errors).toEqual([]);
  return built;
}

describe('scopeToNamespaces', () => {
  it('returns the state unchanged when no namespaces are given', async () => {
    const s = await state();
    expect(scopeToNamespaces(s, [])).toBe(s);
  });

  it('returns the state unchanged when every object is in the given namespaces', async () => {
    const s = await state();
    expect(scopeToNamespaces(s, ['team-a', 'team-b'])).toBe(s);
  });

  it('keeps the objects in scope and reports each object outside as one error naming its file, namespace and clusters', async () => {
    const scoped = scopeToNamespaces(await state(), ['team-a']);
    for (const c of scoped.clusters) {
      expect(c.objects.map(objectKey)).toEqual(['ConfigMap/team-a/app']);
      expect([...c.erroredObjects]).toEqual(['ConfigMap/team-b/db']);
    }
    expect(scoped.errors).toEqual([
      {
        file: 'other/db.yaml',
        line: 5,
        message:
          'ConfigMap team-b/db: namespace team-b is not in --namespaces (team-a); not reconciled on east, west',
      },
    ]);
  });

  it('names the cluster as a field when the object is meant for one cluster only', async () => {
    const one = new Map(files);
    one.set('fleet.yaml', fleetYaml.replace('  - name: west\n', ''));
    const scoped = scopeToNamespaces(await buildFleetState({ revision: 'r1', files: one }), ['team-a']);
    expect(scoped.errors).toMatchObject([
      {
        cluster: 'east',
        message: 'ConfigMap team-b/db: namespace team-b is not in --namespaces (team-a); not reconciled',
      },
    ]);
  });
});
