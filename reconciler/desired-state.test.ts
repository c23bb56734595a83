import { describe, expect, it } from 'vitest';
import { buildDesiredState } from './desired-state.ts';
import type { DesiredObject } from './model.ts';
import { SecretValue } from './secret-value.ts';

const fleetYaml = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: prod-eu
    labels: {env: prod, region: eu}
  - name: staging
    labels: {env: staging}
targets:
  - path: base
    clusters: {}
  - path: overlays/prod
    clusters: {matchLabels: {env: prod}}
`;

const prodOverlay =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  color: red\n';

function repo(files: Record<string, string>) {
  return {
    revision: 'abc123',
    files: new Map(
      Object.entries({ 'fleet.yaml': fleetYaml, 'overlays/prod/app.yaml': prodOverlay, ...files }),
    ),
  };
}

function revealed(value: unknown): string {
  if (!(value instanceof SecretValue)) throw new Error(`not a SecretValue: ${typeof value}`);
  return value.revealString();
}

function objectsOf(state: Awaited<ReturnType<typeof buildDesiredState>>, cluster: string): DesiredObject[] {
  return state.clusters.find((c) => c.cluster.name === cluster)?.objects ?? [];
}

const baseApp = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: shop
  labels: {team: web}
data:
  color: blue
  url: https://\${cluster.name}.example.com
  script: echo \${HOME}
`;

describe('buildDesiredState', () => {
  it('merges overlapping targets key by key, later wins, with provenance of each key', async () => {
    const state = await buildDesiredState(
      repo({
        'base/app.yaml': baseApp,
        'overlays/prod/app.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  color: red\n',
      }),
    );
    expect(state.errors).toEqual([]);
    const [prod] = objectsOf(state, 'prod-eu');
    expect(prod?.data).toEqual({ color: 'red', url: 'https://prod-eu.example.com', script: 'echo ${HOME}' });
    expect(prod?.labels).toEqual({ team: 'web' });
    expect(prod?.provenance['data.color']).toEqual({ file: 'overlays/prod/app.yaml', line: 7 });
    expect(prod?.provenance['data.url']).toEqual({ file: 'base/app.yaml', line: 9 });
    expect(prod?.provenance['metadata.labels.team']).toEqual({ file: 'base/app.yaml', line: 6 });
    const [staging] = objectsOf(state, 'staging');
    expect(staging?.data.color).toBe('blue');
    expect(staging?.data.url).toBe('https://staging.example.com');
  });

  it('reads multi-document files and Secrets with data and stringData as hashed values', async () => {
    const state = await buildDesiredState(
      repo({
        'base/all.yml': `${baseApp}---\napiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ndata:\n  user: YWRtaW4=\nstringData:\n  password: hunter2-\${cluster.labels.env}\n---\n`,
      }),
    );
    expect(state.errors).toEqual([]);
    const secret = objectsOf(state, 'staging').find((o) => o.kind === 'Secret');
    expect(secret?.type).toBe('Opaque');
    expect(revealed(secret?.data.user)).toBe('admin');
    expect(revealed(secret?.data.password)).toBe('hunter2-staging');
    // Printing the desired object never shows a value.
    expect(JSON.stringify(secret)).not.toContain('hunter2');
    expect(String(secret?.data.password)).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it.each([
    // a broken YAML file is an error for that file only, with its line
    ['base/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata: [\n', { file: 'base/broken.yaml', line: 4 }],
    // an unmanaged kind is an error for that document
    [
      'base/deploy.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
      {
        file: 'base/deploy.yaml',
        line: 2,
        message: 'kind "Deployment" is not managed: trueup manages ConfigMap and Secret',
      },
    ],
    // a manifest without namespace, when the target sets none
    [
      'base/nons.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      { file: 'base/nons.yaml', line: 3, message: expect.stringContaining('metadata.namespace is required') },
    ],
    // ConfigMap values must be strings, as the apiserver requires
    [
      'base/num.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\ndata:\n  port: 8080\n',
      { file: 'base/num.yaml', line: 5, message: expect.stringContaining('data.port: expected a string') },
    ],
    // Secret data must be base64
    [
      'base/b64.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: x, namespace: a}\ndata:\n  k: not base64!\n',
      { file: 'base/b64.yaml', line: 5, message: expect.stringContaining('expected base64') },
    ],
    // a SOPS document with no key configured
    [
      'base/enc.yaml',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: x, namespace: a}\ndata:\n  k: ENC[AES256_GCM,data:x]\nsops:\n  mac: x\n',
      { file: 'base/enc.yaml', line: 1, message: expect.stringContaining('no age key') },
    ],
  ])('reports %s and still reconciles the other files', async (file, text, expected) => {
    const state = await buildDesiredState(repo({ 'base/app.yaml': baseApp, [file]: text }));
    expect(state.errors).toEqual([expect.objectContaining(expected)]);
    expect(objectsOf(state, 'prod-eu').map((o) => o.name)).toEqual(['app']);
    // Objects of a broken file are unknown: no cluster may be pruned.
    expect(state.clusters.every((c) => !c.complete)).toBe(true);
  });

  it('makes a label the cluster lacks an error for that object on that cluster only', async () => {
    const state = await buildDesiredState(
      repo({
        'base/app.yaml': baseApp,
        'base/region.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: region, namespace: shop}\ndata:\n  r: ${cluster.labels.region}\n',
      }),
    );
    expect(state.errors).toEqual([
      {
        file: 'base/region.yaml',
        line: 1,
        cluster: 'staging',
        message: 'ConfigMap shop/region: ${cluster.labels.region}: cluster staging has no label region',
      },
    ]);
    expect(objectsOf(state, 'prod-eu').map((o) => o.name)).toEqual(['app', 'region']);
    expect(objectsOf(state, 'staging').map((o) => o.name)).toEqual(['app']);
    expect(state.clusters.find((c) => c.cluster.name === 'staging')?.erroredObjects).toEqual(
      new Set(['ConfigMap/shop/region']),
    );
  });

  it('reports a target folder that holds no YAML (a typo in fleet.yaml)', async () => {
    const files = repo({ 'base/app.yaml': baseApp }).files;
    files.delete('overlays/prod/app.yaml');
    const state = await buildDesiredState({ revision: 'r', files });
    expect(state.errors).toEqual([
      { file: 'fleet.yaml', message: 'target overlays/prod: no *.yaml or *.yml files in this folder' },
    ]);
  });

  it('uses the target namespace for manifests without one', async () => {
    const fleet = fleetYaml.replace(
      '  - path: base\n    clusters: {}',
      '  - path: base\n    clusters: {}\n    namespace: shop',
    );
    const state = await buildDesiredState({
      revision: 'r',
      files: new Map([
        ['fleet.yaml', fleet],
        ['base/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'],
        ['overlays/prod/app.yaml', prodOverlay],
      ]),
    });
    expect(state.errors).toEqual([]);
    expect(objectsOf(state, 'staging')[0]?.namespace).toBe('shop');
  });

  it('passes decrypted SOPS documents through the injected decryptor', async () => {
    const enc =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\nstringData:\n  k: ENC[x]\nsops:\n  mac: x\n';
    const state = await buildDesiredState(repo({ 'base/s.yaml': enc }), {
      decryptSops: async () => [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'a' },
          stringData: { k: 'plain' },
        },
      ],
    });
    expect(state.errors).toEqual([]);
    expect(revealed(objectsOf(state, 'staging')[0]?.data.k)).toBe('plain');
    expect(objectsOf(state, 'staging')[0]?.provenance['data.k']).toEqual({ file: 'base/s.yaml', line: 5 });
  });
});
