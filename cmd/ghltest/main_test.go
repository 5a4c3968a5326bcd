package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryOverHTTP builds the command, runs it and drives it over HTTP only, as a service
// in another language would: it creates, gets and searches a contact with the printed token,
// receives a signed webhook, and reads the admin counters.
func TestBinaryOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ghltest")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	var mu sync.Mutex
	var hooks []*http.Request
	var bodies [][]byte
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		hooks, bodies = append(hooks, r), append(bodies, body)
		mu.Unlock()
	}))
	defer receiver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0", "-contacts", "12", "-rate-limit", "ghl", "-webhook-url", receiver.URL,
		"-provider-delivery-url", receiver.URL+"/deliver")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill() }()

	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	var info struct {
		BaseURL, AdminURL, LocationID, AccessToken, APIVersion, ClientID, ClientSecret string
		WebhookPublicKeys                                                              map[string]string
		SeededContacts                                                                 int
		CallProviderID, SMSProviderID                                                  string
	}
	require.NoError(t, json.Unmarshal(line, &info), "%s", line)
	assert.Equal(t, info.BaseURL+"/_ghltest/", info.AdminURL)
	assert.Equal(t, "2021-07-28", info.APIVersion)
	assert.Equal(t, 12, info.SeededContacts)
	assert.NotEmpty(t, info.ClientID)
	assert.NotEmpty(t, info.ClientSecret)

	call := func(method, path string, body any) (int, http.Header, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			rd = bytes.NewReader(raw)
		}
		req, err := http.NewRequestWithContext(ctx, method, info.BaseURL+path, rd)
		require.NoError(t, err)
		if !bytes.HasPrefix([]byte(path), []byte("/_ghltest/")) {
			req.Header.Set("Authorization", "Bearer "+info.AccessToken)
			req.Header.Set("Version", info.APIVersion)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, resp.Header, out
	}

	status, hdr, body := call(http.MethodPost, "/contacts/", map[string]any{"locationId": info.LocationID,
		"firstName": "Ada", "email": "ada@example.com", "phone": "(415) 555-0100"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	assert.Equal(t, "100", hdr.Get("X-RateLimit-Max"), "GHL's limits")
	id := body["contact"].(map[string]any)["id"].(string)
	assert.Equal(t, "+14155550100", body["contact"].(map[string]any)["phone"])

	status, _, body = call(http.MethodGet, "/contacts/"+id, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ada@example.com", body["contact"].(map[string]any)["email"])

	status, _, body = call(http.MethodPost, "/contacts/search", map[string]any{"locationId": info.LocationID, "pageLimit": 20,
		"filters": []any{map[string]any{"field": "email", "operator": "eq", "value": "ada@example.com"}}})
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.EqualValues(t, 1, body["total"])
	status, _, _ = call(http.MethodPost, "/contacts/search", map[string]any{"locationId": info.LocationID, "pageLimit": 20})
	require.Equal(t, http.StatusOK, status)

	// The create was delivered as a webhook, signed with the printed key.
	_, _, _ = call(http.MethodPost, "/_ghltest/webhooks/flush", nil)
	block, _ := pem.Decode([]byte(info.WebhookPublicKeys["ed25519"]))
	require.NotNil(t, block)
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	mu.Lock()
	require.Len(t, hooks, 1)
	sig, err := base64.StdEncoding.DecodeString(hooks[0].Header.Get("X-GHL-Signature"))
	require.NoError(t, err)
	assert.True(t, ed25519.Verify(key.(ed25519.PublicKey), bodies[0], sig))
	mu.Unlock()

	// The admin counters match what was sent.
	status, _, stats := call(http.MethodGet, "/_ghltest/stats", nil)
	require.Equal(t, http.StatusOK, status)
	req := stats["requests"].(map[string]any)
	assert.EqualValues(t, 4, req["total"])
	assert.Equal(t, map[string]any{"POST /contacts/": 1.0, "GET /contacts/{contactId}": 1.0, "POST /contacts/search": 2.0}, req["byRoute"])
	assert.Equal(t, map[string]any{"201": 1.0, "200": 3.0}, req["byStatus"])
	assert.EqualValues(t, 1, stats["webhooks"].(map[string]any)["delivered"])
	status, _, list := call(http.MethodGet, "/_ghltest/locations/"+info.LocationID+"/contacts", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, list["contacts"], 13, "the seeded contacts and the new one")

	// A text a GHL user sends goes to the SMS provider's Delivery URL, unsigned, and to the
	// webhook URL as OutboundMessage.
	assert.Equal(t, "ghltest-sms-provider", info.SMSProviderID)
	assert.Equal(t, "ghltest-call-provider", info.CallProviderID)
	status, _, sent := call(http.MethodPost, "/_ghltest/locations/"+info.LocationID+"/texts", map[string]any{"contactId": id, "body": "Hi Ada"})
	require.Equal(t, http.StatusCreated, status, "%v", sent)
	_, _, _ = call(http.MethodPost, "/_ghltest/webhooks/flush", nil)
	mu.Lock()
	require.Len(t, hooks, 3)
	paths, signed := map[string]string{}, map[string]bool{}
	for i, h := range hooks[1:] {
		paths[h.URL.Path], signed[h.URL.Path] = string(bodies[i+1]), h.Header.Get("X-GHL-Signature") != ""
	}
	mu.Unlock()
	assert.Equal(t, map[string]bool{"/": true, "/deliver": false}, signed, "GHL signs no provider delivery")
	assert.Equal(t, `{"contactId":"`+id+`","locationId":"`+info.LocationID+`","messageId":"`+sent["messageId"].(string)+
		`","type":"SMS","phone":"+14155550100","message":"Hi Ada","attachments":[],"userId":"ghltest-user-1"}`, paths["/deliver"])
	assert.Contains(t, paths["/"], `"type":"OutboundMessage"`)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "ghltest stopping")
}

// lockedBuffer collects the command's stderr, which exec copies from another goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestFlags(t *testing.T) {
	c, err := parseFlags([]string{"-rate-limit", "50/10s", "-daily-limit", "900", "-rate-mode", "sliding"}, io.Discard)
	require.NoError(t, err)
	rl, on, err := c.rateLimitConfig()
	require.NoError(t, err)
	assert.True(t, on)
	assert.Equal(t, 50, rl.Limit)
	assert.Equal(t, 10*time.Second, rl.Window)
	assert.Equal(t, 900, rl.DailyLimit)

	c, _ = parseFlags([]string{"-rate-limit", "ghl"}, io.Discard)
	rl, _, _ = c.rateLimitConfig()
	assert.Equal(t, 100, rl.Limit)
	assert.Equal(t, 200_000, rl.DailyLimit)
	c, _ = parseFlags(nil, io.Discard)
	_, on, _ = c.rateLimitConfig()
	assert.False(t, on, "no limit by default")
	assert.Equal(t, defaultAddr, c.addr)

	for _, bad := range [][]string{{"-rate-limit", "lots"}, {"-rate-mode", "leaky"}} {
		c, err := parseFlags(bad, io.Discard)
		require.NoError(t, err)
		_, _, err = c.rateLimitConfig()
		assert.Error(t, err, "%v", bad)
	}
	_, err = parseFlags([]string{"extra"}, io.Discard)
	assert.Error(t, err)
	_, err = parseFlags([]string{"-contacts", "-1"}, io.Discard)
	assert.Error(t, err)
}
