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
	assert.Contains(t, logs.String(), `msg="ghl: app installed" key=demo-location-1 user_type=Location`)
	assert.Contains(t, logs.String(), `msg="ghl: app installed" key=ghltest-company-1 user_type=Company`)
	assert.Contains(t, logs.String(), `msg="ghl: token obtained" key=demo-location-1 kind=refresh_token`)
	assert.Contains(t, logs.String(), `msg="ghl: token obtained" key=demo-location-2 kind=location_token`)
	assert.NotContains(t, logs.String(), "demo-client-secret")
}
