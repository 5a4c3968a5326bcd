package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
)

// demoOptions configure runDemo.
type demoOptions struct {
	Contacts int    // contacts to seed
	DataPath string // LinkedPhone data file; rewritten from scratch
	Listen   string // receiver address; "" picks a free loopback port
	Logger   *slog.Logger
	// Verbose also logs each webhook verdict (the demo's forged delivery is logged as a warning).
	Verbose bool
	// Server, if set, is used instead of a fresh ghltest server (tests inspect it afterwards);
	// it must have no contacts yet, and a short ghltest.WithProviderStatusDelay keeps the
	// texts workflow short.
	Server *ghltest.Server
	// Seed makes the demo data repeatable.
	Seed int64
}

// demoResult is what the demo did, for its test to check against both sides.
type demoResult struct {
	LocationID string
	SeededIDs  []string
	Imported   int
	Refreshed  []string // LinkedPhone IDs of the refreshed records

	NewCallerID   string // LinkedPhone ID of the new caller
	NewCaller     *PushResult
	KnownCallerID string
	KnownCaller   *PushResult
	// Setup is the location's users, follow-up calendar and fields (demo_setup.go).
	// FollowUpCallerID is a third caller, answered on another extension; both answered
	// calls ask for a follow-up. Moved is the follow-up a GHL user then moved, and where to.
	Setup            *demoSetup
	Fields           *FieldCheck
	FollowUpCallerID string
	FollowUpCaller   *PushResult
	Moved            struct {
		RecordID, AppointmentID string
		From, To                time.Time
	}
	Tally Tally

	GHLContactID string // the contact a GHL user created

	// LocalDone is the task done in LinkedPhone (the new caller's follow-up).
	LocalDone struct{ RecordID, ContactID, TaskID string }
	// RemoteDone is the task a GHL user completed (the GHL-created contact's follow-up), and
	// the webhookId of its TaskComplete delivery, which the demo delivers a second time.
	RemoteDone struct{ RecordID, ContactID, TaskID, WebhookID string }
	// DuplicateProcessed is how often the redelivered event was processed (must be 1).
	DuplicateProcessed int
	// ForgedStatus is the receiver's answer to a delivery with a bad signature.
	ForgedStatus int

	// Away is what GHL users changed while the receiver was down: the seeded contacts they
	// changed and the contact they created. Missed counts the webhooks GHL could not deliver
	// then, and CatchUp is what the restarted sync did about them.
	Away struct {
		Changed []string
		Created string
	}
	Missed  int
	CatchUp *CatchUpResult

	// Texts is what workflow 7 did.
	Texts *textsResult

	Stats   snapshot
	Elapsed time.Duration
}

// demo phone numbers; the seeded contacts use +1555 1xxxxxx, so these never match one.
const (
	demoNewCallerPhone = "+15559990001"
	demoNewCallerName  = "Maria Gomez"
)

