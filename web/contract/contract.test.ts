/**
 * The API contract (`web/contract/`) and the server's own types must describe the same JSON: the
 * console compiles against the contract, the server builds its answers from its model. These type
 * assertions fail `npm run typecheck` when either side changes a field without the other (the
 * routes' `Reply` types catch the rest: an answer the contract does not allow).
 */

import { describe, expectTypeOf, it } from 'vitest';
import type * as alert from '../../diagnose/alert.ts';
import type * as incident from '../../diagnose/incident.ts';
import type * as diagnose from '../../diagnose/model.ts';
import type { AuditRecord as AuditRecordOfStore } from '../../reconciler/audit/event.ts';
import type * as decision from '../../reconciler/core/decision.ts';
import type { errorCatalog, Failure } from '../../reconciler/core/errors.ts';
import type * as model from '../../reconciler/core/model.ts';
import type * as daemon from '../../reconciler/daemon/daemon.ts';
import type { Daemon } from '../../reconciler/daemon/daemon.ts';
import type * as preview from '../../reconciler/preview/model.ts';
import type * as store from '../../reconciler/store/store.ts';
import type * as approvals from '../../reconciler/sync/approvals.ts';
import type * as cycle from '../../reconciler/sync/cycle.ts';
import type * as plan from '../../reconciler/sync/plan.ts';
import type { ErrorBody } from '../reply-error.ts';
import type * as api from './api.ts';
import type * as drift from './drift.ts';
import type * as errors from './errors.ts';
import type * as fleet from './fleet.ts';
import type * as incidents from './incidents.ts';
import type * as previewContract from './preview.ts';

