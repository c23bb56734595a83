/**
 * HeatMapTable: the fleet as clusters (or cluster groups) × namespaces, each cell coloured by its
 * worst state and linking to its drifts. The first column (sticky) is the row's own state; the
 * table scrolls sideways when there are many namespaces. Rows are keyboard rows (j/k).
 */
import type { ClusterHealth } from '../../../contract/api.ts';
import { cellText, type HeatMap, type HeatRow, healthOrder } from '../heat.ts';
import { driftsHref, timelineHref } from '../route.ts';

const stateLabel: Record<ClusterHealth, string> = {
  unreachable: 'unreachable',
  errors: 'repo or cluster error',
  held: 'pending approval',
  drifted: 'drifted',
  'in-sync': 'in sync',
};

// A group's drifts are those of its label value; a group of clusters without the label has no one link.
function rowScope(row: HeatRow, groupBy?: string): { cluster?: string; label?: string } | undefined {
  if (!groupBy) return { cluster: row.key };
  return row.key.includes('=') ? { label: row.key } : undefined;
}

/** HeatLegend names each colour. */
export function HeatLegend() {
  return (
    <ul class="heat-legend" aria-label="heat map colours">
      {healthOrder.map((state) => (
        <li key={state}>
          <span class={`heat-swatch heat-${state}`} aria-hidden="true" /> {stateLabel[state]}
        </li>
      ))}
    </ul>
  );
}

/** HeatMapTable draws the map; groupBy names the label rows are grouped by, if any. */
export function HeatMapTable(props: { map: HeatMap; groupBy?: string }) {
  const { map, groupBy } = props;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
    <section class="table-scroll heat-scroll" aria-label="fleet heat map" tabIndex={0}>
      <table class="heat-map" data-testid="heat-map">
        <thead>
          <tr>
            <th scope="col" class="heat-row-head">
              {groupBy ? `Group (${groupBy})` : 'Cluster'}
            </th>
            {map.namespaces.map((ns) => (
              <th scope="col" key={ns} class="heat-ns">
                <span>{ns}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {map.rows.map((row) => (
            <tr key={row.key} data-nav-row data-testid={`heat-row-${row.key}`}>
              <th scope="row" class={`heat-row-head heat-edge-${row.status}`}>
                {rowScope(row, groupBy) ? (
                  <a
                    href={driftsHref(rowScope(row, groupBy))}
                    title={`${row.title}: ${stateLabel[row.status]}`}
                  >
                    {row.title}
                  </a>
                ) : (
                  row.title
                )}{' '}
                {groupBy && <span class="muted">({row.clusters.length})</span>}{' '}
                {!groupBy && (
                  <a
                    class="muted small-link"
                    href={timelineHref({ cluster: row.key })}
                    aria-label={`timeline of ${row.key}`}
                  >
                    ⌁
                  </a>
                )}
              </th>
              {map.namespaces.map((ns) => {
                const cell = row.cells.get(ns);
                if (!cell)
                  return (
                    <td key={ns} class="heat-cell heat-none">
                      <span class="sr-only">nothing managed</span>
                    </td>
                  );
                const scope = rowScope(row, groupBy);
                const title = `${row.title} / ${ns}: ${stateLabel[cell.status]} · ${cell.objects} object(s), ${cell.drifted} drifted, ${cell.pendingApprovals} pending approval`;
                return (
                  <td key={ns} class={`heat-cell heat-${cell.status}`}>
                    <a
                      href={scope ? driftsHref({ ...scope, namespace: ns }) : driftsHref({ namespace: ns })}
                      title={title}
                      aria-label={title}
                      data-testid={`heat-cell-${row.key}-${ns}`}
                      data-state={cell.status}
                    >
                      {cellText(cell)}
                    </a>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
