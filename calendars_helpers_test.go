package ghl

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Wire-test harness of the Calendars, Users and Locations services, whose requests carry their
// own API's Version header.

const (
	versionCalendars = "2021-04-15"
	versionUsers     = "2021-07-28"
	versionLocations = "2021-07-28"
)

// call is one request a test expects on the wire, and the answer it gets.
type call struct {
	method  string
	path    string // escaped, below the base path
	query   string // exact raw query
	version string // exact Version header
	body    string // JSON the body must equal; "" means no body
	status  int    // 0 means 200
	resp    string
}

// expectCall registers a handler on c.path that asserts the request matches c exactly (method,
// escaped path, query, Version, Authorization, User-Agent, content type, body) and answers
// with c.resp. It returns the number of requests served.
func expectCall(t *testing.T, mux *http.ServeMux, c call) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	mux.HandleFunc(c.method+" "+c.path, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assertCall(t, r, c)
		if c.status != 0 {
			w.WriteHeader(c.status)
		}
		_, _ = io.WriteString(w, c.resp)
	})
	return &calls
}

func assertCall(t *testing.T, r *http.Request, c call) {
	t.Helper()
	assert.Equal(t, c.method, r.Method, "method")
	assert.Equal(t, c.path, r.URL.EscapedPath(), "path")
	assert.Equal(t, c.query, r.URL.RawQuery, "query")
	assert.Equal(t, c.version, r.Header.Get("Version"), "Version header of %s %s", c.method, c.path)
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"), "Authorization")
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "ghl-go/"+sdkVersion), "User-Agent %q", r.Header.Get("User-Agent"))
	got, err := io.ReadAll(r.Body)
	assert.NoError(t, err)
	if c.body == "" {
		assert.Empty(t, string(got), "body")
		assert.Empty(t, r.Header.Get("Content-Type"), "Content-Type on a request without a body")
	} else {
		assert.JSONEq(t, c.body, string(got), "body")
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	}
}

// refuseAll makes any request the test did not expect fail the test.
func refuseAll(t *testing.T, mux *http.ServeMux) {
	t.Helper()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusTeapot)
	})
}
