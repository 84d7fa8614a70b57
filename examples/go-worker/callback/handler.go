package callback

import (
	"context"
	"encoding/json"
	"time"
)

// Request is what a handler receives (CallbackRequest in workflows/contract.ts).
type Request struct {
	UID       string
	App       string
	Alias     string
	Args      json.RawMessage
	Attempt   int
	TriggerAt time.Time
	FiredAt   time.Time
}

// DecodeArgs unmarshals the callback's args into v.
func (r Request) DecodeArgs(v any) error {
	if len(r.Args) == 0 {
		return json.Unmarshal([]byte("null"), v)
	}
	return json.Unmarshal(r.Args, v)
}

// Handler runs a callback. It confirms by returning a nil error: its result
// (any JSON value; nil is null) becomes the callback's result. Returning an
// error fails the attempt with HANDLER_FAILED; returning the value false fails
// it with HANDLER_RETURNED_FALSE. ctx is cancelled when the attempt times out,
// or when the attempt is cut (the worker's stop timeout passed, Temporal no
// longer knows it); a cancel or reschedule that reaches a started handler does
// not cancel it: the callback is answered 409 CALLBACK_RUNNING and it runs on.
type Handler func(ctx context.Context, req Request) (any, error)

// Handlers maps aliases to their handlers.
type Handlers map[string]Handler
