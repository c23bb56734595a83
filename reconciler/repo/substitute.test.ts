import { describe, expect, it } from 'vitest';
import { SubstitutionError, substituteCluster } from './substitute.ts';

const cluster = { name: 'prod-eu', labels: { env: 'prod', region: 'eu', 'topology.io/zone': 'a' } };

describe('substituteCluster', () => {
  it.each([
    // the cluster name
    ['url: https://${cluster.name}.example.com', 'url: https://prod-eu.example.com'],
    // a label, twice in one value
    ['${cluster.labels.env}-${cluster.labels.region}', 'prod-eu'],
    // label keys with a prefix and a slash
    ['zone=${cluster.labels.topology.io/zone}', 'zone=a'],
    // shell-style variables pass through untouched
    ['export PATH=${HOME}/bin:${PATH}', 'export PATH=${HOME}/bin:${PATH}'],
    // $${cluster.…} escapes to the literal text
    ['literal $${cluster.name} here', 'literal ${cluster.name} here'],
    // other $${…} stays as written (Makefile-style)
    ['echo $${HOME}', 'echo $${HOME}'],
    // near misses are not variables
    ['${cluster} ${cluster.nam} $cluster.name', '${cluster} ${cluster.nam} $cluster.name'],
    // no variables at all
    ['plain', 'plain'],
  ])('%s -> %s', (input, expected) => {
    expect(substituteCluster(input, cluster)).toBe(expected);
  });

  it('fails with the variable and the cluster named when the cluster lacks the label', () => {
    expect(() => substituteCluster('${cluster.labels.tier}', cluster)).toThrowError(
      new SubstitutionError('${cluster.labels.tier}: cluster prod-eu has no label tier'),
    );
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    "fails on ${cluster.labels.%s}: only the cluster's own labels are variables",
    (label) => {
      expect(() => substituteCluster(`\${cluster.labels.${label}}`, cluster)).toThrowError(
        new SubstitutionError(`\${cluster.labels.${label}}: cluster prod-eu has no label ${label}`),
      );
    },
  );
});
