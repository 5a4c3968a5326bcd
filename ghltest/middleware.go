package ghltest

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// The life of one request, in the order GHL's edge and services apply their checks: route,
// injected faults (which stand for failures in front of the API), the Version header, the
// bearer token, the kind of token, its scopes, the location's rate limit, the shape of the
// IDs in the path, the query parameters the operation declares, and then the operation.

type ctxKey int

const (
	locKey ctxKey = iota
	tokKey
)

func locFrom(r *http.Request) *location {
	l, _ := r.Context().Value(locKey).(*location)
	return l
}

// adminPrefix is the reserved path prefix of the admin API (admin.go); GHL has no such path.
const adminPrefix = "/_ghltest/"

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.admin.ServeHTTP(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	rt, params := s.router.match(r)
	defer func() { s.stats.record(r, rt, rec.status) }()
	if rt == nil {
		cannotRoute(rec, r)
		return
	}
	for name, v := range params {
		r.SetPathValue(name, v)
	}
	key := s.limitKey(r)
	d := s.faults.decide(rt, r, s.clock())
	if d.delay > 0 {
		t := time.NewTimer(d.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	switch d.kind {
	case faultServerError:
		s.limits.headersOnly(rec, key, s.clock())
		writeError(rec, d.status, http.StatusText(d.status))
	case faultReset:
		resetConn(rec)
	case faultStorm:
		s.limits.headersOnly(rec, key, s.clock())
		rec.Header()["X-Ratelimit-Remaining"] = []string{"0"}
		if s.faults.cfg.StormRetryAfter {
			rec.Header().Set("Retry-After", itoa(ceilSeconds(d.retry)))
		}
		writeError(rec, http.StatusTooManyRequests, "Too many requests. Please try again later.")
	case faultAfterWriteError, faultAfterWriteReset:
		// The operation runs; its answer is thrown away, unless it failed anyway (then nothing
		// was applied and its own answer goes out).
		dw := &discardWriter{h: http.Header{}}
		s.serveRoute(dw, r, rt, key)
		if dw.code != 0 && (dw.code < 200 || dw.code > 299) {
			s.faults.uncount(d.kind)
			for k, v := range dw.h {
				rec.Header()[k] = v
			}
			rec.WriteHeader(dw.code)
			_, _ = rec.Write(dw.body.Bytes())
			return
		}
		if d.kind == faultAfterWriteReset {
			resetConn(rec)
			return
		}
		s.limits.headersOnly(rec, key, s.clock())
		writeError(rec, http.StatusInternalServerError, "Internal server error")
	default:
		s.serveRoute(rec, r, rt, key)
	}
}

// serveRoute runs the checks that need no fault and then the operation. key is the rate-limit
// key of the request's token, "" when the token is unknown: refusals carry that location's
// real rate-limit headers, and none for a token the fake cannot place (rather than a made-up
// full budget a client would trust).
func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route, key string) {
	if want := rt.family.version(); want != "" {
		switch got := r.Header.Get("Version"); {
		case got == "":
			s.limits.headersOnly(w, key, s.clock())
			writeError(w, http.StatusBadRequest, "version header was not found")
			return
		case got != want:
			s.limits.headersOnly(w, key, s.clock())
			writeError(w, http.StatusBadRequest, "Version header must be "+want+" for this operation")
			return
		}
	}
	if rt.oauthClient {
		rt.serve(w, r)
		return
	}
	tok, status, msg := s.authenticate(r)
	if status == 0 {
		switch {
		case !rt.anyToken && rt.agency != (tok.userType == "Company"):
			status, msg = http.StatusUnauthorized, "This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added."
		case rt.scope != "" && !tok.scopes[rt.scope]:
			s.limits.headersOnly(w, key, s.clock())
			writeJSON(w, http.StatusUnauthorized, map[string]any{"statusCode": 401, "message": "The token is not authorized for this scope."})
			return
		}
	}
	if status != 0 {
		s.limits.headersOnly(w, key, s.clock())
		writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "error": http.StatusText(status)})
		return
	}
	if !s.limits.admit(w, key, s.clock()) {
		return
	}
	for _, p := range rt.ids {
		if id := r.PathValue(p); !validID(id) {
			if rt.badID == http.StatusUnprocessableEntity {
				writeUnprocessable(w, p+" must be a valid id")
			} else {
				writeError(w, http.StatusBadRequest, "Invalid "+p)
			}
			return
		}
	}
	if rt.checkQuery {
		var extra []string
		for name := range r.URL.Query() {
			if !slices.Contains(rt.query, name) {
				extra = append(extra, "property "+name+" should not exist")
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			if rt.badID == http.StatusUnprocessableEntity {
				writeUnprocessable(w, extra...)
			} else {
				writeBadRequest(w, extra...)
			}
			return
		}
	}
	ctx := context.WithValue(r.Context(), tokKey, tok)
	if tok.locationID != "" {
		s.mu.Lock()
		l := s.locations[tok.locationID]
		s.mu.Unlock()
		ctx = context.WithValue(ctx, locKey, l)
	}
	rt.serve(w, r.WithContext(ctx))
}

// limitKey returns the location (or, for an agency token, the company) whose budget the
// request's bearer token spends, "" when the token is missing or unknown. Expired tokens
// still name their location.
func (s *Server) limitKey(r *http.Request) string {
	raw, ok := bearer(r)
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.tokens[raw]
	switch {
	case tok == nil:
		return ""
	case tok.locationID != "":
		return tok.locationID
	}
	return tok.companyID
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

// authenticate maps the bearer token to its location or company. It returns a status and
// message for GHL's 401 body when the token is missing, unknown or expired.
func (s *Server) authenticate(r *http.Request) (*accessToken, int, string) {
	raw, ok := bearer(r)
	if !ok {
		return nil, http.StatusUnauthorized, "Invalid JWT"
	}
	s.mu.Lock()
	tok, ok := s.tokens[raw]
	s.mu.Unlock()
	if !ok {
		return nil, http.StatusUnauthorized, "Invalid token: access token is invalid"
	}
	if !tok.expires.IsZero() && !s.clock().Before(tok.expires) {
		return nil, http.StatusUnauthorized, "Invalid JWT: access token has expired"
	}
	return tok, 0, ""
}

// statusRecorder remembers the status written, for the request counters; a connection reset
// leaves it 0.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, to reset it.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
