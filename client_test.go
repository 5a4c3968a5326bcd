package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestNewClientValidatesOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"unparsable base URL", WithBaseURL("http://[::1"), "ghl: invalid WithBaseURL: not a URL"},
		{"base URL without scheme", WithBaseURL("services.leadconnectorhq.com"), "scheme must be http or https"},
		{"base URL with ftp scheme", WithBaseURL("ftp://x.example"), "scheme must be http or https"},
		{"base URL without host", WithBaseURL("https://"), "no host"},
		{"base URL with query", WithBaseURL("https://x.example/?a=1"), "must not carry a query"},
		{"base URL with user info", WithBaseURL("https://u:p@x.example"), "must not carry a query, fragment or user info"},
		{"nil HTTP client", WithHTTPClient(nil), "nil *http.Client"},
		{"empty token", WithAccessToken(" "), "empty token"},
		{"nil token source", WithTokenSource(nil), "nil token source"},
		{"negative retries", WithMaxRetries(-1), "-1 is negative"},
		{"nil limiter", WithRateLimiter(nil), "nil limiter"},
		{"nil logger", WithLogger(nil), "nil logger"},
		{"user agent with newline", WithUserAgent("a\r\nX-Evil: 1"), "line break"},
		{"empty API version", WithAPIVersion(""), `ghl: invalid WithAPIVersion: version "" is empty or holds a line break`},
		{"empty location", WithLocationID(""), "invalid locationID"},
		{"nil observer", WithObserver(nil), "nil observer"},
		{"bad retry policy", WithRetryPolicy(RetryPolicy{}), "ghl: invalid RetryPolicy: need 0 < MinWait"},
		{"version for no API", WithAPIVersionFor(API(0), "v3"), "ghl: invalid WithAPIVersionFor: unknown API 0"},
		{"version for an unknown API", WithAPIVersionFor(numAPIs, "v3"), "unknown API"},
		{"empty version for an API", WithAPIVersionFor(APICalendars, " "), "ghl: invalid WithAPIVersionFor: version"},
		{"zero SharedOption", SharedOption{}, "ghl: invalid SharedOption: zero value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.opt)
			require.ErrorIs(t, err, ErrInvalidParam)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestClientHeadersAndVersionOverride(t *testing.T) {
	client, mux := setup(t, WithUserAgent("linkedphone/2.3"), WithAPIVersion("2021-04-15"))
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "ghl-go/"+sdkVersion+" linkedphone/2.3", r.Header.Get("User-Agent"))
		assert.Equal(t, "2021-04-15", r.Header.Get("Version"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"abc"}}`)
	})
	_, _, err := client.Contacts.Get(context.Background(), "abc")
	require.NoError(t, err)
}

func TestClientRefusesCrossHostRedirects(t *testing.T) {
	var leaked sync.Map
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store("auth", r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"stolen"}}`)
	}))
	defer other.Close()
	client, mux := setup(t)
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/contacts/abc", http.StatusFound)
	})
	mux.HandleFunc("/contacts/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, testBasePath+"/contacts/target", http.StatusFound)
	})
	mux.HandleFunc("/contacts/target", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		fmt.Fprint(w, `{"contact":{"id":"target"}}`)
	})
	_, _, err := client.Contacts.Get(context.Background(), "abc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused redirect to another host")
	_, ok := leaked.Load("auth")
	assert.False(t, ok, "the other host must not be contacted")

	c, _, err := client.Contacts.Get(context.Background(), "same")
	require.NoError(t, err, "a redirect on the same host is followed")
	assert.Equal(t, "target", c.ID)
}

