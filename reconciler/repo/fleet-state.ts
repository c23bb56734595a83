/**
 * FleetState is everything one revision of the fleet repo says: the desired objects per cluster
 * and the policy. Pure: built from the repo content alone.
 */
import { loadPolicy, type Policy } from '../../policies/policy-file.ts';
import {
  buildDesiredState,
  type DesiredState,
  type DesiredStateOptions,
  type RepoContent,
} from './desired-state.ts';

/** FleetState is a revision's desired state and policy; policy errors are among its errors. */
export interface FleetState extends DesiredState {
  policy: Policy;
}

/** buildFleetState builds the desired state and loads the policy files of one revision. */
export async function buildFleetState(
  content: RepoContent,
  options: DesiredStateOptions = {},
): Promise<FleetState> {
  const state = await buildDesiredState(content, options);
  const { policy, errors } = loadPolicy(content.files);
  return { ...state, policy, errors: [...state.errors, ...errors] };
}
