package ghltest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Stats is what the server counted: requests, rate limiting, OAuth, faults and webhook
// deliveries. The admin API serves it at GET /_ghltest/stats.
type Stats struct {
	Requests RequestStats `json:"requests"`
	// RateLimited counts 429s sent for a spent window or daily budget; RateLimitedDaily the
	// daily ones among them. Storm 429s are faults.
	RateLimited      int `json:"rateLimited"`
	RateLimitedDaily int `json:"rateLimitedDaily"`
	// Refreshes counts successful refresh_token grants; RefreshTokenReuses refresh tokens
	// presented again after use (a correct client keeps it 0).
	Refreshes            int          `json:"refreshes"`
	RefreshTokenReuses   int          `json:"refreshTokenReuses"`
	LocationTokensMinted int          `json:"locationTokensMinted"`
	Faults               FaultStats   `json:"faults"`
	Webhooks             WebhookStats `json:"webhooks"`
}

// WebhookStats counts finished webhook deliveries.
type WebhookStats struct {
	Delivered int `json:"delivered"` // answered 2xx
	Failed    int `json:"failed"`    // given up: another status, 429s past the retries, or no answer
	Dropped   int `json:"dropped"`   // never sent (full queue, or the server closed)
	Attempts  int `json:"attempts"`  // HTTP attempts, retries included
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests:             s.stats.snapshot(),
		RateLimited:          s.RateLimited(),
		RateLimitedDaily:     s.RateLimitedDaily(),
		Refreshes:            s.RefreshCount(),
		RefreshTokenReuses:   s.RefreshTokenReuses(),
		LocationTokensMinted: s.LocationTokensMinted(),
		Faults:               s.Faults(),
	}
	s.hooks.mu.Lock()
	for _, d := range s.hooks.log {
		switch {
		case d.Dropped:
			st.Webhooks.Dropped++
		case d.Delivered:
			st.Webhooks.Delivered++
		default:
			st.Webhooks.Failed++
		}
		st.Webhooks.Attempts += d.Attempts
	}
	s.hooks.mu.Unlock()
	return st
}

// adminHandler serves the admin API under /_ghltest/: what a Go test gets from the Server's
// methods, for tests in any language. It takes no token and is not counted, rate-limited or
// faulted. Bodies are JSON; see cmd/ghltest/README.md.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	p := strings.TrimSuffix(adminPrefix, "/")
	mux.HandleFunc("GET "+p+"/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("GET "+p+"/locations/{locationId}/contacts", func(w http.ResponseWriter, r *http.Request) {
		if !s.hasLocation(w, r) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"contacts": s.contactSnapshots(r.PathValue("locationId"))})
	})
	mux.HandleFunc("GET "+p+"/locations/{locationId}/digest", func(w http.ResponseWriter, r *http.Request) {
		if !s.hasLocation(w, r) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(s.StateDigest(r.PathValue("locationId"))))
	})
	mux.HandleFunc("POST "+p+"/locations/{locationId}/active", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Active *bool `json:"active"`
		}
		if !adminBody(w, r, &in) || !s.hasLocation(w, r) {
			return
		}
		if in.Active == nil {
			adminError(w, http.StatusBadRequest, "active (true or false) is required")
			return
		}
		s.SetLocationActive(r.PathValue("locationId"), *in.Active)
		writeJSON(w, http.StatusOK, map[string]any{"locationId": r.PathValue("locationId"), "active": *in.Active})
	})
	mux.HandleFunc("POST "+p+"/tokens", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			LocationID string   `json:"locationId"`
			Scopes     []string `json:"scopes"`
		}
		if !adminBody(w, r, &in) {
			return
		}
		if in.LocationID == "" {
			adminError(w, http.StatusBadRequest, "locationId is required")
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"accessToken": s.NewToken(in.LocationID, in.Scopes...), "scopes": in.Scopes})
	})
	mux.HandleFunc("POST "+p+"/tokens/expire", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireAccessTokens()
		writeJSON(w, http.StatusOK, map[string]any{"expired": true})
	})
	mux.HandleFunc("POST "+p+"/oauth/code", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			LocationID string `json:"locationId"`
		}
		if !adminBody(w, r, &in) {
			return
		}
		if in.LocationID == "" {
			in.LocationID = s.LocationID()
		}
		writeJSON(w, http.StatusCreated, map[string]any{"code": s.AuthorizationCode(in.LocationID), "locationId": in.LocationID})
	})
	mux.HandleFunc("PUT "+p+"/webhooks/url", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			URL string `json:"url"`
		}
		if !adminBody(w, r, &in) {
			return
		}
		s.RegisterWebhook(in.URL)
		writeJSON(w, http.StatusOK, map[string]any{"url": in.URL})
	})
	mux.HandleFunc("POST "+p+"/webhooks", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			LocationID string         `json:"locationId"`
			Type       string         `json:"type"`
			Payload    map[string]any `json:"payload"`
			Timestamp  *time.Time     `json:"timestamp"`
		}
		if !adminBody(w, r, &in) {
			return
		}
		if in.Type == "" {
			adminError(w, http.StatusBadRequest, "type is required")
			return
		}
		var opts []EmitOption
		if in.Timestamp != nil {
			opts = append(opts, EmitAt(*in.Timestamp))
		}
		id := s.EmitWebhook(in.LocationID, in.Type, in.Payload, opts...)
		if id == "" {
			adminError(w, http.StatusConflict, "no webhook URL is registered")
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"webhookId": id})
	})
	mux.HandleFunc("GET "+p+"/webhooks/deliveries", func(w http.ResponseWriter, r *http.Request) {
		type delivery struct {
			WebhookDelivery
			Body json.RawMessage `json:"body"`
		}
		list := []delivery{}
		for _, d := range s.Deliveries() {
			list = append(list, delivery{WebhookDelivery: d, Body: d.Body})
		}
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
	})
	mux.HandleFunc("POST "+p+"/webhooks/flush", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if err := s.FlushWebhooks(ctx); err != nil {
			adminError(w, http.StatusGatewayTimeout, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"flushed": true})
	})
	s.conversationAdmin(mux, p)
	mux.HandleFunc(adminPrefix, func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, "no admin operation "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func (s *Server) hasLocation(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	_, ok := s.locations[r.PathValue("locationId")]
	s.mu.Unlock()
	if !ok {
		adminError(w, http.StatusNotFound, "no location "+r.PathValue("locationId"))
	}
	return ok
}

// adminBody decodes a JSON body into v; an empty body leaves v as it is.
func adminBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		adminError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}
