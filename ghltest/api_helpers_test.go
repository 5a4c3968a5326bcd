package ghltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Raw-HTTP helpers shared by this package's API tests.

type apiResult struct {
	status int
	body   map[string]any
	raw    []byte
	header http.Header
}

// callAPI sends one request with the default token and Version header. body may be nil (no
// body), a string (sent as is) or a value to encode as JSON. A JSON answer is decoded into
// the result's body.
func callAPI(t *testing.T, srv *Server, method, path string, body any) apiResult {
	t.Helper()
	return sendAPI(t, srv, method, path, body, false)
}

// sendAPI is callAPI that, with rawOnly, leaves the answer undecoded.
func sendAPI(t *testing.T, srv *Server, method, path string, body any, rawOnly bool) apiResult {
	t.Helper()
	return send(t, srv, method, path, body, http.Header{"Authorization": {"Bearer " + srv.Token()}, "Version": {APIVersion}}, rawOnly)
}

// callAPIAs is callAPI with another token.
func callAPIAs(t *testing.T, srv *Server, token, method, path string, body any) apiResult {
	t.Helper()
	return send(t, srv, method, path, body, http.Header{"Authorization": {"Bearer " + token}, "Version": {APIVersion}}, false)
}

// send sends one request with exactly the given headers (and Content-Type for a body).
func send(t *testing.T, srv *Server, method, path string, body any, header http.Header, rawOnly bool) apiResult {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	req.Header = header.Clone()
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	res := apiResult{status: resp.StatusCode, raw: raw, header: resp.Header}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !rawOnly {
		require.NoError(t, json.Unmarshal(raw, &res.body), "body: %s", raw)
	}
	return res
}

// createContactAPI creates a contact through POST /contacts/ and returns its ID.
func createContactAPI(t *testing.T, srv *Server, fields map[string]any) string {
	t.Helper()
	in := map[string]any{"locationId": srv.LocationID()}
	for k, v := range fields {
		in[k] = v
	}
	res := callAPI(t, srv, http.MethodPost, "/contacts/", in)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	return res.body["contact"].(map[string]any)["id"].(string)
}

func newAPIServer(t *testing.T) *Server {
	t.Helper()
	srv := NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// requireUnprocessable checks GHL's 422 body, whose message is a list.
func requireUnprocessable(t *testing.T, res apiResult, want ...string) {
	t.Helper()
	require.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res.raw)
	assert.EqualValues(t, 422, res.body["statusCode"])
	assert.Equal(t, "Unprocessable Entity", res.body["error"])
	msgs, ok := res.body["message"].([]any)
	require.True(t, ok, "message is not a list: %s", res.raw)
	for _, w := range want {
		assert.Contains(t, msgs, w)
	}
}

// missingID has the shape of a GHL ID and names nothing.
const missingID = "NoSuchContact0000001"

func requireContactNotFound(t *testing.T, res apiResult) {
	t.Helper()
	require.Equal(t, http.StatusNotFound, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"statusCode":404,"message":"Contact not found"}`, string(res.raw))
}

func requireForbidden(t *testing.T, res apiResult) {
	t.Helper()
	require.Equal(t, http.StatusForbidden, res.status, "%s", res.raw)
	assert.Equal(t, "Forbidden", res.body["error"])
}
