import { describe, expect, it } from 'vitest';
import { matchesSelector } from '../core/selector.ts';
import { parseFleet } from './fleet-config.ts';

const valid = `apiVersion: trueup.io/v1alpha1
kind: Fleet
clusters:
  - name: prod-eu
    context: kind-prod-eu
    labels: {env: prod, region: eu}
  - name: staging
targets:
  - path: base
    clusters: {}
  - path: overlays/prod
    clusters: {matchLabels: {env: prod}}
`;

describe('parseFleet', () => {
  it('accepts the documented example and fills defaults', () => {
    const { fleet, errors } = parseFleet(valid);
    expect(errors).toEqual([]);
    expect(fleet?.clusters[1]).toEqual({ name: 'staging', labels: {} });
    expect(fleet?.targets[1]?.clusters).toEqual({ matchLabels: { env: 'prod' } });
  });

  it.each([
    // a missing file
    [undefined, [{ file: 'fleet.yaml', message: 'fleet.yaml not found at the repo root' }]],
    // broken YAML names the line of the syntax error
    ['apiVersion: trueup.io/v1alpha1\nclusters: [\n', [{ file: 'fleet.yaml', line: 3 }]],
    // a wrong field names the field and its line
    [
      valid.replace('  - name: staging', '  - name: Staging_1'),
      [
        {
          file: 'fleet.yaml',
          line: 7,
          message: expect.stringMatching(/^clusters\.1\.name: must be a DNS label/),
        },
      ],
    ],
    // an unknown field is refused, not ignored
    [
      valid.replace('    clusters: {}', '    clusters: {}\n    namspace: x'),
      [{ file: 'fleet.yaml', line: 9, message: expect.stringContaining('namspace') }],
    ],
    // duplicate cluster names
    [
      valid.replace('  - name: staging', '  - name: prod-eu'),
      [{ file: 'fleet.yaml', line: 7, message: 'clusters.1.name: duplicate cluster name prod-eu' }],
    ],
    // a target that leaves the repo
    [
      valid.replace('path: base', 'path: ../elsewhere'),
      [
        {
          file: 'fleet.yaml',
          line: 9,
          message: expect.stringContaining('targets.0.path: must be a folder inside'),
        },
      ],
    ],
    // two targets owning overlapping paths on a cluster both select: reported at the later claim
    [
      `${valid}    owns: [data.log-level]\n  - path: overlays/eu\n    clusters: {matchLabels: {region: eu}}\n    owns: [data.color, "data.log-*"]\n`,
      [
        {
          file: 'fleet.yaml',
          line: 16,
          message:
            'targets.2.owns.1: data.log-* is also owned by target overlays/prod (targets.1.owns: data.log-level) on cluster prod-eu; a field path has one owner per cluster',
        },
      ],
    ],
  ])('reports errors with file and line (%#)', (text, expected) => {
    const { fleet, errors } = parseFleet(text);
    expect(fleet).toBeUndefined();
    expect(errors).toEqual(expected.map((e) => expect.objectContaining(e)));
  });
});

describe('parseFleet ownership', () => {
  it.each([
    // two owners of one path, but no cluster is selected by both targets: fine
    ['disjoint clusters', '{matchLabels: {env: staging}}', '[data.log-level]', true],
    // different paths on the same clusters: fine
    ['different paths', '{}', '[data.color]', true],
    // the same path on a shared cluster: an error
    ['same path', '{}', '[data.log-level]', false],
  ])('%s', (_name, clusters, owns, ok) => {
    const text = `${valid}    owns: [data.log-level]\n  - path: overlays/x\n    clusters: ${clusters}\n    owns: ${owns}\n`;
    expect(parseFleet(text).errors.length === 0).toBe(ok);
  });
});

describe('matchesSelector', () => {
  const labels = { env: 'prod', region: 'eu' };
  it.each([
    [{}, true], // the empty selector selects every cluster
    [{ matchLabels: { env: 'prod' } }, true],
    [{ matchLabels: { env: 'prod', region: 'us' } }, false],
    [{ matchExpressions: [{ key: 'region', operator: 'In' as const, values: ['eu', 'us'] }] }, true],
    [{ matchExpressions: [{ key: 'region', operator: 'NotIn' as const, values: ['eu'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['x'] }] }, true], // absent key passes NotIn
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' as const }] }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' as const }] }, false],
  ])('%j -> %s', (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });
});
