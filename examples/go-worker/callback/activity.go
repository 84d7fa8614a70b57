package callback

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// Activity runs callbacks by alias: register its Invoke method as ActivityName.
type Activity struct {
	Handlers Handlers
	// HeartbeatInterval: how often a running attempt is reported alive (the workflow's
	// heartbeat timeout is 10 s). Default 3 s.
	HeartbeatInterval time.Duration
	// MaxResultBytes bounds a handler's serialized result. Default DefaultMaxResultBytes.
	MaxResultBytes int
	// BeforeHandler, when set, runs once the due time is reached and before the handler starts;
	// an error it returns is returned as is (the place for a pre-start check).
	BeforeHandler func(ctx context.Context, input Input) error
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Invoke is the activity "invokeCallback".
func (a *Activity) Invoke(ctx context.Context, input Input) (*Result, error) {
	stopHeartbeats := a.heartbeat(ctx)
	defer stopHeartbeats()

	if err := a.waitUntilDue(ctx, input); err != nil {
		return nil, err
	}
	if a.BeforeHandler != nil {
		if err := a.BeforeHandler(ctx, input); err != nil {
			return nil, err
		}
	}
	started := a.now()
	startedAt := formatTime(started)
	fail := func(code, message string) (*Result, error) {
		return nil, temporal.NewNonRetryableApplicationError(message, code, nil, FailureDetails{StartedAt: startedAt})
	}

	handler, ok := a.Handlers[input.Alias]
	if !ok {
		return fail(AliasNotDefined, fmt.Sprintf("no handler is defined for alias %q on this worker", input.Alias))
	}
	outcome, timedOut := a.run(ctx, handler, input, started)
	if timedOut {
		return fail(AttemptTimeout, fmt.Sprintf("the handler did not finish within %g s", input.AttemptTimeoutSeconds))
	}
	if outcome.err != nil {
		if ctx.Err() != nil {
			// The worker is stopping (not the attempt timing out): an infrastructure failure, retryable,
			// so Temporal delivers the same attempt to a live worker without using up an attempt.
			return nil, temporal.NewApplicationError("the worker shut down during the attempt", "WORKER_SHUTDOWN")
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

type handlerOutcome struct {
	value any
	err   error
}

// run calls the handler with the attempt's deadline; timedOut when it outlived attemptTimeoutSeconds.
func (a *Activity) run(ctx context.Context, handler Handler, input Input, started time.Time) (outcome handlerOutcome, timedOut bool) {
	timeout := time.Duration(input.AttemptTimeoutSeconds * float64(time.Second))
	handlerCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
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
	done := make(chan handlerOutcome, 1)
	go func() {
		defer func() {
			if recovered := recover(); recovered != nil {
				done <- handlerOutcome{err: fmt.Errorf("the handler panicked: %v", recovered)}
			}
		}()
		value, err := handler(handlerCtx, request)
		done <- handlerOutcome{value: value, err: err}
	}()
	// The handler may ignore its context: the attempt ends at the timeout whatever it does.
	select {
	case outcome = <-done:
		return outcome, ctx.Err() == nil && handlerCtx.Err() == context.DeadlineExceeded && outcome.err != nil
	case <-handlerCtx.Done():
		if ctx.Err() != nil {
			return handlerOutcome{err: ctx.Err()}, false
		}
		return handlerOutcome{}, true
	}
}

// waitUntilDue holds the attempt until input.DueAt on this worker's clock (no-op without one).
func (a *Activity) waitUntilDue(ctx context.Context, input Input) error {
	if input.DueAt == nil {
		return nil
	}
	wait := time.UnixMilli(*input.DueAt).Sub(a.now())
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return temporal.NewApplicationError("the worker shut down before the attempt was due", "WORKER_SHUTDOWN")
	}
}

// heartbeat reports the attempt alive every HeartbeatInterval until the returned stop is called.
func (a *Activity) heartbeat(ctx context.Context) (stop func()) {
	interval := a.HeartbeatInterval
	if interval <= 0 {
		interval = 3 * time.Second
	}
	stopped := make(chan struct{})
	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				activity.RecordHeartbeat(ctx)
			case <-stopped:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(stopped) }
}

func (a *Activity) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
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
