package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replicaHandler is one replica's webhook endpoint: its own store over the shared Redis.
func replicaHandler(t *testing.T, rs *redisServer, prefix string, srv *ghltest.Server, fn func(context.Context, ghl.Event) error) http.Handler {
	t.Helper()
	st, err := New(rs.Client(t), WithPrefix(prefix))
	require.NoError(t, err)
	v, err := ghl.NewWebhookVerifier(ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()), ghl.WithReplayStore(st))
	require.NoError(t, err)
	return v.Handler(fn)
}

func deliver(t *testing.T, h http.Handler, srv *ghltest.Server, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/ghl", bytes.NewReader(body))
	for k, v := range srv.SignWebhook(body) {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func contactCreate(t *testing.T, webhookID string) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"type": "ContactCreate", "locationId": "loc-1", "id": "contact-1", "firstName": "Ada",
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "webhookId": webhookID,
	})
	require.NoError(t, err)
	_, err = ghl.ParseEvent(body)
	require.NoError(t, err)
	return body
}

func TestWebhookDeliveredToTwoReplicasIsProcessedOnce(t *testing.T) {
	rs := startRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	prefix := "wh-" + t.Name() + ":"

	var processed atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	slow := replicaHandler(t, rs, prefix, srv, func(ctx context.Context, ev ghl.Event) error {
		processed.Add(1)
		close(started)
		<-release
		return nil
	})
	fast := replicaHandler(t, rs, prefix, srv, func(ctx context.Context, ev ghl.Event) error {
		processed.Add(1)
		return nil
	})
	body := contactCreate(t, "wh-both")

	// GHL's delivery and its retry land on two replicas at once: while the first processes
	// the event, the second answers 429 without processing it (had the first failed, the
	// event must come again).
	first := make(chan int, 1)
	go func() { first <- deliver(t, slow, srv, body) }()
	<-started
	assert.Equal(t, http.StatusTooManyRequests, deliver(t, fast, srv, body))
	close(release)
	assert.Equal(t, http.StatusOK, <-first)
	assert.Equal(t, int32(1), processed.Load())

	// Later redeliveries, to either replica, are recognised as processed.
	assert.Equal(t, http.StatusOK, deliver(t, fast, srv, body))
	assert.Equal(t, http.StatusOK, deliver(t, slow, srv, body))
	assert.Equal(t, int32(1), processed.Load())
}

func TestWebhookFailedOnOneReplicaIsProcessedByAnother(t *testing.T) {
	rs := startRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	prefix := "wh-" + t.Name() + ":"

	var okCount atomic.Int32
	failing := replicaHandler(t, rs, prefix, srv, func(context.Context, ghl.Event) error {
		return errors.New("database unavailable")
	})
	healthy := replicaHandler(t, rs, prefix, srv, func(context.Context, ghl.Event) error {
		okCount.Add(1)
		return nil
	})
	body := contactCreate(t, "wh-retry")
	// The failed replica answers 429 and releases its claim, so GHL's redelivery is
	// processed elsewhere.
	assert.Equal(t, http.StatusTooManyRequests, deliver(t, failing, srv, body))
	assert.Equal(t, http.StatusOK, deliver(t, healthy, srv, body))
	assert.Equal(t, http.StatusOK, deliver(t, healthy, srv, body))
	assert.Equal(t, int32(1), okCount.Load())
}
