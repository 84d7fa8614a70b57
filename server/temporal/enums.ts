// Temporal API enums, for the raw service calls. @temporalio/proto is CommonJS: named
// imports of it do not work under plain Node ESM, hence this one destructuring.
import proto from '@temporalio/proto';

export const { EventType, IndexedValueType, PendingActivityState, PendingWorkflowTaskState, ResetReapplyType, TaskQueueKind, TaskQueueType } = proto.temporal.api.enums.v1;
