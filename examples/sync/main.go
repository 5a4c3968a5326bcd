package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Exit codes: 1 for a failed run (the API refused, a workflow failed), 2 for a usage or
// configuration error the user must fix before running again.
const (
	exitFailure = 1
	exitUsage   = 2
)

// Environment variables of real mode. They are read here and nowhere else.
const (
	envToken    = "GHL_ACCESS_TOKEN"
	envLocation = "GHL_LOCATION_ID"
	// envBaseURL optionally points real mode at another host (a proxy, or a ghltest server).
	envBaseURL = "GHL_BASE_URL"
	// envCallProvider is the Call conversation provider of LinkedPhone's marketplace app: with
	// it, calls are logged in the contacts' conversations (the token must then be that app's
	// OAuth token for the location).
	envCallProvider = "GHL_CALL_PROVIDER_ID"
)

// config is everything the program was told on its command line and in its environment.
type config struct {
	dataPath string // LinkedPhone data file
	contacts int    // demo: number of seeded contacts
	verbose  bool
	write    bool   // real mode: allow writes to GHL
	listen   string // address of the webhook receiver

	// Real mode, from the environment.
	token        string
	locationID   string
	baseURL      string
	callProvider string
}

func (c *config) realMode() bool { return c.token != "" }

// usageError is a mistake in flags or environment; it exits with code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseConfig reads flags from args and credentials through getenv.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: go run ./examples/sync [flags]

Keeps LinkedPhone's contact records in sync with a GHL location.

Without credentials it runs every workflow against an in-process fake of the GHL API
(ghltest), seeded with demo data: no account and no network needed.

With %s (a Private Integration Token of the location, scopes contacts.readonly,
locations.readonly and locations/customFields.readonly and, for -write, contacts.write) and
%s set, it runs against the real API
(%s; %s overrides it). It is read-only unless -write is given.
Calls are logged in the contacts' conversations only with %s, the Call
conversation provider of LinkedPhone's marketplace app, and that app's OAuth token for
the location (with conversations/message.write) as %s: GHL refuses a Private
Integration Token for a provider.

