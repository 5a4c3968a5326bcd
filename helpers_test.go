package ghl

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Test harness shared by the package's tests: a mux mounted under a non-root base path (so a
// client that drops the base path fails), and a recorder of every request any test sent
// through the SDK, which the spec-coverage check reads.

const (
	testToken      = "test-token-0123456789abcdef"
	testLocationID = "loc-test-1"
	testBasePath   = "/api-base"
)

// setup returns a client for location testLocationID and a mux to register handlers on.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(testBasePath+"/", http.StripPrefix(testBasePath, mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.Error(w, "outside base path", http.StatusBadGateway)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	all := append([]Option{
		WithBaseURL(srv.URL + testBasePath),
		WithAccessToken(testToken),
		WithLocationID(testLocationID),
		WithHTTPClient(recordingHTTPClient()),
		WithMaxRetries(0),
	}, opts...)
	c, err := NewClient(all...)
	require.NoError(t, err)
	return c, mux
}

// recordingHTTPClient returns an HTTP client whose transport records each request's method and
// path in sentRequests.
func recordingHTTPClient() *http.Client {
	return &http.Client{Transport: recordingTransport{http.DefaultTransport}}
}

type recordingTransport struct{ next http.RoundTripper }

func (rt recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	sentRequests.add(r.Method, strings.TrimPrefix(r.URL.EscapedPath(), testBasePath))
	return rt.next.RoundTrip(r)
}

type requestLog struct {
	mu   sync.Mutex
	sent map[string]bool // "METHOD /escaped/path"
}

func (l *requestLog) add(method, path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[string]bool{}
	}
	l.sent[method+" "+path] = true
}

// matched reports whether some recorded request matches the OpenAPI path template.
func (l *requestLog) matched(method, template string) bool {
	re := regexp.MustCompile("^" + method + " " + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(template), `[^/]+`) + "$")
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.sent {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

// sentRequests records every request the package's tests sent through the SDK.
var sentRequests requestLog

// testMethod asserts the request's method.
func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// testHeaders asserts the headers every SDK request carries; withBody adds the content type.
func testHeaders(t *testing.T, r *http.Request, withBody bool) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("Authorization = %q", got)
	}
	// Every operation of the Contacts API takes its Version from the table.
	if got, want := r.Header.Get("Version"), defaultVersion(APIContacts); got != want {
		t.Errorf("Version = %q, want %q", got, want)
	}
	if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "ghl-go/"+sdkVersion) {
		t.Errorf("User-Agent = %q", got)
	}
	ct := r.Header.Get("Content-Type")
	if withBody && ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !withBody && ct != "" {
		t.Errorf("Content-Type = %q on a request without a body", ct)
	}
}