func TestWithHTTPClientIsCopied(t *testing.T) {
	hc := &http.Client{}
	_, err := NewClient(WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Nil(t, hc.Transport, "the caller's client is not modified")
	assert.Nil(t, hc.CheckRedirect)

	// A caller's transport is used as it is, never resized or reconfigured.
	tr := &http.Transport{MaxIdleConnsPerHost: 2}
	hc = &http.Client{Transport: tr, Timeout: time.Minute}
	c, err := NewClient(WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Same(t, tr, c.cfg.httpClient.Transport.(*attemptTransport).next)
	assert.Equal(t, 2, tr.MaxIdleConnsPerHost)
	assert.Equal(t, &http.Client{Transport: tr, Timeout: time.Minute}, hc)
	assert.Equal(t, time.Minute, c.cfg.httpClient.Timeout)

	// Without one, the client's own transport keeps an idle connection per call in flight.
	c, err = NewClient()
	require.NoError(t, err)
	own := c.cfg.httpClient.Transport.(*attemptTransport).next.(*http.Transport)
	assert.Equal(t, defaultMaxIdleConnsPerHost, own.MaxIdleConnsPerHost)
	assert.Equal(t, defaultResponseHeaderTimeout, own.ResponseHeaderTimeout)
	assert.NotSame(t, http.DefaultTransport, own)
	assert.Equal(t, 0, http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost, "the process-wide default is untouched")
}

// TestPacedWorkersReuseConnections: 8 workers doing 400 GETs paced by the limiter at the
// server's window (100 per 250 ms) keep reusing their connections with the client's own
// transport. With net/http's default of 2 idle connections per host they opened 70 to 140 under
// -race: every worker beyond two redialled after each wait, a TLS handshake each against GHL.
// With the client's transport they open 8 to 12: net/http returns a connection to its pool
// after the caller has seen the body's end, so a worker's next request sometimes dials before
// its connection is back. The bound, 3 per worker, leaves room for that and none for a redial
// per wait.
func TestPacedWorkersReuseConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Max", "100")
		w.Header().Set("X-RateLimit-Remaining", "99")
		w.Header().Set("X-RateLimit-Interval-Milliseconds", "250")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"contact":{"id":"c1"}}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var waits atomic.Int32
	obs := &waitCounter{n: &waits}
	c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(testToken), WithLocationID(testLocationID), WithObserver(obs))
	require.NoError(t, err)
	defer c.cfg.httpClient.Transport.(*attemptTransport).next.(*http.Transport).CloseIdleConnections()
	var failed atomic.Int32
	const workers = 8
	runConcurrent(workers, 400, func() {
		if _, _, err := c.Contacts.Get(context.Background(), "c1"); err != nil {
			failed.Add(1)
		}
	})
	t.Logf("400 paced GETs from %d workers: %d connections, %d waits for the limiter", workers, conns.Load(), waits.Load())
	assert.Zero(t, failed.Load())
	assert.Greater(t, waits.Load(), int32(2*workers), "the limiter paced every worker more than once")
	assert.LessOrEqual(t, conns.Load(), int32(3*workers))
}

type waitCounter struct {
	NopObserver
	n *atomic.Int32
}

func (w *waitCounter) OnRateLimitWait(context.Context, RateLimitWaitInfo) { w.n.Add(1) }

func TestDecodeErrorKeepsBody(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"contact":{"id":12}}`)
	})
	_, resp, err := client.Contacts.Get(context.Background(), "abc")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"contact":{"id":12}}`, string(de.Body))
	assert.Equal(t, "/contacts/{contactId}", de.Route)
}

func TestNilContextIsRejected(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Error("nothing may be sent") })
	//lint:ignore SA1012 the test checks that a nil context is refused
	_, _, err := client.Contacts.Get(nil, "abc") //nolint:staticcheck
	require.EqualError(t, err, "ghl: nil context")
}

// countingSource hands out a new token on every call, so each attempt's token is visible.
type countingSource struct {
	mu          sync.Mutex
	n           int
	invalidated []string
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("token-number-%d", s.n)}, nil
}

// issued returns every token the source handed out.
func (s *countingSource) issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, s.n)
	for i := range out {
		out[i] = fmt.Sprintf("token-number-%d", i+1)
	}
	return out
}

