package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"delay-callback.example/go-worker/callback"
)

// exampleHandlers are the aliases this example defines; replace them with your own.
func exampleHandlers() callback.Handlers {
	return callback.Handlers{
		// greet: args ["name"] -> {"greeting": "hello, name", "attempt": n}
		"greet": func(_ context.Context, req callback.Request) (any, error) {
			var names []string
			if err := req.DecodeArgs(&names); err != nil || len(names) == 0 {
				return nil, fmt.Errorf("greet wants args [\"name\"]: %v", err)
			}
			return map[string]any{"greeting": "hello, " + names[0], "attempt": req.Attempt, "uid": req.UID}, nil
		},
		// flaky: the first attempt fails (HANDLER_FAILED), later ones succeed.
		"flaky": func(_ context.Context, req callback.Request) (any, error) {
			if req.Attempt == 1 {
				return nil, errors.New("flaky: the first attempt always fails")
			}
			return map[string]any{"succeededOnAttempt": req.Attempt}, nil
		},
		// refuse: returns false (HANDLER_RETURNED_FALSE).
		"refuse": func(context.Context, callback.Request) (any, error) { return false, nil },
		// sleep: args {"seconds": n}; honours ctx, so it ends with the attempt timeout.
		"sleep": func(ctx context.Context, req callback.Request) (any, error) {
			var args struct {
				Seconds float64 `json:"seconds"`
			}
			if err := req.DecodeArgs(&args); err != nil {
				return nil, err
			}
			select {
			case <-time.After(time.Duration(args.Seconds * float64(time.Second))):
				return true, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	}
}
