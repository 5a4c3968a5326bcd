package ghltest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// convRaw is a raw answer of the fake, for requests the SDK refuses to send.
type convRaw struct {
	status int
	raw    string
	body   map[string]any
}

// rawCall sends a Conversations request with the right Version, bypassing the SDK.
func rawCall(t *testing.T, srv *Server, token, method, path, body string) convRaw {
	t.Helper()
	return rawCallVersion(t, srv, token, ConversationsAPIVersion, method, path, body)
}

func rawCallVersion(t *testing.T, srv *Server, token, version, method, path, body string) convRaw {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Version", version)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := convRaw{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}
