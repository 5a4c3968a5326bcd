// Package ghlclient connects the SDK to a ghltest server: a *ghl.Client for the server's
// location, and the options that make a webhook verifier trust the server's signatures, so a
// test starts in two lines:
//
//	srv := ghltest.New(t)
//	client, err := ghlclient.New(srv)
//
// It is a package of its own because the ghl package's tests use ghltest, so ghltest cannot
// import ghl.
package ghlclient

import (
	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// New returns a *ghl.Client for srv's first location: its base URL, fixed token and location
// ID. opts come after those, so they add to them or replace them (ghl.WithTokenSource
// replaces the fixed token, ghl.WithLocationID the location).
func New(srv *ghltest.Server, opts ...ghl.Option) (*ghl.Client, error) {
	all := make([]ghl.Option, 0, 3+len(opts))
	all = append(all, ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	return ghl.NewClient(append(all, opts...)...)
}

// VerifierOptions returns the options that make a ghl.WebhookVerifier trust srv's signatures,
// and only them: its Ed25519 key instead of GHL's published ones, and its RSA key for the
// legacy header when srv sends it (ghltest.WithLegacyWebhookSignature). Add options after
// them.
func VerifierOptions(srv *ghltest.Server) []ghl.WebhookOption {
	opts := []ghl.WebhookOption{ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey())}
	if srv.SendsLegacyWebhookSignature() {
		opts = append(opts, ghl.WithRSAPublicKeys(srv.WebhookRSAPublicKey()))
	}
	return opts
}

// NewVerifier returns a ghl.WebhookVerifier that trusts srv's signatures, with opts added.
func NewVerifier(srv *ghltest.Server, opts ...ghl.WebhookOption) (*ghl.WebhookVerifier, error) {
	return ghl.NewWebhookVerifier(append(VerifierOptions(srv), opts...)...)
}
