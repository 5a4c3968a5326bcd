package ghl

import "log/slog"

// telemetry is where a constructor keeps the logger and observer that ghl.WithLogger and
// ghl.WithObserver give every constructor. Its home is options.go; this copy lets the webhook
// verifier embed it until both land together, and goes then.
type telemetry struct {
	logger   *slog.Logger
	observer Observer
}
