/** Indexes both backends create the same way (plain SQL both dialects accept). */

/** fleetIndexes is migration 3 of both backends: what paging and filtering 10,000s of records read through. */
export const fleetIndexes = `
CREATE INDEX IF NOT EXISTS drifts_cluster_id ON drifts (cluster, id);
CREATE INDEX IF NOT EXISTS drifts_namespace_id ON drifts (namespace, id);
CREATE INDEX IF NOT EXISTS drifts_name_id ON drifts (name, id);
CREATE INDEX IF NOT EXISTS remediations_cluster_id ON remediations (cluster, id);
CREATE INDEX IF NOT EXISTS remediations_namespace_id ON remediations (namespace, id);
CREATE INDEX IF NOT EXISTS remediations_name_id ON remediations (name, id);
CREATE INDEX IF NOT EXISTS approvals_state ON approvals (state, cluster, namespace);
`;