func (s *countingSource) InvalidateToken(_ context.Context, rejected *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, rejected.AccessToken)
	return nil
}

func TestEachAttemptTakesAFreshTokenAndRebuildsTheBody(t *testing.T) {
	ts := &countingSource{}
	client, mux := setup(t, WithTokenSource(ts), WithMaxRetries(2), WithRetryPolicy(RetryPolicy{MinWait: 1e6, MaxWait: 2e6}))
	var auths, bodies []string
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auths = append(auths, r.Header.Get("Authorization"))
		bodies = append(bodies, string(b))
		if len(auths) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"contact":{"id":"abc","city":"Porto"}}`)
	})
	c, _, err := client.Contacts.Update(context.Background(), "abc", &ContactUpdateRequest{City: Ptr("Porto")})
	require.NoError(t, err)
	assert.Equal(t, "Porto", c.City)
	assert.Equal(t, []string{"Bearer token-number-1", "Bearer token-number-2", "Bearer token-number-3"}, auths)
	assert.Equal(t, []string{`{"city":"Porto"}`, `{"city":"Porto"}`, `{"city":"Porto"}`}, bodies)
}

func TestUnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	ts := &countingSource{}
	var attempts []AttemptInfo
	var retries []RetryInfo
	obs := &funcObserver{
		attempt: func(i AttemptInfo) { attempts = append(attempts, i) },
		retry:   func(i RetryInfo) { retries = append(retries, i) },
	}
	client, mux := setup(t, WithTokenSource(ts), WithObserver(obs))
	var auths []string
	mux.HandleFunc("/contacts/abc", func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, `{"city":"Faro"}`, string(b))
		if r.Header.Get("Authorization") == "Bearer token-number-1" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`)
			return
		}
		fmt.Fprint(w, `{"contact":{"id":"abc"}}`)
	})
	_, _, err := client.Contacts.Update(context.Background(), "abc", &ContactUpdateRequest{City: Ptr("Faro")})
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer token-number-1", "Bearer token-number-2"}, auths)
	assert.Equal(t, []string{"token-number-1"}, ts.invalidated)
	// The resend is an attempt like any other: counted, and reported as a retry.
	require.Len(t, attempts, 2)
	assert.Equal(t, []int{1, 2}, []int{attempts[0].Attempt, attempts[1].Attempt})
	assert.Equal(t, []int{http.StatusUnauthorized, http.StatusOK}, []int{attempts[0].StatusCode, attempts[1].StatusCode})
	assert.Equal(t, []RetryInfo{{Method: http.MethodPut, Route: "/contacts/{contactId}", LocationID: testLocationID, Attempt: 2,
		Reason: RetryReasonUnauthorized, Waited: retries[0].Waited}}, retries)

	// A second 401 in the same call is returned, not refreshed again.
	mux.HandleFunc("/contacts/always401", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`)
	})
	_, _, err = client.Contacts.Get(context.Background(), "always401")
	assert.True(t, errors.Is(err, ErrUnauthorized))
	assert.Len(t, ts.invalidated, 2)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 2, apiErr.Attempts, "two HTTP attempts")
}

func TestForLocationSharesConfig(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/contacts/upsert", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		assert.True(t, strings.Contains(string(b), `"locationId":"loc-2"`), string(b))
		fmt.Fprint(w, `{"new":true,"contact":{"id":"c"}}`)
	})
	other, err := client.forLocation("loc-2", nil)
	require.NoError(t, err)
	assert.Equal(t, "loc-2", other.LocationID())
	assert.Same(t, client.cfg, other.cfg)
	_, _, err = other.Contacts.Upsert(context.Background(), &ContactUpsertRequest{Email: "a@b.co"})
	require.NoError(t, err)
	_, err = client.forLocation("", nil)
	var pe *InvalidParamError
	require.ErrorAs(t, err, &pe)
}

func TestClientWithoutCredentialsSendsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("nothing may be sent: %s %s", r.Method, r.URL)
	}))
	defer srv.Close()
	base, err := NewClient(WithBaseURL(srv.URL), WithLocationID("loc-1"))
	require.NoError(t, err)
	_, _, err = base.Contacts.Get(context.Background(), "abc")
	require.ErrorIs(t, err, ErrNoCredentials)

	// A per-location client with a token of its own works from the same base.
	withToken, err := base.forLocation("loc-2", oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}))
	require.NoError(t, err)
	_, err = withToken.Contacts.Delete(context.Background(), "")
	var pe *InvalidParamError
	require.ErrorAs(t, err, &pe, "checks still come first")
}

func TestDoReachesOtherEndpoints(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/calendars/events/appointments/ev%2F1", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPut)
		assert.Equal(t, "/calendars/events/appointments/ev%2F1", r.URL.EscapedPath())
		assert.Equal(t, "2021-04-15", r.Header.Get("Version"))
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Equal(t, "notify=true", r.URL.RawQuery)
		b, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"title":"Demo"}`, string(b))
		fmt.Fprint(w, `{"id":"ev/1","title":"Demo"}`)
	})
	var out struct{ ID, Title string }
	resp, err := client.Do(context.Background(), &RawRequest{
		Method: http.MethodPut, Path: "/calendars/events/appointments/" + url.PathEscape("ev/1"),
		Route: "/calendars/events/appointments/{eventId}", Query: url.Values{"notify": {"true"}},
		Body: map[string]string{"title": "Demo"},
	}, &out)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "ev/1", out.ID)

	for _, bad := range []*RawRequest{nil, {Method: "", Path: "/x"}, {Method: "GET", Path: "x"}, {Method: "GET", Path: "/a/../b"}, {Method: "GET", Path: "/a?b=1"},
		{Method: "GET", Path: "/x", API: numAPIs}} {
		_, err := client.Do(context.Background(), bad, nil)
		assert.ErrorIs(t, err, ErrInvalidParam, "%+v", bad)
	}
}

