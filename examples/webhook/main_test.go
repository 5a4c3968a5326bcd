package main

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo is self-checking: it fails unless the contact's event arrives verified, the
// delivery that failed is answered 429 and handled when it comes again, and the later
// redelivery is acknowledged without being handled again.
func TestDemo(t *testing.T) {
	var logs bytes.Buffer
	require.NoError(t, demo(slog.New(slog.NewTextHandler(&logs, nil))))
	assert.Contains(t, logs.String(), `msg="ghl: webhook failed, answered 429 for a redelivery" outcome=failed type=ContactCreate`)
	assert.Contains(t, logs.String(), "duplicate webhook acknowledged")
}