// runDemo runs every workflow against an in-process ghltest server.
func runDemo(ctx context.Context, opts demoOptions, out *output) (*demoResult, error) {
	start := time.Now()
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv := opts.Server
	if srv == nil {
		// GHL's real budget: 100 requests per 10 s per location, 200,000 a day.
		srv = ghltest.NewServer(ghltest.WithRateLimit(ghltest.GHLRateLimit(ghltest.SlidingWindow)),
			ghltest.WithProviderStatusDelay(demoStatusWindow))
		defer srv.Close()
	}
	loc := srv.LocationID()
	res := &demoResult{LocationID: loc}
	var err error
	out.holdReports = true
	defer out.flushReports()
	res.SeededIDs = srv.Seed(loc, opts.Contacts, opts.Seed)
	if res.Setup, err = prepareDemoLocation(srv, loc); err != nil {
		return nil, err
	}

	// The demo starts LinkedPhone from nothing, since the fake's IDs are new on every run.
	if err := os.Remove(opts.DataPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("resetting the demo data file: %w", err)
	}
	if err := os.RemoveAll(recordingsDir(opts.DataPath)); err != nil {
		return nil, fmt.Errorf("resetting the demo recordings: %w", err)
	}
	var store *Store
	if store, err = OpenStore(opts.DataPath); err != nil {
		return nil, err
	}

	st := newStats()
	// LinkedPhone works through its marketplace app, installed in the location: the app's
	// OAuth token, the one GHL takes call logs and status updates from (its conversation
	// providers belong to it).
	client, err := ghl.NewClient(
		ghl.WithBaseURL(srv.URL),
		ghl.WithAccessToken(srv.ProviderAppToken(loc)),
		ghl.WithLocationID(loc),
		ghl.WithLogger(logger),
		ghl.WithObserver(st),
		ghl.WithUserAgent("linkedphone-sync-example"),
	)
	if err != nil {
		return nil, err
	}
	syncer := NewSyncer(client, store, logger, true, out.reportf)
	syncer.callProvider = ghltest.DefaultCallProviderID

	// The receiver trusts the fake's signing key instead of GHL's published one.
	vopts := []ghl.WebhookOption{
		ghl.WithoutDefaultKeys(),
		ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()),
		ghl.WithObserver(st),
	}
	if opts.Verbose {
		vopts = append(vopts, ghl.WithLogger(logger))
	}
	verifier, err := ghl.NewWebhookVerifier(vopts...)
	if err != nil {
		return nil, err
	}
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	secret := newDeliverySecret()
	rcv, err := startDemoReceiver(addr, srv, verifier, syncer, secret, logger)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("-listen %s: %v", addr, err)}
	}
	defer rcv.Close()

	// A second client stands in for people working in GHL's own UI.
	ghlUser, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	if err != nil {
		return nil, err
	}

	out.printf("LinkedPhone <-> GHL sync demo: in-process GHL fake (ghltest), no account or network needed\n")
	out.printf("GHL location     %s: %d demo contacts with tasks, notes and appointments\n", loc, len(res.SeededIDs))
	if opts.Server == nil {
		out.printf("rate limit       100 requests per 10 s per location (GHL's default), paced by the SDK\n")
	}
	out.printf("LinkedPhone app  OAuth token of its marketplace app: Call provider %s, the location's SMS provider %s\n",
		ghltest.DefaultCallProviderID, ghltest.DefaultSMSProviderID)
	out.printf("webhooks         %s (Ed25519-signed by the fake, verified by ghl.WebhookVerifier)\n", rcv.URL)
	out.printf("Delivery URL     %s<secret> (texts sent from GHL; unsigned, so a secret path guards it)\n", strings.TrimSuffix(rcv.deliveryURL, deliverySecretOf(rcv.deliveryURL)))
	out.printf("LinkedPhone data %s\n", store.Path())
	if res.Fields, err = syncer.CheckFields(ctx); err != nil {
		return nil, err
	}
	out.printf("custom fields    %s, written by key on every contact LinkedPhone pushes\n", fieldList(res.Fields.Found))
	out.printf("follow-ups       calendar %q, team %s, %s\n", defaultFollowUpCalendar, res.Setup.teamText(), res.Setup.Timezone)

	// 5. Initial import.
	out.section("5. initial import: every contact, 500 per request (Contacts.SearchAll)")
	before := st.snapshot().Attempts
	if res.Imported, err = syncer.Import(ctx, NewProgress(out.w, out.tty, "import")); err != nil {
		return nil, err
	}
	out.printf("imported %d contacts into LinkedPhone with %d API requests\n", res.Imported, st.snapshot().Attempts-before)

	// 1. Contacts requested in LinkedPhone.
	out.section("1. contact requested in LinkedPhone: fetch contact, tasks, notes, appointments from GHL")
	for _, i := range []int{0, 1, 4} {
		if i >= len(res.SeededIDs) {
			continue
		}
		rec, ok := store.ByContactID(res.SeededIDs[i])
		if !ok {
			return nil, fmt.Errorf("imported contact %s is missing from LinkedPhone", res.SeededIDs[i])
		}
		rec, err := syncer.RefreshContact(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
		res.Refreshed = append(res.Refreshed, rec.ID)
		out.printf("%s\n", describe(rec))
	}

	// 2. Callers: one new, two known; the answered calls ask for a follow-up.
	out.section("2. calls in LinkedPhone -> upsert in GHL with LinkedPhone's fields, Call messages (recordings attached), summary notes, activity tags, follow-ups booked")
	now := time.Now().UTC().Truncate(time.Second)
	res.NewCallerID, err = syncer.RecordCall(demoNewCallerPhone, demoNewCallerName, "",
		Call{At: now.Add(-3 * time.Minute), Direction: "inbound", Missed: true, Line: demoLine})
	if err != nil {
		return nil, err
	}
	if res.NewCaller, err = syncer.PushContact(ctx, res.NewCallerID); err != nil {
		return nil, err
	}
	printPush(out, "new caller, missed call", res.NewCallerID, res.NewCaller)
	printPushExtras(out, res.NewCaller)
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	if len(res.Refreshed) > 1 {
		known, _ := store.Get(res.Refreshed[1])
		// An answered call on extension 201, recorded, that asks for a follow-up, and
		// LinkedPhone's call back a minute later, which reached the caller's voicemail.
		answered := Call{ID: newLocalID("call-"), At: now.Add(-2 * time.Minute), Direction: "inbound", Seconds: 252, Line: demoLine,
			Summary: "Asked to move the consultation to Friday.", Extension: "201", FollowUp: true}
		if answered.Recording, err = writeRecording(recordingsDir(opts.DataPath), answered.ID, answered.Seconds); err != nil {
			return nil, err
		}
		for _, call := range []Call{answered, {At: now.Add(-time.Minute), Direction: "outbound", Missed: true, Voicemail: true, Line: demoLine}} {
			if res.KnownCallerID, err = syncer.RecordCall(known.Phone, known.Name, known.Email, call); err != nil {
				return nil, err
			}
		}
		if res.KnownCaller, err = syncer.PushContact(ctx, res.KnownCallerID); err != nil {
			return nil, err
		}
		printPush(out, "known caller, answered on ext 201", res.KnownCallerID, res.KnownCaller)
		printPushExtras(out, res.KnownCaller)
	}
	if len(res.SeededIDs) > 3 {
		if res.FollowUpCallerID, res.FollowUpCaller, err = demoFollowUpCall(ctx, syncer, store, res.SeededIDs[3], now); err != nil {
			return nil, err
		}
		printPush(out, "known caller, answered on ext 202", res.FollowUpCallerID, res.FollowUpCaller)
		printPushExtras(out, res.FollowUpCaller)
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}

	// 7. Texts, both ways.
	out.section("7. texts: received by LinkedPhone -> GHL; sent from GHL -> delivered by LinkedPhone, the location's SMS provider")
	var known *Record
	if res.KnownCallerID != "" {
		known, _ = store.Get(res.KnownCallerID)
	}
	caller, _ := store.Get(res.NewCallerID)
	if res.Texts, err = demoTexts(ctx, srv, syncer, rcv, st, known, caller, out); err != nil {
		return nil, err
	}

	// 4. A contact created in GHL.
	out.section("4. contact created in GHL -> ContactCreate webhook -> follow-up task")
	c, _, err := ghlUser.Contacts.Create(ctx, &ghl.ContactCreateRequest{
		FirstName: "Devon", LastName: "Price", Email: "devon.price@example.com", Phone: "+15559990002", Source: "GHL form",
	})
	if err != nil {
		return nil, fmt.Errorf("creating a contact as a GHL user: %w", err)
	}
	res.GHLContactID = c.ID
	out.printf("a GHL user created contact %s (%s)\n", c.ID, c.Name)
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}

	// 3. Tasks completed on either side.
	out.section("3. task completed: in LinkedPhone -> GHL, and in GHL -> LinkedPhone")
	newCaller, _ := store.Get(res.NewCallerID)
	task, ok := firstOpenTask(newCaller)
	if !ok {
		return nil, fmt.Errorf("the new caller %s has no follow-up task", res.NewCallerID)
	}
	res.LocalDone.RecordID, res.LocalDone.ContactID, res.LocalDone.TaskID = newCaller.ID, newCaller.ContactID, task.ID
	if _, err := syncer.CompleteTask(ctx, newCaller.ID, task.ID); err != nil {
		return nil, err
	}
	out.printf("LinkedPhone: %s called %s back, task %s %q done -> PUT .../tasks/%s/completed\n", newCaller.ID, newCaller.Name, task.ID, task.Title, task.ID)
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	ghlRec, ok := store.ByContactID(res.GHLContactID)
	if !ok {
		return nil, fmt.Errorf("the contact created in GHL (%s) did not reach LinkedPhone", res.GHLContactID)
	}
	task, ok = firstOpenTask(ghlRec)
	if !ok {
		return nil, fmt.Errorf("the contact created in GHL (%s) has no follow-up task", res.GHLContactID)
	}
	res.RemoteDone.RecordID, res.RemoteDone.ContactID, res.RemoteDone.TaskID = ghlRec.ID, ghlRec.ContactID, task.ID
	if _, _, err := ghlUser.Tasks.SetCompleted(ctx, ghlRec.ContactID, task.ID, true); err != nil {
		return nil, fmt.Errorf("completing a task as a GHL user: %w", err)
	}
	out.printf("GHL: a GHL user completed task %s %q of contact %s\n", task.ID, task.Title, ghlRec.ContactID)
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}

	// 8. A follow-up moved in GHL.
	if res.FollowUpCaller != nil && len(res.FollowUpCaller.FollowUps) > 0 {
		out.section("8. follow-up moved in GHL -> AppointmentUpdate webhook -> LinkedPhone")
		if err := moveFollowUp(ctx, ghlUser, res, out); err != nil {
			return nil, err
		}
		if err := waitWebhooks(ctx, srv, out); err != nil {
			return nil, err
		}
	}

	// A duplicate delivery: GHL delivers at least once.
	out.section("webhook deliveries: a duplicate and a forgery")
	res.RemoteDone.WebhookID = syncer.WebhookIDFor(ghl.EventTaskComplete, task.ID)
	if res.RemoteDone.WebhookID == "" {
		return nil, fmt.Errorf("no TaskComplete webhook was processed for task %s", task.ID)
	}
	dupBefore := st.snapshot().Webhooks[ghl.WebhookDuplicate]
	if err := srv.Redeliver(res.RemoteDone.WebhookID); err != nil {
		return nil, err
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	res.DuplicateProcessed = syncer.TimesProcessed(res.RemoteDone.WebhookID)
	out.printf("redelivered TaskComplete %s: acknowledged (200) as duplicate %d time(s), processed %d time(s) in total\n",
		res.RemoteDone.WebhookID, st.snapshot().Webhooks[ghl.WebhookDuplicate]-dupBefore, res.DuplicateProcessed)

	// A forgery: a signature made over other bytes. The verifier checks the exact body.
	if res.ForgedStatus, err = postForged(ctx, srv, rcv.URL, loc, res.RemoteDone.ContactID); err != nil {
		return nil, err
	}
	out.printf("forged TaskComplete (signature over other bytes): answered %d %s, not processed\n", res.ForgedStatus, http.StatusText(res.ForgedStatus))

	// 6. The receiver is down while GHL changes; the restarted sync catches up.
	out.section("6. receiver down while GHL changes, then restarted: catch-up from the checkpoint (Contacts.ChangedSince)")
	if err := errors.Join(rcv.Close(), store.Save()); err != nil {
		return nil, err
	}
	out.printf("LinkedPhone stopped; its checkpoint (newest change applied) is %s\n", store.Checkpoint().Format(time.RFC3339Nano))
	delivered := len(srv.Deliveries())
	if err := changeWhileAway(ctx, ghlUser, res, out); err != nil {
		return nil, err
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	for _, d := range srv.Deliveries()[delivered:] {
		if !d.Delivered {
			res.Missed++
		}
	}
	out.printf("GHL could not deliver %d webhooks: the receiver was down\n", res.Missed)

	// The restarted process reads the store, and its checkpoint, from disk. Its field check
	// costs no request: the client kept the location's field list.
	first := syncer.Tally()
	if store, err = OpenStore(opts.DataPath); err != nil {
		return nil, err
	}
	syncer = NewSyncer(client, store, logger, true, out.reportf)
	syncer.callProvider = ghltest.DefaultCallProviderID
	if _, err := syncer.CheckFields(ctx); err != nil {
		return nil, err
	}
	if rcv, err = startDemoReceiver(addr, srv, verifier, syncer, secret, logger); err != nil {
		return nil, err
	}
	defer rcv.Close()
	if res.CatchUp, err = syncer.CatchUp(ctx); err != nil {
		return nil, err
	}
	if err := waitWebhooks(ctx, srv, out); err != nil {
		return nil, err
	}
	cu := res.CatchUp
	out.printf("restarted: read %d contacts changed since %s (checkpoint minus %s for search lag): %d created and %d changed while away, the rest already up to date\n",
		cu.Read, cu.Since.Format(time.RFC3339Nano), catchUpMargin, cu.Created, cu.Updated)

	if err := store.Save(); err != nil {
		return nil, err
	}
	res.Stats = st.snapshot()
	res.Elapsed = time.Since(start)
	res.Tally = syncer.Tally()
	res.Tally.FollowUps += first.FollowUps
	res.Tally.FieldValues += first.FieldValues
	printSummary(out, store, res.Stats, res.Tally, res.Elapsed)
	return res, nil
}

// changeWhileAway is GHL users at work while LinkedPhone's receiver is down: they rename a
// contact, set another to do-not-disturb, tag a third and create a new one.
func changeWhileAway(ctx context.Context, ghlUser *ghl.Client, res *demoResult, out *output) error {
	changes := []struct {
		what string
		do   func(id string) error
	}{
		{"renamed to Jordan Reyes", func(id string) error {
			_, _, err := ghlUser.Contacts.Update(ctx, id, &ghl.ContactUpdateRequest{Name: ghl.Ptr("Jordan Reyes"), FirstName: ghl.Ptr("Jordan"), LastName: ghl.Ptr("Reyes")})
			return err
		}},
		{"set to do-not-disturb", func(id string) error {
			_, _, err := ghlUser.Contacts.Update(ctx, id, &ghl.ContactUpdateRequest{DND: ghl.Ptr(true)})
			return err
		}},
		{"tagged vip", func(id string) error {
			_, _, err := ghlUser.Tags.Add(ctx, id, []string{"vip"})
			return err
		}},
	}
	for i, ch := range changes {
		// Seeded contacts the earlier steps did not touch.
		if 6+i >= len(res.SeededIDs) {
			break
		}
		id := res.SeededIDs[6+i]
		if err := ch.do(id); err != nil {
			return fmt.Errorf("changing a contact as a GHL user: %w", err)
		}
		res.Away.Changed = append(res.Away.Changed, id)
		out.printf("  contact %s %s\n", id, ch.what)
	}
	c, _, err := ghlUser.Contacts.Create(ctx, &ghl.ContactCreateRequest{
		FirstName: "Rosa", LastName: "Diaz", Email: "rosa.diaz@example.com", Phone: "+15559990003", Source: "GHL form",
	})
	if err != nil {
		return fmt.Errorf("creating a contact as a GHL user: %w", err)
	}
	res.Away.Created = c.ID
	out.printf("  contact %s (%s) created\n", c.ID, c.Name)
	return nil
}

func printPush(out *output, what, id string, r *PushResult) {
	verb := "updated"
	if r.New {
		verb = "created"
	}
	out.printf("%s: %s %s -> GHL contact %s %s, %d call(s) logged, %d recording(s) attached, %d summary note(s), tags added %v, tags now %v\n",
		what, id, displayName(r.Record.Name, r.Record.Phone), r.ContactID, verb, r.Calls, r.Recordings, r.Notes, r.Tags, r.Record.Tags)
}

func firstOpenTask(r *Record) (Task, bool) {
	for _, t := range r.Tasks {
		if !t.Completed {
			return t, true
		}
	}
	return Task{}, false
}

// forgedTaskID is the task a forged delivery claims was completed.
const forgedTaskID = "forged-task-1"

// postForged posts a TaskComplete whose signature covers different bytes, and returns the
// receiver's status code.
func postForged(ctx context.Context, srv *ghltest.Server, url, loc, contactID string) (int, error) {
	body, err := json.Marshal(map[string]any{
		"type": ghl.EventTaskComplete, "locationId": loc, "id": forgedTaskID, "contactId": contactID,
		"title": "forged", "timestamp": time.Now().UTC().Format(time.RFC3339), "webhookId": "forged-webhook-1",
	})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = srv.SignWebhook([]byte(`{"type":"TaskComplete"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("posting a forged webhook: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitWebhooks waits until the fake has delivered every webhook it queued, then prints what
// they made the sync do, so each step's output follows the step.
func waitWebhooks(ctx context.Context, srv *ghltest.Server, out *output) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := srv.FlushWebhooks(ctx); err != nil {
		return fmt.Errorf("waiting for webhook deliveries: %w", err)
	}
	out.flushReports()
	return nil
}
