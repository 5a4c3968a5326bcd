package ghltest

import (
	ghl "github.com/linkedphone/ghl-go"
)

// NewClient returns a *ghl.Client for the server's first location: its base URL, fixed token
// and location ID. opts come after those, so they add to them or replace them (a
// ghl.WithTokenSource replaces the fixed token).
//
//	srv := ghltest.New(t)
//	client, err := srv.NewClient(ghl.WithMaxRetries(0))
func (s *Server) NewClient(opts ...ghl.Option) (*ghl.Client, error) {
	all := make([]ghl.Option, 0, 3+len(opts))
	all = append(all, ghl.WithBaseURL(s.URL), ghl.WithAccessToken(s.Token()), ghl.WithLocationID(s.LocationID()))
	return ghl.NewClient(append(all, opts...)...)
}

// WebhookVerifierOptions returns the options that make a ghl.WebhookVerifier trust this
// server's signatures, and only them: its Ed25519 key instead of GHL's published ones, and
// with WithLegacyWebhookSignature its RSA key too. Add options after them.
//
//	v, err := ghl.NewWebhookVerifier(srv.WebhookVerifierOptions()...)
func (s *Server) WebhookVerifierOptions() []ghl.WebhookOption {
	opts := []ghl.WebhookOption{ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(s.WebhookPublicKey())}
	if s.hooks.cfg.legacyRSA {
		opts = append(opts, ghl.WithRSAPublicKeys(s.WebhookRSAPublicKey()))
	}
	return opts
}
