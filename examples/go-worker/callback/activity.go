package callback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// signalTimeout bounds the attempt-started signal.
const signalTimeout = 5 * time.Second

var errAttemptTimedOut = errors.New("the attempt timed out")

// Activity runs callbacks by alias: register its Invoke method as ActivityName. Use it by pointer.
type Activity struct {
	Handlers Handlers
	// Temporal makes the pre-start check and sends the attempt-started signal. Required: without
	// it an attempt with a due time is given up as a lost delivery, as its check cannot be made.
	Temporal client.Client
	// Namespace and Identity go with the pre-start check: the client's own. Namespace defaults to
	// client.DefaultNamespace.
	Namespace, Identity string
	// HeartbeatInterval: how often a running handler is reported alive. The SDK throttles what
	// reaches Temporal to one per the worker's MaxHeartbeatThrottleInterval, which the contract
	// wants at most 2 s. Default 1 s.
	HeartbeatInterval time.Duration
	// MaxResultBytes bounds a handler's serialized result. Default DefaultMaxResultBytes.
	MaxResultBytes int

	margin checkMargin
}

// Invoke is the activity "invokeCallback".
func (a *Activity) Invoke(ctx context.Context, input Input) (*Result, error) {
	// Attempts of workflows older than input version 2 carry no due time: no hold, no check.
	if input.DueAt != nil {
		if err := a.holdUntilDue(ctx, time.UnixMilli(*input.DueAt)); err != nil {
			return nil, err
		}
	}
	return a.runHandler(ctx, input)
}

type handlerOutcome struct {
	value any
	err   error
}

// runHandler starts the handler now and reports how its attempt ended.
func (a *Activity) runHandler(ctx context.Context, input Input) (*Result, error) {
	started := time.Now()
	startedAt := formatTime(started)
	fail := func(code, message string) (*Result, error) {
		return nil, temporal.NewNonRetryableApplicationError(message, code, nil, FailureDetails{StartedAt: startedAt})
	}
	handler, ok := a.Handlers[input.Alias]
	if !ok {
		return fail(AliasNotDefined, fmt.Sprintf("no handler is defined for alias %q on this worker", input.Alias))
	}
	activity.GetLogger(ctx).Info("Handler started", "Alias", input.Alias, "UID", input.UID, "Attempt", input.Attempt)

	// The handler's context does not inherit the activity context's cancellation: a stand-down
	// that Temporal delivers once the handler has started must not stop it. watch passes on the
	// other ends of the activity context, and closes cut first.
	handlerCtx, stopHandler := context.WithCancelCause(context.WithoutCancel(ctx))
	defer stopHandler(nil)
	cut := make(chan struct{})
	stopWatching := a.watch(ctx, input.Attempt, stopHandler, cut)
	defer stopWatching()

	done := make(chan handlerOutcome, 1)
	go func() {
		defer func() {
			if recovered := recover(); recovered != nil {
				done <- handlerOutcome{err: fmt.Errorf("the handler panicked: %v", recovered)}
			}
		}()
		value, err := handler(handlerCtx, newRequest(input, started))
		done <- handlerOutcome{value: value, err: err}
	}()
	lost := func() (*Result, error) {
		// The worker is stopping, or Temporal no longer knows the attempt: not the handler's fault, so
		// retryable, and Temporal delivers the same attempt again without using one up.
		return nil, temporal.NewApplicationError("the attempt was cut while its handler ran: "+context.Cause(ctx).Error(), "HANDLER_CUT")
	}

	timeout := time.NewTimer(time.Duration(input.AttemptTimeoutSeconds * float64(time.Second)))
	defer timeout.Stop()
	var outcome handlerOutcome
	select {
	case outcome = <-done:
	case <-cut:
		return lost()
	case <-timeout.C:
		stopHandler(errAttemptTimedOut)
		// The attempt (and its heartbeats) lasts until the handler has really stopped, so timed-out
		// handlers cannot pile up; one that never stops is ended by the start-to-close backstop.
		select {
		case <-done:
		case <-cut:
			return lost()
		}
		return fail(AttemptTimeout, fmt.Sprintf("the handler did not finish within %g s", input.AttemptTimeoutSeconds))
	}
	if outcome.err != nil {
		select {
		case <-cut: // the handler failed because it was asked to stop
			return lost()
		default:
		}
		return fail(HandlerFailed, outcome.err.Error())
	}
	if outcome.value == false {
		return fail(HandlerReturnedFalse, "the handler returned false")
	}
	encoded, err := json.Marshal(outcome.value)
	if err != nil {
		return fail(HandlerFailed, "the handler returned a value that is not JSON-serializable: "+err.Error())
	}
	if limit := a.maxResultBytes(); len(encoded) > limit {
		return fail(HandlerFailed, fmt.Sprintf("the handler returned %d bytes, more than the %d-byte result limit", len(encoded), limit))
	}
	return &Result{Result: json.RawMessage(encoded), StartedAt: startedAt}, nil
}

