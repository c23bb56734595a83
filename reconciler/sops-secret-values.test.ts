/**
 * Values SOPS decrypted are secrets wherever they sit (a ConfigMap's data, a label, an annotation),
 * and a file whose `sops:` block was stripped is an error for that file, never applied as ciphertext.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDesiredState } from './desired-state.ts';

const fixtures = new URL('../test/fixtures/sops/', import.meta.url).pathname;
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