describe('the API contract', () => {
  it('knows every code of the error catalog', () => {
    expectTypeOf<errors.TrueupCode>().toEqualTypeOf<keyof typeof errorCatalog>();
    expectTypeOf<errors.Failure>().toEqualTypeOf<Failure>();
    expectTypeOf<errors.ApiErrorBody>().toEqualTypeOf<ErrorBody>();
  });

  it('describes drift as the reconciler model does', () => {
    expectTypeOf<drift.ManagedKind>().toEqualTypeOf<model.ManagedKind>();
    expectTypeOf<drift.ObjectRef>().toEqualTypeOf<model.ObjectRef>();
    expectTypeOf<drift.KeyOrigin>().toEqualTypeOf<model.KeyOrigin>();
    expectTypeOf<drift.DriftStatus>().toEqualTypeOf<model.DriftStatus>();
    expectTypeOf<drift.ChangeType>().toEqualTypeOf<model.ChangeType>();
    expectTypeOf<drift.DocumentFormat>().toEqualTypeOf<model.DocumentFormat>();
    expectTypeOf<drift.DocumentChange>().toEqualTypeOf<model.DocumentChange>();
    expectTypeOf<drift.DocumentDiff>().toEqualTypeOf<model.DocumentDiff>();
    expectTypeOf<drift.FieldChange>().toEqualTypeOf<model.FieldChange>();
    expectTypeOf<drift.DriftedBy>().toEqualTypeOf<model.DriftedBy>();
    expectTypeOf<drift.Flap>().toEqualTypeOf<model.Flap>();
    expectTypeOf<drift.RepoErrorCode>().toEqualTypeOf<model.RepoErrorCode>();
    expectTypeOf<drift.RepoError>().toEqualTypeOf<model.RepoError>();
    expectTypeOf<drift.Drift>().toEqualTypeOf<model.Drift>();
    expectTypeOf<drift.RemediationMode>().toEqualTypeOf<decision.RemediationMode>();
    expectTypeOf<drift.HoldKind>().toEqualTypeOf<decision.HoldKind>();
    expectTypeOf<drift.Decision>().toEqualTypeOf<decision.Decision>();
  });

  it('describes a preview as reconciler/preview does', () => {
    expectTypeOf<previewContract.Conflict>().toEqualTypeOf<model.Conflict>();
    expectTypeOf<previewContract.KeyChange>().toEqualTypeOf<preview.KeyChange>();
    expectTypeOf<previewContract.ObjectChange>().toEqualTypeOf<preview.ObjectChange>();
    expectTypeOf<previewContract.PreviewApply>().toEqualTypeOf<preview.PreviewApply>();
    expectTypeOf<previewContract.LiveDrift>().toEqualTypeOf<preview.LiveDrift>();
    expectTypeOf<previewContract.ClusterPreview>().toEqualTypeOf<preview.ClusterPreview>();
    expectTypeOf<previewContract.PreviewReport>().toEqualTypeOf<preview.PreviewReport>();
    expectTypeOf<previewContract.PreviewRequest>().toEqualTypeOf<preview.PreviewRequest>();
  });

  it('describes change sets, approvals and records as the sync pipeline and the store do', () => {
    expectTypeOf<drift.ChangeAction>().toEqualTypeOf<plan.ChangeAction>();
    expectTypeOf<drift.ChangeSetEntry>().toEqualTypeOf<cycle.ChangeSetEntry>();
    expectTypeOf<drift.ApprovalState>().toEqualTypeOf<store.ApprovalState>();
    expectTypeOf<drift.Approval>().toEqualTypeOf<store.Approval>();
    expectTypeOf<drift.DriftRecord>().toEqualTypeOf<store.DriftRecord>();
    expectTypeOf<drift.AuditRecord>().toEqualTypeOf<AuditRecordOfStore>();
    expectTypeOf<drift.RemediationRecord>().toEqualTypeOf<store.RemediationRecord>();
    expectTypeOf<api.ApprovalRefusal>().toEqualTypeOf<approvals.ApprovalRefusal>();
    expectTypeOf<api.ApprovalOutcome>().toEqualTypeOf<approvals.ApprovalOutcome>();
  });

  it('describes status and actions as the daemon answers them', () => {
    expectTypeOf<api.ClusterHealth>().toEqualTypeOf<daemon.ClusterHealth>();
    expectTypeOf<api.ClusterStatus>().toEqualTypeOf<daemon.ClusterStatus>();
    expectTypeOf<api.ReplicaStatus>().toEqualTypeOf<daemon.ReplicaStatus>();
    // status adds the repo's web URL to the daemon's status
    expectTypeOf<Omit<api.Status, 'repoWebUrl'>>().toEqualTypeOf<daemon.DaemonStatus>();
    expectTypeOf<api.RemediateOutcome>().toEqualTypeOf<Awaited<ReturnType<Daemon['remediateNow']>>>();
  });

  it('describes the fleet heat map and remediation results as the daemon and the store do', () => {
    expectTypeOf<fleet.NamespaceState>().toEqualTypeOf<daemon.NamespaceState>();
    expectTypeOf<fleet.RemediationResult>().toEqualTypeOf<store.RemediationResult>();
  });

  it('describes incidents as diagnosis does', () => {
    expectTypeOf<incidents.Alert>().toEqualTypeOf<alert.Alert>();
    expectTypeOf<incidents.WorkloadKind>().toEqualTypeOf<diagnose.WorkloadKind>();
    expectTypeOf<incidents.Subject>().toEqualTypeOf<diagnose.Subject>();
    expectTypeOf<incidents.ReferenceVia>().toEqualTypeOf<diagnose.ReferenceVia>();
    expectTypeOf<incidents.ConfigReference>().toEqualTypeOf<diagnose.ConfigReference>();
    expectTypeOf<incidents.ContainerState>().toEqualTypeOf<diagnose.ContainerState>();
    expectTypeOf<incidents.PodState>().toEqualTypeOf<diagnose.PodState>();
    expectTypeOf<incidents.EventSummary>().toEqualTypeOf<diagnose.EventSummary>();
    expectTypeOf<incidents.WorkloadEvidence>().toEqualTypeOf<diagnose.WorkloadEvidence>();
    expectTypeOf<incidents.ConfigEvidence>().toEqualTypeOf<diagnose.ConfigEvidence>();
    expectTypeOf<incidents.EvidenceBundle>().toEqualTypeOf<diagnose.EvidenceBundle>();
    expectTypeOf<incidents.Fix>().toEqualTypeOf<diagnose.Fix>();
    expectTypeOf<incidents.DiagnosisAnswer>().toEqualTypeOf<diagnose.DiagnosisAnswer>();
    expectTypeOf<incidents.FixValidation>().toEqualTypeOf<diagnose.FixValidation>();
    expectTypeOf<incidents.Usage>().toEqualTypeOf<diagnose.Usage>();
    expectTypeOf<incidents.Diagnosis>().toEqualTypeOf<diagnose.Diagnosis>();
    expectTypeOf<incidents.InvestigationState>().toEqualTypeOf<incident.InvestigationState>();
    expectTypeOf<incidents.Incident>().toEqualTypeOf<incident.Incident>();
  });
});
