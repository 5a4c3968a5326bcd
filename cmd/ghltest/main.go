// Command ghltest runs the ghltest fake of the GHL API v2 as a standalone server, for
// services in any language and for curl. It prints one JSON line with what a client needs
// (base URL, location ID, access token, OAuth client, webhook keys) and serves until it is
// interrupted. The admin API under /_ghltest/ exposes counters, state and controls; see
// README.md.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linkedphone/ghl-go/ghltest"
)

// defaultAddr is a fixed local port, so scripts and other services can rely on it.
const defaultAddr = "127.0.0.1:12180"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ghltest:", err)
		}
		os.Exit(2)
	}
}

// config is what the flags say.
type config struct {
	addr, location, token, country, clientID, clientSecret, scopes string
	contacts                                                       int
	seed                                                           int64
	rateLimit, rateMode                                            string
	dailyLimit                                                     int
	omitRetryAfter, allowDuplicates, legacySignature               bool
	tokenLifetime                                                  time.Duration
	faults                                                         ghltest.FaultConfig
	webhookURL                                                     string
	webhookRetries                                                 int
	webhookSpacing                                                 time.Duration
	deliveryURL                                                    string
	statusDelay                                                    time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("ghltest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", defaultAddr, "address to listen on (host:port; port 0 picks a free one)")
	fs.StringVar(&c.location, "location", ghltest.DefaultLocationID, "ID of the location")
	fs.StringVar(&c.token, "token", ghltest.DefaultToken, "fixed access token of the location (every Contacts scope)")
	fs.StringVar(&c.country, "country", ghltest.DefaultCountry, "country of the location, by which phone numbers without +CC are read")
	fs.IntVar(&c.contacts, "contacts", 25, "demo contacts to seed (with tasks, notes and appointments)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the demo data and of injected faults")
	fs.StringVar(&c.rateLimit, "rate-limit", "off", `burst limit per location: "off", "ghl" (GHL's 100 per 10s and 200,000 a day), "sandbox" (25 per 10s, 10,000 a day) or N/DURATION such as 50/10s`)
	fs.IntVar(&c.dailyLimit, "daily-limit", 0, "daily limit per location (0: the preset's, or none)")
	fs.StringVar(&c.rateMode, "rate-mode", "fixed", `how a window counts: "fixed" or "sliding"`)
	fs.BoolVar(&c.omitRetryAfter, "omit-retry-after", false, "leave Retry-After off 429s (GHL documents no such header)")
	fs.Float64Var(&c.faults.ServerErrors, "fault-5xx", 0, "fraction of requests answered 500/502/503/504 before they are handled")
	fs.Float64Var(&c.faults.Resets, "fault-reset", 0, "fraction of requests whose connection is reset before they are handled")
	fs.Float64Var(&c.faults.AfterWrite, "fault-after-write", 0, "fraction of requests handled and then answered 500 or reset")
	fs.Float64Var(&c.faults.LatencyRate, "fault-latency-rate", 0, "fraction of requests delayed")
	fs.DurationVar(&c.faults.Latency, "fault-latency", 200*time.Millisecond, "longest delay of a delayed request")
	fs.Float64Var(&c.faults.Storms, "fault-storms", 0, "chance that a request starts a storm of 429s")
	fs.DurationVar(&c.faults.StormLength, "fault-storm-length", time.Second, "how long a 429 storm lasts")
	fs.DurationVar(&c.tokenLifetime, "token-lifetime", ghltest.DefaultAccessTokenLifetime, "lifetime of access tokens the OAuth endpoints issue")
	fs.StringVar(&c.clientID, "client-id", ghltest.DefaultClientID, "OAuth client ID of the app")
	fs.StringVar(&c.clientSecret, "client-secret", ghltest.DefaultClientSecret, "OAuth client secret of the app")
	fs.StringVar(&c.scopes, "scopes", ghltest.DefaultScope, "space-separated scopes the app was granted")
	fs.BoolVar(&c.allowDuplicates, "allow-duplicates", false, `turn on the location setting "Allow Duplicate Contact"`)
	fs.StringVar(&c.webhookURL, "webhook-url", "", "URL that webhook events are delivered to (none: no deliveries)")
	fs.IntVar(&c.webhookRetries, "webhook-retries", ghltest.DefaultWebhookRetries, "retries of a delivery answered 429 (GHL: 6)")
	fs.DurationVar(&c.webhookSpacing, "webhook-retry-spacing", ghltest.DefaultWebhookRetrySpacing, "wait between those retries (GHL: about 10m)")
	fs.BoolVar(&c.legacySignature, "legacy-signature", false, "also sign deliveries with RSA in X-WH-Signature, as GHL did until 2026")
	fs.StringVar(&c.deliveryURL, "provider-delivery-url", "", "Delivery URL of the SMS conversation provider: texts sent through it are posted there, unsigned (none: not posted)")
	fs.DurationVar(&c.statusDelay, "provider-status-delay", ghltest.DefaultProviderStatusDelay, "how long after a send GHL refuses the message's status update (403)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.contacts < 0 {
		return nil, errors.New("-contacts must not be negative")
	}
	return c, nil
}