// specOperations lists every operation of the OpenAPI files in testdata with the Version
// header its spec declares, the path's parameters filled in.
func specOperations(t *testing.T) (ops [][3]string) {
	t.Helper()
	files, err := filepath.Glob("testdata/*.openapi.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var spec struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		require.NoError(t, json.Unmarshal(raw, &spec), f)
		for path, methods := range spec.Paths {
			for method, opRaw := range methods {
				var op struct {
					Parameters []struct {
						In, Name string
						Schema   struct{ Enum []string }
					}
				}
				if json.Unmarshal(opRaw, &op) != nil {
					continue // not an operation ("parameters" shared by the path)
				}
				for _, p := range op.Parameters {
					if p.In == "header" && p.Name == "Version" && len(p.Schema.Enum) == 1 {
						ops = append(ops, [3]string{strings.ToUpper(method), param.ReplaceAllString(path, "id-1"), p.Schema.Enum[0]})
					}
				}
			}
		}
	}
	return ops
}

// TestVersionHeaderComesFromTheTable sends every operation GHL's spec files in testdata
// declare through the pipeline and checks the Version header against the spec: it comes from
// the table, by the API the request names or its path names. The APIs of the next services are
// in the table already. WithAPIVersion overrides every API, WithAPIVersionFor one (and wins).
func TestVersionHeaderComesFromTheTable(t *testing.T) {
	var mu sync.Mutex
	var got string
	record := func(mux *http.ServeMux) {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = r.Header.Get("Version")
			mu.Unlock()
			_, _ = io.WriteString(w, `{"contact":{"id":"c1"}}`)
		})
	}
	version := func(t *testing.T, c *Client, req *RawRequest) string {
		t.Helper()
		_, err := c.Do(context.Background(), req, nil)
		require.NoError(t, err, "%s %s", req.Method, req.Path)
		mu.Lock()
		defer mu.Unlock()
		return got
	}

	client, mux := setup(t)
	record(mux)
	ops := specOperations(t)
	require.GreaterOrEqual(t, len(ops), 32, "the Contacts API has 32 operations")
	for _, op := range ops {
		assert.Equal(t, op[2], version(t, client, &RawRequest{Method: op[0], Path: op[1]}), "%s %s", op[0], op[1])
	}
	// The next services' APIs, as their spec files declare them.
	next := map[string]string{
		"/conversations/messages/inbound":    "2021-04-15",
		"/calendars/events/appointments/e-1": "2021-04-15",
		"/users/search":                      "2021-07-28",
		"/locations/l-1/customFields":        "2021-07-28",
		"/oauth/installedLocations":          "2021-07-28",
		"/opportunities/search":              "2021-07-28", // an API the table does not name
	}
	for path, want := range next {
		assert.Equal(t, want, version(t, client, &RawRequest{Method: http.MethodGet, Path: path}), path)
	}
	assert.Equal(t, "2021-04-15", version(t, client, &RawRequest{Method: http.MethodGet, Path: "/custom", API: APICalendars}),
		"a request that names its API")

	t.Run("WithAPIVersion overrides every API", func(t *testing.T) {
		client, mux := setup(t, WithAPIVersion("v3"))
		record(mux)
		for _, path := range append([]string{"/contacts/c1"}, slices.Collect(maps.Keys(next))...) {
			assert.Equal(t, "v3", version(t, client, &RawRequest{Method: http.MethodGet, Path: path}), path)
		}
	})
	t.Run("WithAPIVersionFor overrides one API and wins", func(t *testing.T) {
		client, mux := setup(t, WithAPIVersionFor(APIContacts, "v3"), WithAPIVersion("2023-02-21"))
		record(mux)
		_, _, err := client.Contacts.Get(context.Background(), "c1")
		require.NoError(t, err)
		mu.Lock()
		assert.Equal(t, "v3", got, "typed methods read the same table")
		mu.Unlock()
		assert.Equal(t, "2023-02-21", version(t, client, &RawRequest{Method: http.MethodGet, Path: "/calendars/"}))
	})
}

