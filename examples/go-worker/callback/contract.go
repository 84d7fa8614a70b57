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
