/**
 * Cluster variables in values: `${cluster.name}` and `${cluster.labels.<key>}` only, so the
 * shell-style `${VAR}` that config files are full of passes through untouched. `$${cluster.…}`
 * escapes to the literal `${cluster.…}`; any other `$${…}` is left as it is (Makefiles use it).
 */
import type { FleetCluster } from './fleet-config.ts';

const variable = /(\$?)\$\{cluster\.(name|labels\.([A-Za-z0-9_./-]+))\}/g;

/** SubstitutionError names the variable that has no value on a cluster. */
export class SubstitutionError extends Error {
  override name = 'SubstitutionError';
}

/** hasClusterVariables tells whether a value mentions a cluster variable (escaped or not). */
export function hasClusterVariables(value: string): boolean {
  variable.lastIndex = 0;
  return variable.test(value);
}

/** substituteCluster replaces cluster variables in value; a label the cluster lacks throws. */
export function substituteCluster(value: string, cluster: Pick<FleetCluster, 'name' | 'labels'>): string {
  return value.replace(variable, (whole, escaped: string, what: string, label: string | undefined) => {
    if (escaped) return whole.slice(1);
    if (what === 'name') return cluster.name;
    // Own labels only: `constructor` or `__proto__` must not reach Object.prototype's members.
    const labelValue = Object.hasOwn(cluster.labels, label as string)
      ? cluster.labels[label as string]
      : undefined;
    if (typeof labelValue !== 'string') {
      throw new SubstitutionError(
        `\${cluster.labels.${label}}: cluster ${cluster.name} has no label ${label}`,
      );
    }
    return labelValue;
  });
}
