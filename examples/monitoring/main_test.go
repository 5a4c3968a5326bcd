package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linkedphone/ghl-go/ghltest"
)

// TestRun runs the demo and reads back the snapshot it printed from /debug/vars.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	require.NoError(t, run(ctx, &out, logger))

	text := out.String()
	i := strings.Index(text, "{")
	require.GreaterOrEqual(t, i, 0, text)
	require.Contains(t, text[:i], "/debug/vars")
	var snap struct {
		Requests  map[string]int64 `json:"requests_by_status"`
		Retries   map[string]int64 `json:"retries_by_reason"`
		Waits     int64            `json:"ratelimit_waits"`
		WaitSecs  float64          `json:"ratelimit_wait_seconds"`
		Daily     map[string]int64 `json:"daily_budget_remaining"`
		Refreshes map[string]int64 `json:"token_refreshes"`
		Webhooks  map[string]int64 `json:"webhooks_by_outcome"`
		Rejects   map[string]int64 `json:"webhook_rejections_by_reason"`
	}
	require.NoError(t, json.Unmarshal([]byte(text[i:]), &snap), text)

	// Every upsert and update ends in exactly one 200; the call made while the location was
	// paused ends in the one 401. Every other attempt was a fault that was retried.
	var attempts, retries int64
	for _, n := range snap.Requests {
		attempts += n
	}
	for _, n := range snap.Retries {
		retries += n
	}
	assert.Equal(t, int64(4*contactsEach), snap.Requests["200"])
	assert.Equal(t, int64(1), snap.Requests["401"])
	assert.Positive(t, retries, "the fake injects faults")
	assert.Equal(t, attempts-4*contactsEach-1, retries)

	assert.Positive(t, snap.Waits, "the low rate limit makes the limiter wait")
	assert.Positive(t, snap.WaitSecs)
	// Each location spent one request of its daily budget per upsert and per update.
	assert.Equal(t, map[string]int64{pitLocation: 1000 - 2*contactsEach, oauthLocation: 1000 - 2*contactsEach}, snap.Daily)
	assert.Equal(t, map[string]int64{"ok": 2, "failed": 1}, snap.Refreshes)
	assert.Equal(t, map[string]int64{"accepted": 4 * contactsEach, "failed": 1, "duplicate": 1, "rejected": 1}, snap.Webhooks)
	assert.Equal(t, map[string]int64{"invalid_signature": 1}, snap.Rejects)

	// The logs, even at debug level, carry no credential.
	for _, secret := range []string{"demo-pit-token", ghltest.DefaultClientSecret, "Bearer", "ghltest-code-"} {
		assert.NotContains(t, logs.String(), secret)
	}
}
