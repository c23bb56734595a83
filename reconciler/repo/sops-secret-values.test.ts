/**
 * Values SOPS decrypted are secrets wherever they sit (a ConfigMap's data, a label, an annotation),
 * and a file whose `sops:` block was stripped is an error for that file, never applied as ciphertext.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LiveObject } from '../core/model.ts';
import { knownSecretValues } from '../core/secret-guard.ts';
import { SecretValue } from '../core/secret-value.ts';
import { diffObject } from '../diff/diff.ts';
import { buildDesiredState } from './desired-state.ts';
import type { FleetState } from './fleet-state.ts';
import { decryptSopsDocuments } from './sops.ts';

const fixtures = new URL('../../test/fixtures/sops/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');

const fleetYaml = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: prod
targets:
  - path: base
    clusters: {}
`;

const plainConfigMap =
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\ndata:\n  color: blue\n';

function repo(files: Record<string, string>) {
  return { revision: 'abc123', files: new Map(Object.entries({ 'fleet.yaml': fleetYaml, ...files })) };
}

describe('a SOPS file without its sops block', () => {
  it('is an error for that file with file:line and a code, and the rest of the repo still applies', async () => {
    const stripped = fixture('string-data.enc.yaml').replace(/^sops:[\s\S]*$/m, '');
    const state = await buildDesiredState(
      repo({ 'base/db.yaml': stripped, 'base/app.yaml': plainConfigMap }),
    );
    const firstEncrypted = stripped.split('\n').findIndex((l) => l.includes('ENC[AES256_GCM,data:')) + 1;
    expect(state.errors).toEqual([
      {
        file: 'base/db.yaml',
        line: firstEncrypted,
        code: 'TRUEUP_REPO_SOPS_METADATA_MISSING',
        // What the file declared is unknown, not orphaned (never pruned).
        holds: ['Secret/payments/payments-db'],
        message: expect.stringMatching(/SOPS-encrypted \(ENC\[\.\.\.\]\) but the file has no sops metadata/),
      },
    ]);
    const objects = state.clusters[0]?.objects ?? [];
    expect(objects.map((o) => `${o.kind}/${o.name}`)).toEqual(['ConfigMap/app']);
    // No prune while a file is unreadable.
    expect(state.clusters[0]?.complete).toBe(false);
  });

  it('leaves a plain value that only mentions ENC[ alone', async () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: doc, namespace: shop}\ndata:\n  note: "ENC[...] is what sops writes"\n';
    const state = await buildDesiredState(repo({ 'base/doc.yaml': cm }));
    expect(state.errors).toEqual([]);
  });
});

describe('values SOPS decrypted', () => {
  const ageKey = readFileSync(`${fixtures}age.key`, 'utf8').match(/AGE-SECRET-KEY-\S+/)?.[0] ?? '';
  const canaries = [
    'postgres://billing:sops-configmap-canary@db:5432/billing',
    'cc-sops-label-canary',
    'sops-annotation-canary@example.com',
  ];

  it('are secrets in a ConfigMap too: its data a SecretValue, its labels and annotations digests, all scrubbed', async () => {
    const fleet = fleetYaml.replace('path: base', 'path: base\n    namespace: billing');
    const state = await buildDesiredState(
      {
        revision: 'r',
        files: new Map([
          ['fleet.yaml', fleet],
          ['base/cm.yaml', fixture('configmap-labels.enc.yaml')],
        ]),
      },
      { decryptSops: (docs) => decryptSopsDocuments(docs, [ageKey]) },
    );
    expect(state.errors).toEqual([]);
    const cm = state.clusters[0]?.objects[0];
    expect(cm?.data.DATABASE_URL).toBeInstanceOf(SecretValue);
    expect(cm?.secretPaths).toEqual([
      'metadata.annotations.billing.example.com/contact',
      'metadata.labels.cost-center',
    ]);
    // Labels stay usable (selectors, apply): the value is there, but every output shows a digest.
    expect(cm?.labels['cost-center']).toBe('cc-sops-label-canary');
    expect(
      knownSecretValues(state as unknown as FleetState)
        .map(String)
        .sort(),
    ).toEqual([...canaries].sort());
    const live: LiveObject = {
      cluster: 'prod',
      kind: 'ConfigMap',
      namespace: 'billing',
      name: 'billing-settings',
      uid: 'u',
      resourceVersion: '1',
      data: { DATABASE_URL: 'postgres://billing:changed-canary@db:5432/billing' },
      binaryData: {},
      labels: { 'cost-center': 'cc-changed-canary' },
      annotations: { 'billing.example.com/contact': 'changed-canary@example.com' },
      managedFields: [],
    };
    const drift = diffObject(live, cm, live, { fieldManager: 'trueup' });
    expect(drift.changes.map((c) => c.path)).toEqual([
      'data.DATABASE_URL',
      'metadata.labels.cost-center',
      'metadata.annotations.billing.example.com/contact',
    ]);
    for (const c of drift.changes) {
      expect(c.desired).toMatch(/^hmac-sha256:[0-9a-f]{12}$/);
      expect(c.live).toMatch(/^hmac-sha256:[0-9a-f]{12}$/);
    }
    expect(JSON.stringify([drift, state.conflicts])).not.toMatch(/canary/);
  });
});
