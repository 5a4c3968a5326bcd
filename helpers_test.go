package ghl

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
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

// testHeaders asserts the headers every Contacts API request carries; withBody adds the
// JSON content type.
func testHeaders(t *testing.T, r *http.Request, withBody bool) {
	t.Helper()
	contentType := ""
	if withBody {
		contentType = "application/json"
	}
	assertHeaders(t, r, "", "", contentType)
}

// The Version header of each API, as the tests expect it on the wire.
const (
	versionConversations = "2021-04-15"
	versionCalendars     = "2021-04-15"
	versionUsers         = "2021-07-28"
	versionLocations     = "2021-07-28"
)

// assertHeaders asserts the headers every SDK request carries: Authorization, Version (""
// means the Contacts API's), Accept ("" means application/json), User-Agent, and a content
// type starting with contentType ("" means none).
func assertHeaders(t *testing.T, r *http.Request, version, accept, contentType string) {
	t.Helper()
	if version == "" {
		version = defaultVersion(APIContacts)
	}
	if accept == "" {
		accept = "application/json"
	}
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"), "Authorization")
	assert.Equal(t, version, r.Header.Get("Version"), "Version header of %s %s", r.Method, r.URL.Path)
	assert.Equal(t, accept, r.Header.Get("Accept"), "Accept")
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "ghl-go/"+sdkVersion), "User-Agent %q", r.Header.Get("User-Agent"))
	if got := r.Header.Get("Content-Type"); contentType == "" {
		assert.Empty(t, got, "Content-Type on a request without a body")
	} else {
		assert.True(t, strings.HasPrefix(got, contentType), "Content-Type %q, want %s", got, contentType)
	}
}

// wire is one request a test expects on the wire, and the answer it gets.
type wire struct {
	method  string
	path    string            // escaped, below the base path
	query   string            // exact raw query
	version string            // exact Version header; "" means the Contacts API's
	accept  string            // exact Accept header; "" means application/json
	body    string            // JSON the body must equal; "" means no body
	status  int               // 0 means 200
	header  map[string]string // set on the response
	resp    string
}

// expect registers a handler for w.method on w.path that asserts the request matches w exactly (method,
// escaped path, query, Authorization, Version, Accept, User-Agent, content type, body) and
// answers with w.resp. It returns the number of requests served.
func expect(t *testing.T, mux *http.ServeMux, w wire) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	mux.HandleFunc(w.method+" "+w.path, func(rw http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assertWire(t, r, w)
		for k, v := range w.header {
			rw.Header().Set(k, v)
		}
		if w.status != 0 {
			rw.WriteHeader(w.status)
		}
		_, _ = io.WriteString(rw, w.resp)
	})
	return &calls
}

func assertWire(t *testing.T, r *http.Request, w wire) {
	t.Helper()
	assert.Equal(t, w.method, r.Method, "method")
	assert.Equal(t, w.path, r.URL.EscapedPath(), "path")
	assert.Equal(t, w.query, r.URL.RawQuery, "query")
	got, err := io.ReadAll(r.Body)
	assert.NoError(t, err)
	if w.body == "" {
		assertHeaders(t, r, w.version, w.accept, "")
		assert.Empty(t, string(got), "body")
	} else {
		assertHeaders(t, r, w.version, w.accept, "application/json")
		assert.JSONEq(t, w.body, string(got), "body")
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

// assertInvalidParam checks that err is an *InvalidParamError about param.
func assertInvalidParam(t *testing.T, err error, param string) {
	t.Helper()
	var ip *InvalidParamError
	require.ErrorAs(t, err, &ip)
	assert.Equal(t, param, ip.Param, "%v", err)
	assert.ErrorIs(t, err, ErrInvalidParam)
}
