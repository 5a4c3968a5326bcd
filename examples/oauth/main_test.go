package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemo(t *testing.T) {
	var logs bytes.Buffer
	require.NoError(t, runDemo(context.Background(), slog.New(slog.NewTextHandler(&logs, nil))))
	assert.Contains(t, logs.String(), `msg="ghl: app installed" key=demo-location-1`)
	assert.NotContains(t, logs.String(), "demo-client-secret")
}
