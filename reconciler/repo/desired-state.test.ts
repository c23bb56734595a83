import { describe, expect, it } from 'vitest';
import type { DesiredObject } from '../core/model.ts';
import { SecretValue } from '../core/secret-value.ts';
import { buildDesiredState } from './desired-state.ts';

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

  it('holds an object the clusters declare alike once (shared records), and one a cluster variable sets per cluster', async () => {
    const shared =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop, labels: {team: web}}\nstringData:\n  password: hunter2\n';
    const state = await buildDesiredState(repo({ 'base/app.yaml': baseApp, 'base/db.yaml': shared }));
    const [prodApp, prodDb] = objectsOf(state, 'prod-eu');
    const [stagingApp, stagingDb] = objectsOf(state, 'staging');
    // Alike: one set of records with a shell per cluster that names its cluster.
    expect(stagingDb?.data).toBe(prodDb?.data);
    expect(stagingDb?.labels).toBe(prodDb?.labels);
    expect(stagingDb?.provenance).toBe(prodDb?.provenance);
    expect([prodDb?.cluster, stagingDb?.cluster]).toEqual(['prod-eu', 'staging']);
    expect(revealed(stagingDb?.data.password)).toBe('hunter2');
    // Set per cluster (a cluster variable, an overlay): each keeps its own values.
    expect(stagingApp?.data).not.toBe(prodApp?.data);
    expect(prodApp?.data.url).toBe('https://prod-eu.example.com');
    expect(stagingApp?.data.url).toBe('https://staging.example.com');
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
    expect(String(secret?.data.password)).toMatch(/^hmac-sha256:[0-9a-f]{12}$/);
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
        code: 'TRUEUP_REPO_VARIABLE',
        message: 'ConfigMap shop/region: ${cluster.labels.region}: cluster staging has no label region',
      },
    ]);
    expect(objectsOf(state, 'prod-eu').map((o) => o.name)).toEqual(['app', 'region']);
    expect(objectsOf(state, 'staging').map((o) => o.name)).toEqual(['app']);
    expect(state.clusters.find((c) => c.cluster.name === 'staging')?.erroredObjects).toEqual(
      new Set(['ConfigMap/shop/region']),
    );
  });

  // A "billion laughs" document: each level expands the previous one nine times.
  const aliasBomb = `apiVersion: v1
kind: ConfigMap
metadata: {name: bomb, namespace: shop}
data:
  a: &a ["x","x","x","x","x","x","x","x","x"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
`;

  it.each([
    // excessive aliases: the yaml package throws while turning the document into data
    ['an alias bomb', aliasBomb, 'TRUEUP_REPO_YAML_BUDGET', 1],
    // a syntax error
    ['a YAML syntax error', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n', 'TRUEUP_REPO_YAML', 4],
    // a file over the size cap is not even parsed
    ['a file over the size cap', `# ${'x'.repeat(2 * 1024 * 1024)}\n`, 'TRUEUP_REPO_FILE_TOO_LARGE', 1],
  ])(
    'makes %s an error for that file only, and reads the rest of the revision',
    async (_, text, code, line) => {
      const state = await buildDesiredState(repo({ 'base/app.yaml': baseApp, 'base/bad.yaml': text }));
      expect(state.errors.map((e) => [e.file, e.line, e.code])).toEqual([['base/bad.yaml', line, code]]);
      // The legitimate change in the same commit is there, merged as usual.
      expect(objectsOf(state, 'prod-eu').find((o) => o.name === 'app')?.data.color).toBe('red');
      expect(objectsOf(state, 'staging').map((o) => o.name)).toEqual(['app']);
      // Nothing is pruned while a file cannot be read.
      expect(state.clusters.every((c) => !c.complete)).toBe(true);
    },
  );

  it('makes a decryptor that throws an error for that SOPS file only', async () => {
    const state = await buildDesiredState(
      repo({ 'base/app.yaml': baseApp, 'base/secret.yaml': 'kind: Secret\nsops:\n  mac: x\n' }),
      {
        decryptSops: () => {
          throw new TypeError('boom');
        },
      },
    );
    expect(state.errors.map((e) => [e.file, e.code])).toEqual([['base/secret.yaml', 'TRUEUP_REPO_SOPS']]);
    expect(objectsOf(state, 'staging').map((o) => o.name)).toEqual(['app']);
  });

  it.each([
    // YAML error further down: kind and name are still readable
    [
      'a YAML error',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  a: [\n',
      undefined,
    ],
    // SOPS with encrypted_regex ^(data|stringData)$: kind and name stay in the clear
    [
      'a file that does not decrypt',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  k: ENC[AES256_GCM,data:x]\nsops:\n  mac: x\n',
      () => Promise.reject(new Error('no key')),
    ],
  ])('names the objects %s declared on its error (holds), from a tolerant scan', async (_, text, decrypt) => {
    const state = await buildDesiredState(repo({ 'base/app.yaml': baseApp, 'base/broken.yaml': text }), {
      ...(decrypt ? { decryptSops: decrypt } : {}),
    });
    const kind = text.includes('Secret') ? 'Secret' : 'ConfigMap';
    expect(state.errors.find((e) => e.file === 'base/broken.yaml')?.holds).toEqual([`${kind}/shop/app`]);
    const staging = state.clusters.find((c) => c.cluster.name === 'staging');
    expect(staging?.unreadable.map((e) => e.file)).toEqual(['base/broken.yaml']);
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

describe('buildDesiredState conflicts', () => {
  const cm = (name: string, body: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: shop\n${body}`;
  const secret = (body: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\n${body}`;
  // One line per conflict: cluster, object, path, winner and what it overrode (file:line=value).
  const summary = (state: Awaited<ReturnType<typeof buildDesiredState>>) =>
    state.conflicts.map(
      (c) =>
        `${c.cluster} ${c.kind}/${c.name} ${c.path}: ${c.winner.file}:${c.winner.line}=${c.winner.value} over ${c.overridden.map((o) => `${o.file}:${o.line}=${o.value}`).join(', ')}`,
    );

  it('reports a key two targets set to different values with both provenances, and keeps later-wins', async () => {
    const state = await buildDesiredState(repo({ 'base/app.yaml': baseApp }));
    expect(state.conflicts).toEqual([
      {
        cluster: 'prod-eu',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'app',
        path: 'data.color',
        winner: { target: 'overlays/prod', file: 'overlays/prod/app.yaml', line: 7, value: 'red' },
        overridden: [{ target: 'base', file: 'base/app.yaml', line: 8, value: 'blue' }],
      },
    ]);
    // The merge is unchanged: the later target wins.
    expect(objectsOf(state, 'prod-eu')[0]?.data.color).toBe('red');
  });

  it.each([
    // the same value in two targets is agreement, not a conflict
    ['same value', { 'base/app.yaml': cm('app', 'data:\n  color: red\n') }, []],
    // values are compared after cluster variables: equal on prod-eu, so no conflict
    [
      'equal after substitution',
      {
        'base/app.yaml': cm('app', 'data:\n  color: red\n  url: https://${cluster.name}.example.com\n'),
        'overlays/prod/app.yaml': cm('app', 'data:\n  url: https://prod-eu.example.com\n'),
      },
      [],
    ],
    // two files of one target: a conflict too, the later file (sorted by path) wins
    [
      'two files of one target',
      { 'base/a.yaml': cm('x', 'data:\n  k: one\n'), 'base/b.yaml': cm('x', 'data:\n  k: two\n') },
      [
        'prod-eu ConfigMap/x data.k: base/b.yaml:7=two over base/a.yaml:7=one',
        'staging ConfigMap/x data.k: base/b.yaml:7=two over base/a.yaml:7=one',
      ],
    ],
    // labels, annotations, binaryData and immutable are field paths like data keys
    [
      'labels, annotations, binaryData, immutable',
      {
        'base/app.yaml': cm('app', 'data:\n  color: red\nbinaryData:\n  b: AAE=\nimmutable: false\n').replace(
          'namespace: shop\n',
          'namespace: shop\n  labels: {team: web}\n  annotations: {a: "1"}\n',
        ),
        'overlays/prod/app.yaml': cm('app', 'binaryData:\n  b: AAI=\nimmutable: true\n').replace(
          'namespace: shop\n',
          'namespace: shop\n  labels: {team: ops}\n  annotations: {a: "2"}\n',
        ),
      },
      [
        'prod-eu ConfigMap/app metadata.labels.team: overlays/prod/app.yaml:6=ops over base/app.yaml:6=web',
        'prod-eu ConfigMap/app metadata.annotations.a: overlays/prod/app.yaml:7=2 over base/app.yaml:7=1',
        'prod-eu ConfigMap/app immutable: overlays/prod/app.yaml:10=true over base/app.yaml:12=false',
        'prod-eu ConfigMap/app binaryData.b: overlays/prod/app.yaml:9=AAI= over base/app.yaml:11=AAE=',
      ],
    ],
    // Secret values are compared by digest and shown only as a short hash
    [
      'Secret values',
      {
        'base/db.yaml': secret('stringData:\n  password: hunter2-base\n'),
        'overlays/prod/db.yaml': secret('type: Opaque\nstringData:\n  password: hunter2-prod\n'),
      },
      [
        `prod-eu Secret/db data.password: overlays/prod/db.yaml:8=${SecretValue.fromString('hunter2-prod')} over base/db.yaml:7=${SecretValue.fromString('hunter2-base')}`,
      ],
    ],
    // the same bytes as data (base64) in one target and stringData in another agree
    [
      'same Secret bytes as data and stringData',
      {
        'base/db.yaml': secret('data:\n  user: YWRtaW4=\n'),
        'overlays/prod/db.yaml': secret('stringData:\n  user: admin\n'),
      },
      [],
    ],
    // a declared type conflicts; the default Opaque is nobody's setting
    [
      'Secret type',
      {
        'base/db.yaml': secret('type: kubernetes.io/basic-auth\n'),
        'overlays/prod/db.yaml': secret('type: Opaque\n'),
      },
      ['prod-eu Secret/db type: overlays/prod/db.yaml:6=Opaque over base/db.yaml:6=kubernetes.io/basic-auth'],
    ],
    [
      'default Opaque after a declared type',
      { 'base/db.yaml': secret('type: kubernetes.io/basic-auth\n'), 'overlays/prod/db.yaml': secret('') },
      [],
    ],
    // data and stringData for one key in one file are that file's business (stringData wins)
    [
      'data and stringData in one file',
      { 'base/db.yaml': secret('data:\n  k: YQ==\nstringData:\n  k: b\n') },
      [],
    ],
    // an object in error on a cluster has no conflicts there
    [
      'object in error',
      {
        'base/app.yaml': cm('app', 'data:\n  color: blue\n  r: ${cluster.labels.region}\n'),
        'overlays/prod/app.yaml': cm('app', 'data:\n  color: red\n  r: ${cluster.labels.nope}\n'),
      },
      [],
    ],
  ])('%s', async (_name, files, expected) => {
    const state = await buildDesiredState(repo(files));
    expect(summary(state)).toEqual(expected);
  });

  it('lists every earlier value the winner overrode, once per place', async () => {
    const fleet = `${fleetYaml}  - path: overlays/prod/eu\n    clusters: {matchLabels: {region: eu}}\n`;
    const state = await buildDesiredState({
      revision: 'r',
      files: new Map([
        ['fleet.yaml', fleet],
        ['base/app.yaml', cm('app', 'data:\n  color: blue\n')],
        // overlays/prod/eu is inside overlays/prod: its file is read by both targets
        ['overlays/prod/app.yaml', cm('app', 'data:\n  color: red\n')],
        ['overlays/prod/eu/app.yaml', cm('app', 'data:\n  color: green\n')],
      ]),
    });
    expect(summary(state)).toEqual([
      'prod-eu ConfigMap/app data.color: overlays/prod/eu/app.yaml:7=green over base/app.yaml:7=blue, overlays/prod/app.yaml:7=red',
    ]);
    expect(state.conflicts[0]?.winner.target).toBe('overlays/prod/eu');
  });

  it.each([
    // the winning target says it overrides on purpose: nothing to report
    ['the winner', 'overlays/prod', []],
    // the overriding target was itself overridden by a later target without the flag: reported
    [
      'an earlier target only',
      'base',
      ['prod-eu ConfigMap/app data.color: overlays/prod/app.yaml:7=red over base/app.yaml:8=blue'],
    ],
  ])('with overrides: true on %s', async (_name, overriding, expected) => {
    const fleet = fleetYaml.replace(
      `  - path: ${overriding}\n    clusters: {`,
      `  - path: ${overriding}\n    overrides: true\n    clusters: {`,
    );
    expect(fleet).toContain('overrides: true');
    const files = repo({ 'base/app.yaml': baseApp }).files as Map<string, string>;
    files.set('fleet.yaml', fleet);
    const state = await buildDesiredState({ revision: 'r', files });
    expect(state.errors).toEqual([]);
    expect(summary(state)).toEqual(expected);
    expect(objectsOf(state, 'prod-eu')[0]?.data.color).toBe('red');
  });

  it.each([
    // an earlier target that owns the path wins over a later one, without a conflict
    ['an earlier owner', 'base', 'data.color', [], 'blue', 'base/app.yaml'],
    // a later owner wins as it would by order, and the conflict is not reported
    ['a later owner', 'overlays/prod', 'data.*', [], 'red', 'overlays/prod/app.yaml'],
    // owning another path changes nothing for this one
    [
      'an owner of another path',
      'base',
      'data.url',
      ['prod-eu ConfigMap/app data.color: overlays/prod/app.yaml:7=red over base/app.yaml:8=blue'],
      'red',
      'overlays/prod/app.yaml',
    ],
  ])('with owns on %s', async (_name, owner, owns, expected, color, origin) => {
    const fleet = fleetYaml.replace(
      `  - path: ${owner}\n    clusters: {`,
      `  - path: ${owner}\n    owns: ["${owns}"]\n    clusters: {`,
    );
    expect(fleet).toContain('owns:');
    const files = repo({ 'base/app.yaml': baseApp }).files as Map<string, string>;
    files.set('fleet.yaml', fleet);
    const state = await buildDesiredState({ revision: 'r', files });
    expect(state.errors).toEqual([]);
    expect(summary(state)).toEqual(expected);
    const [prod] = objectsOf(state, 'prod-eu');
    expect(prod?.data.color).toBe(color);
    expect(prod?.provenance['data.color']?.file).toBe(origin);
  });

  it('lets an owner win over a later target with overrides: true', async () => {
    const fleet = `${fleetYaml.replace('  - path: base\n', '  - path: base\n    owns: [data.color]\n')}  - path: hotfix\n    overrides: true\n`;
    const state = await buildDesiredState({
      revision: 'r',
      files: new Map([
        ['fleet.yaml', fleet],
        ['base/app.yaml', cm('app', 'data:\n  color: blue\n')],
        ['overlays/prod/app.yaml', cm('app', 'data:\n  color: red\n')],
        ['hotfix/app.yaml', cm('app', 'data:\n  color: green\n  size: L\n')],
      ]),
    });
    expect(state.errors).toEqual([]);
    expect(summary(state)).toEqual([]);
    expect(objectsOf(state, 'staging')[0]?.data).toEqual({ color: 'blue', size: 'L' });
    expect(objectsOf(state, 'prod-eu')[0]?.data).toEqual({ color: 'blue', size: 'L' });
  });

  it('never holds a Secret value in a conflict', async () => {
    const state = await buildDesiredState(
      repo({
        'base/db.yaml': secret('stringData:\n  password: canary-one\n'),
        'overlays/prod/db.yaml': secret('data:\n  password: Y2FuYXJ5LXR3bw==\n'),
      }),
    );
    expect(state.conflicts).toHaveLength(1);
    const text = JSON.stringify(state.conflicts);
    expect(text).not.toMatch(/canary|Y2FuYXJ5/);
    expect(state.conflicts[0]?.winner.value).toMatch(/^hmac-sha256:[0-9a-f]{12}$/);
  });
});
