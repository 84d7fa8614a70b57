// Command go-worker hosts delay-callback handlers written in Go: a Temporal
// worker polling the application's task queue "delay-callback.<app>" and
// running the activity "invokeCallback" by alias, as the TypeScript SDK's
// worker does. Configuration comes from the environment:
//
//	DELAY_CALLBACK_APP   the application (required)
//	TEMPORAL_ADDRESS     host:port of the Temporal frontend (default 127.0.0.1:7233)
//	TEMPORAL_NAMESPACE   the namespace (default "default")
//
// It stops gracefully on SIGINT or SIGTERM: running handlers get
// WORKER_STOP_TIMEOUT_SECONDS (default 30) to finish.
package main

import (
	"fmt"
	"log"
	"os"
	"regexp"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"delay-callback.example/go-worker/callback"
)

var appName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func main() {
	app := os.Getenv("DELAY_CALLBACK_APP")
	if !appName.MatchString(app) {
		log.Fatalf("DELAY_CALLBACK_APP must be an app name matching %s (got %q)", appName, app)
	}
	stopTimeout, err := seconds("WORKER_STOP_TIMEOUT_SECONDS", 30)
	if err != nil {
		log.Fatal(err)
	}
	namespace := envOr("TEMPORAL_NAMESPACE", "default")
	identity := fmt.Sprintf("%s@go-worker:%d", app, os.Getpid())
	c, err := client.Dial(client.Options{
		HostPort:  envOr("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		Namespace: namespace,
		Identity:  identity,
	})
	if err != nil {
		log.Fatalf("cannot connect to Temporal: %v", err)
	}
	defer c.Close()

	w := worker.New(c, callback.TaskQueue(app), worker.Options{
		MaxConcurrentActivityExecutionSize: 100,
		WorkerStopTimeout:                  stopTimeout,
		// The contract wants a running handler's heartbeat to reach Temporal at least every 2 s; the
		// SDK would otherwise send one per 8 s (80% of the workflow's 10 s heartbeat timeout).
		MaxHeartbeatThrottleInterval: 2 * time.Second,
	})
	invoker := &callback.Activity{Handlers: exampleHandlers(), Temporal: c, Namespace: namespace, Identity: identity}
	w.RegisterActivityWithOptions(invoker.Invoke, activity.RegisterOptions{Name: callback.ActivityName})
	if err := w.Start(); err != nil {
		log.Fatalf("cannot start the worker: %v", err)
	}
	// Tests and scripts wait for this line.
	fmt.Printf("go-worker: polling %s\n", callback.TaskQueue(app))
	<-worker.InterruptCh()
	w.Stop()
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func seconds(name string, fallback int) (time.Duration, error) {
	raw := os.Getenv(name)
	if raw == "" {
		return time.Duration(fallback) * time.Second, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a whole number of seconds (got %q)", name, raw)
	}
	return time.Duration(n) * time.Second, nil
}