// watch heartbeats a running attempt (phase running) and reacts to the end of its activity context,
// until the returned stop is called. When Temporal's cancellation arrives (the workflow asked for a
// stand-down after the pre-start check) the handler runs on and the workflow is told, once; any
// other end (the worker's stop timeout passed, Temporal no longer knows the attempt, the
// start-to-close deadline) closes cut and asks the handler to stop.
func (a *Activity) watch(ctx context.Context, attempt int, stopHandler context.CancelCauseFunc, cut chan<- struct{}) (stop func()) {
	// Once the SDK has cancelled ctx, a heartbeat made with it would fail before reaching Temporal,
	// which would then time the attempt out while the handler still runs.
	heartbeatCtx := context.WithoutCancel(ctx)
	finished := make(chan struct{})
	go func() {
		ticker := time.NewTicker(a.heartbeatInterval())
		defer ticker.Stop()
		ended := ctx.Done()
		for {
			select {
			case <-finished:
				return
			case <-ticker.C:
				activity.RecordHeartbeat(heartbeatCtx, PhaseDetails{Phase: PhaseRunning})
			case <-ended:
				if !temporal.IsCanceledError(context.Cause(ctx)) {
					close(cut)
					stopHandler(context.Cause(ctx))
					return
				}
				// ctx stays done: from here on only the attempt timeout stops the handler.
				ended = nil
				go a.signalStarted(ctx, attempt)
			}
		}
	}()
	return func() { close(finished) }
}

// signalStarted sends attempt-started to the attempt's own workflow run, so that it answers the
// waiting cancel or reschedule with 409 CALLBACK_RUNNING now rather than when the attempt ends.
func (a *Activity) signalStarted(ctx context.Context, attempt int) {
	if a.Temporal == nil {
		return
	}
	execution := activity.GetInfo(ctx).WorkflowExecution
	signalCtx, cancel := context.WithTimeout(context.Background(), signalTimeout)
	defer cancel()
	err := a.Temporal.SignalWorkflow(signalCtx, execution.ID, execution.RunID, AttemptStartedSignal, AttemptStarted{Attempt: attempt})
	if err != nil {
		activity.GetLogger(ctx).Warn("Could not tell the workflow that the handler had started", "Error", err)
	}
}

func newRequest(input Input, started time.Time) Request {
	request := Request{
		UID:       input.UID,
		App:       input.App,
		Alias:     input.Alias,
		Args:      input.Args,
		Attempt:   input.Attempt,
		TriggerAt: parseTime(input.TriggerAt),
		FiredAt:   started,
	}
	if input.FiredAt != nil {
		request.FiredAt = parseTime(*input.FiredAt)
	}
	return request
}

func (a *Activity) heartbeatInterval() time.Duration {
	if a.HeartbeatInterval > 0 {
		return a.HeartbeatInterval
	}
	return time.Second
}

func (a *Activity) maxResultBytes() int {
	if a.MaxResultBytes > 0 {
		return a.MaxResultBytes
	}
	return DefaultMaxResultBytes
}

// formatTime is RFC 3339 UTC with milliseconds, as the rest of the service writes times.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func parseTime(value string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}
	}
	return t
}