// TestResponseHeadersParsedOnce: only parseResponseHeaders reads X-RateLimit-* or Retry-After
// from a header, and only attempt calls it, once per response as it arrives; the limiter, the
// retry policy, the error and *Response read the call's parsed copy, so no second parse can
// creep in unnoticed.
func TestResponseHeadersParsedOnce(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	readers := map[string]bool{}
	var callers []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			var stack []ast.Node
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				switch n := n.(type) {
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "parseResponseHeaders" {
						callers = append(callers, fn.Name.Name)
					}
				case *ast.BasicLit:
					v, err := strconv.Unquote(n.Value)
					lower := strings.ToLower(v)
					if n.Kind == token.STRING && err == nil && (strings.HasPrefix(lower, "x-ratelimit-") || lower == "retry-after") {
						written := false // w.Header().Set("Retry-After", ...) answers a webhook
						if call, ok := stack[len(stack)-1].(*ast.CallExpr); ok {
							if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
								written = sel.Sel.Name == "Set" || sel.Sel.Name == "Add"
							}
						}
						if !written {
							readers[fn.Name.Name] = true
						}
					}
				}
				stack = append(stack, n)
				return true
			})
		}
	}
	assert.Equal(t, map[string]bool{"parseResponseHeaders": true}, readers)
	assert.Equal(t, []string{"attempt"}, callers)
}

// sameTokenSource hands out the same token however often it is invalidated, as a source does
// when a token issued moments ago is refused again (it is not stale: nothing to refresh).
type sameTokenSource struct {
	mu          sync.Mutex
	invalidated int
	err         error // returned by InvalidateToken
}

func (s *sameTokenSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "same-token-0123456789"}, nil
}

func (s *sameTokenSource) InvalidateToken(context.Context, *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated++
	return s.err
}