Flags:
`, envToken, envLocation, ghl.DefaultBaseURL, envBaseURL, envCallProvider, envToken)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.dataPath, "data", "", "LinkedPhone data file (default: linkedphone-demo.json or linkedphone-<location>.json in "+os.TempDir()+"; the demo rewrites it from scratch)")
	fs.IntVar(&cfg.contacts, "contacts", 3000, "demo: number of contacts to seed in the fake GHL location")
	fs.BoolVar(&cfg.verbose, "v", false, "verbose: log every API attempt and webhook (slog, debug level) to stderr")
	fs.BoolVar(&cfg.write, "write", false, "real mode: allow the write workflows (upsert, call log, note, tags, field values, task); without it they are skipped")
	fs.StringVar(&cfg.listen, "listen", "", "address for the webhook receiver, e.g. :8080 (real mode: run the receiver until interrupted; demo: default a free loopback port)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{fmt.Sprintf("unexpected argument %q (flags only; see -h)", fs.Arg(0))}
	}
	if cfg.contacts < 0 || cfg.contacts > 100_000 {
		return nil, &usageError{fmt.Sprintf("-contacts %d: must be between 0 and 100000", cfg.contacts)}
	}

	cfg.token = strings.TrimSpace(getenv(envToken))
	cfg.locationID = strings.TrimSpace(getenv(envLocation))
	cfg.baseURL = strings.TrimSpace(getenv(envBaseURL))
	cfg.callProvider = strings.TrimSpace(getenv(envCallProvider))
	if cfg.baseURL == "" {
		cfg.baseURL = ghl.DefaultBaseURL
	}
	switch {
	case cfg.token != "" && cfg.locationID == "":
		return nil, &usageError{envToken + " is set but " + envLocation + " is not: set both to run against GHL, or neither to run the demo"}
	case cfg.token == "" && cfg.locationID != "":
		return nil, &usageError{envLocation + " is set but " + envToken + " is not: set both to run against GHL, or neither to run the demo"}
	case cfg.token != "" && strings.ContainsAny(cfg.token, " \t\r\n"):
		return nil, &usageError{envToken + " contains whitespace; paste the token alone"}
	case cfg.locationID != "" && strings.ContainsAny(cfg.locationID, " /?#\t\r\n"):
		return nil, &usageError{envLocation + " does not look like a location ID"}
	}
	if !cfg.realMode() && cfg.write {
		return nil, &usageError{"-write only applies with " + envToken + " and " + envLocation + " (the demo always writes to its fake)"}
	}
	if cfg.dataPath == "" {
		name := "linkedphone-demo.json"
		if cfg.realMode() {
			name = "linkedphone-" + cfg.locationID + ".json"
		}
		cfg.dataPath = filepath.Join(os.TempDir(), name)
	}
	return cfg, nil
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func realMain(args []string, getenv func(string) string, stdout, stderr *os.File) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sync:", err)
		return exitUsage
	}
	level := slog.LevelWarn
	if cfg.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	out := &output{w: stdout, tty: isTerminal(stdout)}
	if cfg.realMode() {
		err = runReal(ctx, cfg, logger, out)
	} else {
		_, err = runDemo(ctx, demoOptions{Contacts: cfg.contacts, DataPath: cfg.dataPath, Listen: cfg.listen, Logger: logger, Verbose: cfg.verbose}, out)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sync:", explain(err, cfg))
		var ue *usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailure
	}
	return 0
}

// explain turns the errors a user can act on into instructions; others are printed as they are.
func explain(err error, cfg *config) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, new(*ghl.ConversationProviderError)):
		return fmt.Sprintf("GHL refused the call log: %s must be a Call conversation provider of LinkedPhone's marketplace app, and %s "+
			"that app's OAuth token for location %s (a Private Integration Token is refused for a provider). Unset %s to skip call logging.\n(%v)",
			envCallProvider, envToken, cfg.locationID, envCallProvider, err)
	case errors.Is(err, ghl.ErrUnauthorized):
		return fmt.Sprintf("GHL refused the access token (401). Check that %s holds a valid Private Integration Token "+
			"of location %s (Settings > Private Integrations) that has not been rotated or revoked.\n(%v)", envToken, cfg.locationID, err)
	case errors.Is(err, ghl.ErrForbidden):
		return fmt.Sprintf("GHL answered 403: the token has no access to location %s, or lacks a scope "+
			"(contacts.readonly; contacts.write for -write). Check %s and the token's scopes.\n(%v)", cfg.locationID, envLocation, err)
	case errors.As(err, new(*ghl.TransportError)):
		return fmt.Sprintf("could not reach %s: check the network connection (or %s).\n(%v)", cfg.baseURL, envBaseURL, err)
	case errors.Is(err, ghl.ErrRateLimited):
		return fmt.Sprintf("GHL's rate limit for this location is spent; try again later.\n(%v)", err)
	}
	return err.Error()
}

// output prints the program's report; tty says whether stdout is a terminal. Webhook
// deliveries report from other goroutines, so writes are serialized.
type output struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
	// holdReports keeps webhook report lines until flushReports, so the demo prints them
	// after the step that caused them rather than in the middle of its line.
	holdReports bool
	held        []string
}

func (o *output) printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format, args...)
}

// reportf prints one indented line of what a webhook or a catch-up made the sync do; the
// line names its cause ("webhook: ...", "catch-up: ...").
func (o *output) reportf(format string, args ...any) {
	line := fmt.Sprintf("  "+format+"\n", args...)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.holdReports {
		o.held = append(o.held, line)
		return
	}
	io.WriteString(o.w, line)
}

// flushReports prints the held webhook report lines.
func (o *output) flushReports() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.held {
		io.WriteString(o.w, l)
	}
	o.held = nil
}

// section starts a workflow's block of output.
func (o *output) section(title string) { o.printf("\n== %s\n", title) }

// describe is a one-line view of a record.
func describe(r *Record) string {
	open := 0
	for _, t := range r.Tasks {
		if !t.Completed {
			open++
		}
	}
	s := fmt.Sprintf("%s %s (%s) contact %s: status %s, tags %v, tasks %d (%d open), notes %d",
		r.ID, displayName(r.Name, ""), r.Phone, r.ContactID, r.Status, r.Tags, len(r.Tasks), open, len(r.Notes))
	if len(r.Appointments) > 0 {
		a := r.Appointments[0]
		s += fmt.Sprintf(", appointment %s", a.Start.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return s
}

// printSummary prints the closing counts.
func printSummary(o *output, store *Store, snap snapshot, tally Tally, elapsed time.Duration) {
	var tasks, open, notes, calls, texts int
	var conv conversationCounts
	for _, r := range store.Records() {
		tasks += len(r.Tasks)
		notes += len(r.Notes)
		calls += len(r.Calls)
		texts += len(r.Texts)
		for _, t := range r.Tasks {
			if !t.Completed {
				open++
			}
		}
		conv.add(r)
	}
	o.section("summary")
	o.printf("LinkedPhone records  %d (%d tasks, %d open; %d notes; %d calls; %d texts) in %s\n", store.Len(), tasks, open, notes, calls, texts, store.Path())
	o.printf("GHL conversations    calls logged %d (recordings attached %d), texts logged %d, texts from GHL delivered %d\n",
		conv.calls, conv.recordings, conv.texts, conv.delivered)
	o.printf("follow-ups booked    %d (first free slot, with the user whose extension took the call)\n", tally.FollowUps)
	o.printf("custom fields        %d values written by key (%s)\n", tally.FieldValues, fieldList(tally.Fields))
	o.printf("GHL API requests     %d (429s: %d, 5xx: %d, retries: %d, rate-limit waits: %d, %s)\n",
		snap.Attempts, snap.Status429, snap.Status5xx, snap.Retries, snap.Waits, snap.Waited.Round(time.Millisecond))
	o.printf("webhooks             %d accepted, %d duplicate (acknowledged, not processed), %d rejected, %d failed\n",
		snap.Webhooks[ghl.WebhookAccepted], snap.Webhooks[ghl.WebhookDuplicate], snap.Webhooks[ghl.WebhookRejected], snap.Webhooks[ghl.WebhookFailed])
	o.printf("elapsed              %s\n", elapsed.Round(time.Millisecond))
}
