/**
 * Approvals: remediations pending approval by a human (`#/approvals`, `?state=` for decided ones), each with
 * its change set, dry-run verdict and reasons; operators approve or reject with an optional note.
 */

import type { Status } from '../../../contract/api.ts';
import type { Approval } from '../../../contract/drift.ts';
import { useResource } from '../context.ts';
import { approvalsHref } from '../route.ts';
import { ApprovalCard, Refusals, useRefusals } from '../ui/approval.tsx';
import { Loadable, PageTitle } from '../ui/bits.tsx';
import { FilterSelect, Filters } from '../ui/filters.tsx';
import { navigate } from '../use-route.ts';

const states = ['pending', 'accepted', 'applying', 'approved', 'rejected', 'stale', 'failed', 'all'];

/** ApprovalsPage lists approvals: `#/approvals?state=`. */
export function ApprovalsPage(props: { query: { state?: string } }) {
  const state = props.query.state ?? 'pending';
  const approvals = useResource<{ approvals: Approval[] }>(`approvals?state=${encodeURIComponent(state)}`);
  const status = useResource<Status>('status');
  const repo = { repoWebUrl: status.data?.repoWebUrl, revision: status.data?.revision };
  const { refusals, add, dismiss } = useRefusals();
  return (
    <>
      <PageTitle>Approvals</PageTitle>
      <Filters label="Filter approvals">
        <FilterSelect
          label="State"
          name="state"
          value={state === 'pending' ? undefined : state}
          options={states.filter((s) => s !== 'pending')}
          emptyLabel="pending"
          onChange={(value) => navigate(approvalsHref(value), true)}
        />
      </Filters>
      <Refusals refusals={refusals} dismiss={dismiss} />
      <Loadable resource={approvals}>
        {(data) =>
          data.approvals.length === 0 ? (
            <p class="all-good">
              {state === 'pending' ? 'Nothing waits for approval.' : `No ${state} approvals.`}
            </p>
          ) : (
            data.approvals.map((approval) => (
              <ApprovalCard
                key={approval.id}
                approval={approval}
                repo={repo}
                onDone={approvals.reload}
                onRefused={add}
              />
            ))
          )
        }
      </Loadable>
    </>
  );
}