// rateLimit turns the rate flags into the fake's configuration.
func (c *config) rateLimitConfig() (ghltest.RateLimitConfig, bool, error) {
	mode := ghltest.FixedWindow
	switch c.rateMode {
	case "fixed":
	case "sliding":
		mode = ghltest.SlidingWindow
	default:
		return ghltest.RateLimitConfig{}, false, fmt.Errorf("-rate-mode %q: want fixed or sliding", c.rateMode)
	}
	var rl ghltest.RateLimitConfig
	switch c.rateLimit {
	case "off", "":
		if c.dailyLimit == 0 {
			return rl, false, nil
		}
	case "ghl":
		rl = ghltest.GHLRateLimit(mode)
	case "sandbox":
		rl = ghltest.RateLimitConfig{Limit: 25, Window: 10 * time.Second, DailyLimit: 10_000}
	default:
		n, window, ok := strings.Cut(c.rateLimit, "/")
		limit, err := strconv.Atoi(n)
		d, derr := time.ParseDuration(window)
		if !ok || err != nil || derr != nil || limit < 1 || d <= 0 {
			return rl, false, fmt.Errorf("-rate-limit %q: want off, ghl, sandbox or N/DURATION such as 50/10s", c.rateLimit)
		}
		rl = ghltest.RateLimitConfig{Limit: limit, Window: d}
	}
	rl.Mode = mode
	if c.dailyLimit > 0 {
		rl.DailyLimit = c.dailyLimit
	}
	rl.OmitRetryAfter = c.omitRetryAfter
	return rl, true, nil
}

// startup is the one line printed on stdout.
type startup struct {
	BaseURL           string            `json:"baseUrl"`
	AdminURL          string            `json:"adminUrl"`
	LocationID        string            `json:"locationId"`
	AccessToken       string            `json:"accessToken"`
	APIVersion        string            `json:"apiVersion"`
	ClientID          string            `json:"clientId"`
	ClientSecret      string            `json:"clientSecret"`
	WebhookPublicKeys map[string]string `json:"webhookPublicKeys"`
	SeededContacts    int               `json:"seededContacts"`
	// The conversation providers of the app: call logs need the call provider, and texts sent
	// from GHL go through the SMS provider.
	CallProviderID string `json:"callProviderId"`
	SMSProviderID  string `json:"smsProviderId"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	opts := []ghltest.ServerOption{
		ghltest.WithLocation(c.location, c.token), ghltest.WithLocationCountry(c.location, c.country),
		ghltest.WithSeed(c.seed), ghltest.WithOAuthApp(c.clientID, c.clientSecret),
		ghltest.WithAccessTokenLifetime(c.tokenLifetime), ghltest.WithOAuthScopes(strings.Fields(c.scopes)...),
	}
	rl, limited, err := c.rateLimitConfig()
	if err != nil {
		return err
	}
	if limited {
		opts = append(opts, ghltest.WithRateLimit(rl))
	}
	opts = append(opts, ghltest.WithFaults(c.faults))
	if c.allowDuplicates {
		opts = append(opts, ghltest.WithAllowDuplicates())
	}
	if c.legacySignature {
		opts = append(opts, ghltest.WithLegacyWebhookSignature())
	}
	opts = append(opts, ghltest.WithProviderStatusDelay(c.statusDelay))
	if c.deliveryURL != "" {
		opts = append(opts, ghltest.WithProviderDeliveryURL(ghltest.DefaultSMSProviderID, c.deliveryURL))
	}
	l, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := ghltest.NewServer(append(opts, ghltest.WithListener(l))...)
	defer srv.Close()
	srv.SetWebhookRetries(c.webhookRetries, c.webhookSpacing)
	srv.Seed(c.location, c.contacts, c.seed) // before webhooks are on: seeding sends none
	if c.webhookURL != "" {
		srv.RegisterWebhook(c.webhookURL)
	}

	base := baseURL(l.Addr())
	keys := map[string]string{"ed25519": pemKey(srv.WebhookPublicKey())}
	if c.legacySignature {
		keys["rsa"] = pemKey(srv.WebhookRSAPublicKey())
	}
	line, err := json.Marshal(startup{
		BaseURL: base, AdminURL: base + "/_ghltest/", LocationID: c.location, AccessToken: c.token,
		APIVersion: ghltest.APIVersion, ClientID: c.clientID, ClientSecret: c.clientSecret,
		WebhookPublicKeys: keys, SeededContacts: c.contacts,
		CallProviderID: ghltest.DefaultCallProviderID, SMSProviderID: ghltest.DefaultSMSProviderID,
	})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	log.Info("ghltest serving", "base_url", base, "location", c.location, "contacts", c.contacts, "rate_limit", c.rateLimit)
	<-ctx.Done()
	st := srv.Stats()
	log.Info("ghltest stopping", "requests", st.Requests.Total, "rate_limited", st.RateLimited,
		"webhooks_delivered", st.Webhooks.Delivered)
	return nil
}

// baseURL is the URL clients use: an unspecified listen address (":12180", "0.0.0.0") is
// reached on the loopback address.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// pemKey encodes a public key as the PEM block GHL publishes its keys in.
func pemKey(key any) string {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		panic("ghltest: encoding a public key: " + err.Error())
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
