package callback

import (
	"cmp"
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

const (
	// A wait up to silentWait needs no heartbeat: the pre-start check after it is one, well within
	// the workflow's 10 s heartbeat timeout. DISPATCH_LEAD_MS is at most 5 s, so only a clock far
	// behind the service's makes a longer wait, which reports itself armed every armedHeartbeatEvery.
	silentWait          = 6 * time.Second
	armedHeartbeatEvery = 5 * time.Second
	// checkTimeout bounds the pre-start check; past it the delivery is given up as lost.
	checkTimeout = 2 * time.Second
	// standDownAck is how long a stand-down waits for the SDK to deliver the cancellation, so that
	// the attempt ends cancelled rather than ATTEMPT_STOOD_DOWN.
	standDownAck = 5 * time.Second
)

// holdUntilDue holds an attempt that arrived ahead of its due time: until just before it, then the
// pre-start check, then until the due millisecond. An error means the handler must not start.
func (a *Activity) holdUntilDue(ctx context.Context, due time.Time) error {
	if err := waitUntil(ctx, due.Add(-a.margin.get())); err != nil {
		return err
	}
	if err := a.preStartCheck(ctx); err != nil {
		return err
	}
	return waitUntil(ctx, due)
}

// waitUntil returns once time.Now() >= at on this worker's wall clock, never before: a timer runs
// on the monotonic clock and may wake a little early against the wall clock, so it checks again.
func waitUntil(ctx context.Context, at time.Time) error {
	for {
		wait := time.Until(at)
		if wait <= 0 {
			return nil
		}
		long := wait > silentWait
		if long {
			wait = armedHeartbeatEvery
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return armedCut(ctx)
		}
		if long {
			activity.RecordHeartbeat(ctx, PhaseDetails{Phase: PhaseArmed})
		}
	}
}

// armedCut is the failure of an attempt whose context ended before its handler started. Temporal's
// cancellation (learnt from a heartbeat) is a stand-down: returning ctx.Err() ends the attempt
// cancelled. Anything else (the worker stopping past its stop timeout, Temporal no longer knowing
// the attempt) is a lost delivery, which says that the handler did not start.
func armedCut(ctx context.Context) error {
	if temporal.IsCanceledError(context.Cause(ctx)) {
		return ctx.Err()
	}
	return temporal.NewApplicationError("the attempt was cut before its handler started: "+context.Cause(ctx).Error(),
		"ARMED_ATTEMPT_CUT", PhaseDetails{Phase: PhaseArmed})
}

// preStartCheck is the one awaited heartbeat (phase checked) that every handler start needs: its
// answer orders the start against a stand-down at Temporal. It is made directly, not through
// activity.RecordHeartbeat, which throttles heartbeats and never says what Temporal answered.
func (a *Activity) preStartCheck(ctx context.Context) error {
	lost := func(err error) error {
		if ctx.Err() != nil {
			return armedCut(ctx)
		}
		// Without a recorded check no handler may start (the workflow relies on it after a lost
		// worker): a retryable failure, so Temporal delivers the attempt again.
		return temporal.NewApplicationError("the pre-start check failed: "+err.Error(), "PRE_START_CHECK_FAILED",
			PhaseDetails{Phase: PhaseArmed})
	}
	if a.Temporal == nil {
		return lost(errors.New("the Activity has no Temporal client"))
	}
	details, err := converter.GetDefaultDataConverter().ToPayloads(PhaseDetails{Phase: PhaseChecked})
	if err != nil {
		return lost(err)
	}
	checkCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	started := time.Now()
	response, err := a.Temporal.WorkflowService().RecordActivityTaskHeartbeat(checkCtx, &workflowservice.RecordActivityTaskHeartbeatRequest{
		Namespace: cmp.Or(a.Namespace, client.DefaultNamespace),
		TaskToken: activity.GetInfo(ctx).TaskToken,
		Details:   details,
		Identity:  a.Identity,
	})
	if err != nil {
		return lost(err)
	}
	a.margin.observe(time.Since(started))
	if response.GetCancelRequested() {
		return standDown(ctx)
	}
	return nil
}

// standDown makes the SDK learn of the cancellation (a heartbeat through it, whose answer carries
// it), so that the attempt ends cancelled. It always returns an error.
func standDown(ctx context.Context) error {
	activity.RecordHeartbeat(ctx, PhaseDetails{Phase: PhaseStandingDown})
	timer := time.NewTimer(standDownAck)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		if temporal.IsCanceledError(context.Cause(ctx)) {
			return ctx.Err()
		}
	case <-timer.C:
	}
	// The cancellation did not come in time: the contract's other way to say the same.
	return temporal.NewNonRetryableApplicationError("the attempt stood down before its handler started", StoodDown, nil,
		PhaseDetails{Phase: PhaseStandingDown})
}

// checkMargin is how long before the due time the pre-start check is made: a little more than the
// slowest recent checks took (a decaying peak), so that the handler still starts on the due
// millisecond when a check is slow. A stand-down reaching Temporal within the margin finds the
// attempt committed (409): tens of milliseconds normally. The zero value is ready to use.
type checkMargin struct {
	mu     sync.Mutex
	peakMs float64 // 0: none observed yet
}

func (m *checkMargin) get() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms := min(250, max(30, math.Ceil(m.peak()*1.5+10)))
	return time.Duration(ms) * time.Millisecond
}

func (m *checkMargin) observe(rtt time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peakMs = max(float64(rtt)/float64(time.Millisecond), m.peak()*0.95)
}

func (m *checkMargin) peak() float64 {
	if m.peakMs == 0 {
		return 20
	}
	return m.peakMs
}
