// Package callback implements the delay-callback activity contract in Go: the
// activity "invokeCallback" on the task queue "delay-callback.<app>", its JSON
// input and output, and how an attempt's outcome is reported. The reference is
// docs/activity-contract.md; the TypeScript side of it is workflows/contract.ts.
package callback

import "encoding/json"

// ActivityName is the activity type the delayCallback workflow schedules.
const ActivityName = "invokeCallback"

// TaskQueue is the task queue of an application's workers.
func TaskQueue(app string) string { return "delay-callback." + app }

// Attempt error codes: the type of the non-retryable ApplicationFailure that
// reports a failed attempt. The workflow counts each against the callback's
// retry strategy and shows it as lastError.code.
const (
	HandlerFailed        = "HANDLER_FAILED"
	HandlerReturnedFalse = "HANDLER_RETURNED_FALSE"
	AttemptTimeout       = "ATTEMPT_TIMEOUT"
	AliasNotDefined      = "ALIAS_NOT_DEFINED"
)

// StoodDown is the type of the non-retryable ApplicationFailure of an attempt that stood down
// before its handler started, when the SDK did not deliver the cancellation in time to end it
// cancelled. The workflow treats both alike: the attempt was not made.
const StoodDown = "ATTEMPT_STOOD_DOWN"

// AttemptStartedSignal tells the attempt's workflow run that its handler had started when a
// stand-down reached it, so a waiting cancel or reschedule is answered 409 at once.
const AttemptStartedSignal = "attempt-started"

// AttemptStarted is the input of AttemptStartedSignal.
type AttemptStarted struct {
	Attempt int `json:"attempt"`
}

// Phase is where an attempt is, carried by every heartbeat and by a failure the worker reports
// for a lost delivery: after a lost worker, the workflow reads it to know whether the handler
// may have started.
type Phase string

const (
	// PhaseArmed: holding the attempt until its due time; the handler has not started.
	PhaseArmed Phase = "armed"
	// PhaseChecked: the pre-start check; the handler may start from here on.
	PhaseChecked Phase = "checked"
	// PhaseStandingDown: the check found the attempt cancelled; the handler will not start.
	PhaseStandingDown Phase = "standing-down"
	// PhaseRunning: the handler runs.
	PhaseRunning Phase = "running"
)

// PhaseDetails is the payload of a heartbeat, and the first detail of a lost delivery's failure.
type PhaseDetails struct {
	Phase Phase `json:"phase"`
}

// DefaultMaxResultBytes is the largest serialized result a handler may return.
const DefaultMaxResultBytes = 64 * 1024

// Input is the activity's input (InvokeCallbackInput in workflows/contract.ts).
// Unknown fields are ignored, so a newer workflow can add fields.
type Input struct {
	App   string          `json:"app"`
	UID   string          `json:"uid"`
	Alias string          `json:"alias"`
	Args  json.RawMessage `json:"args"`
	// Attempt is 1 for the first attempt; a redelivery after a lost worker has the same number.
	Attempt   int    `json:"attempt"`
	TriggerAt string `json:"triggerAt"`
	// FiredAt is when the first attempt started; nil on the first attempt.
	FiredAt               *string `json:"firedAt"`
	AttemptTimeoutSeconds float64 `json:"attemptTimeoutSeconds"`
	// DueAt (epoch milliseconds), when present: the attempt was dispatched ahead of its due time
	// and the handler must not start before it, on this worker's clock.
	DueAt *int64 `json:"dueAt,omitempty"`
}

// Result is the activity's output (InvokeCallbackResult).
type Result struct {
	Result    any    `json:"result"`
	StartedAt string `json:"startedAt"`
}

// FailureDetails is the first detail of an attempt's failure (AttemptFailureDetails).
type FailureDetails struct {
	StartedAt string `json:"startedAt"`
}