// TestUnauthorizedWithTheSameTokenIsNotResent: after InvalidateToken the source hands back
// the refused token, so the request is not sent again: the 401 is the answer.
func TestUnauthorizedWithTheSameTokenIsNotResent(t *testing.T) {
	ts := &sameTokenSource{}
	var mu sync.Mutex
	var attempts []AttemptInfo
	var retries []RetryInfo
	obs := &funcObserver{
		attempt: func(i AttemptInfo) { mu.Lock(); attempts = append(attempts, i); mu.Unlock() },
		retry:   func(i RetryInfo) { mu.Lock(); retries = append(retries, i); mu.Unlock() },
	}
	client, mux := setup(t, WithTokenSource(ts), WithObserver(obs), WithMaxRetries(3))
	var calls atomic.Int32
	mux.HandleFunc("/contacts/c1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}`)
	})
	_, resp, err := client.Contacts.Get(context.Background(), "c1")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, "Invalid JWT", apiErr.Message, "the 401's body is kept")
	assert.Equal(t, 1, apiErr.Attempts)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, 1, ts.invalidated)
	require.Len(t, attempts, 1)
	assert.Empty(t, retries)
}

// TestUnauthorizedInvalidateErrorIsReturnedAsIs: the caller gets InvalidateToken's error
// itself, and nothing is sent again.
func TestUnauthorizedInvalidateErrorIsReturnedAsIs(t *testing.T) {
	boom := errors.New("refresh refused: location paused")
	ts := &sameTokenSource{err: boom}
	client, mux := setup(t, WithTokenSource(ts), WithMaxRetries(3))
	var calls atomic.Int32
	mux.HandleFunc("/contacts/c1", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	})
	_, _, err := client.Contacts.Get(context.Background(), "c1")
	assert.Equal(t, boom, err)
	assert.Equal(t, int32(1), calls.Load())
}

// takenBody takes a response's body unread, as a download does.
type takenBody struct{ resp *http.Response }

func (b *takenBody) take(resp *http.Response) { b.resp = resp }

// TestRawBodiesAndStreamedResponses: a raw body (a multipart upload) is opened afresh for
// every attempt, the 401 resend included, with its own content type; a download names what it
// accepts and gets the body unread, to stream it.
func TestRawBodiesAndStreamedResponses(t *testing.T) {
	client, mux := setup(t, WithTokenSource(&countingSource{}))
	var bodies, versions []string
	mux.HandleFunc("POST /conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		versions = append(versions, r.Header.Get("Version"))
		assert.Equal(t, "multipart/form-data; boundary=b1", r.Header.Get("Content-Type"))
		if len(bodies) == 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"uploadedFiles":{}}`)
	})
	_, err := client.do(context.Background(), &request{method: http.MethodPost, path: "/conversations/messages/upload",
		route: "/conversations/messages/upload", contentType: "multipart/form-data; boundary=b1", family: APIConversations,
		rawBody: func() (io.Reader, error) { return strings.NewReader("--b1 part"), nil }}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"--b1 part", "--b1 part"}, bodies)
	assert.Equal(t, []string{"2021-04-15", "2021-04-15"}, versions)

	mux.HandleFunc("GET /conversations/messages/m1/recording", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "*/*", r.Header.Get("Accept"))
		w.Header().Set("Content-Type", "audio/x-wav")
		fmt.Fprint(w, "RIFF audio")
	})
	var tb takenBody
	resp, err := client.do(context.Background(), &request{method: http.MethodGet, path: "/conversations/messages/m1/recording",
		route: "/conversations/messages/{messageId}/recording", accept: []string{"*/*"}}, &tb)
	require.NoError(t, err)
	require.NotNil(t, tb.resp)
	assert.Same(t, resp.Response, tb.resp)
	data, err := io.ReadAll(tb.resp.Body)
	require.NoError(t, err)
	require.NoError(t, tb.resp.Body.Close())
	assert.Equal(t, "RIFF audio", string(data))
}
