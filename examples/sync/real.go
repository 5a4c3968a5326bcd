package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// The contact the write workflows use in real mode, so they never touch a real customer's
// record. 555-01xx numbers are reserved for fiction.
const (
	realDemoName  = "LinkedPhone Sync Check"
	realDemoEmail = "linkedphone-sync-check@example.com"
	realDemoPhone = "+15555550100"
)

// runReal runs the workflows against GHL's API for the location in cfg. Without -write it
// only reads; webhook-driven workflows need a public URL and run with -listen.
func runReal(ctx context.Context, cfg *config, logger *slog.Logger, out *output) error {
	start := time.Now()
	st := newStats()
	client, err := ghl.NewClient(
		ghl.WithBaseURL(cfg.baseURL),
		ghl.WithAccessToken(cfg.token),
		ghl.WithLocationID(cfg.locationID),
		ghl.WithLogger(logger),
		ghl.WithObserver(st),
		ghl.WithUserAgent("linkedphone-sync-example"),
	)
	if err != nil {
		return &usageError{fmt.Sprintf("%s: %v", envBaseURL, err)}
	}
	store, err := OpenStore(cfg.dataPath)
	if err != nil {
		return &usageError{err.Error() + " (choose another file with -data)"}
	}
	syncer := NewSyncer(client, store, logger, cfg.write, out.reportf)
	syncer.callProvider = cfg.callProvider
	// Numbers without a country code are read by the location's country, as GHL reads them.
	if loc, _, err := client.Locations.Get(ctx, cfg.locationID); err != nil {
		logger.Warn("the location's country is unknown; phone numbers without a country code are read as "+defaultRegion, "error", err)
	} else if loc.Country != "" {
		syncer.region = loc.Country
	}
	fieldsText := checkFieldsText(ctx, syncer)
	mode := "read-only (add -write to let the sync change GHL)"
	if cfg.write {
		mode = "read-write"
	}
	out.printf("LinkedPhone <-> GHL sync against %s, location %s, %s\n", cfg.baseURL, cfg.locationID, mode)
	out.printf("LinkedPhone data: %s\n", store.Path())
	out.printf("%s", fieldsText)

	if cfg.listen != "" {
		return runRealReceiver(ctx, cfg, logger, syncer, st, out)
	}

	// 5. Initial import.
	out.section("5. initial import: every contact of the location, 500 per request (Contacts.SearchAll)")
	n, err := syncer.Import(ctx, NewProgress(out.w, out.tty, "import"))
	if err != nil {
		return err
	}
	out.printf("imported %d contacts into LinkedPhone\n", n)

	// 1. Contacts requested in LinkedPhone.
	out.section("1. contact requested in LinkedPhone: fetch contact, tasks, notes, appointments")
	recs := store.Records()
	for i := 0; i < len(recs) && i < 3; i++ {
		rec, err := syncer.RefreshContact(ctx, recs[i].ID)
		if err != nil {
			return err
		}
		out.printf("%s\n", describe(rec))
	}

	// 2. A new caller. The sync-check contact keeps real customers' records out of it.
	out.section("2. new caller: upsert, Call message in the contact's conversation, summary note, activity tags")
	if cfg.callProvider == "" {
		out.printf("call logging skipped: set %s to the Call conversation provider of LinkedPhone's marketplace app and %s to\n"+
			"that app's OAuth token for the location (GHL refuses a Private Integration Token for a provider)\n", envCallProvider, envToken)
	}
	call := Call{At: time.Now().UTC().Truncate(time.Second), Direction: "inbound", Missed: true,
		Summary: "Sync check from the LinkedPhone example; safe to delete."}
	var res *PushResult
	if !cfg.write {
		// Nothing is recorded either, so read-only runs leave no call waiting to be pushed.
		callLog := "log the call"
		if cfg.callProvider == "" {
			callLog = "log no call (no provider)"
		}
		out.printf("skipped (read-only): would upsert %s <%s> %s, %s, add the note %q and the tags %v\n",
			realDemoName, realDemoEmail, realDemoPhone, callLog, callSummary(call), activityTags([]Call{call}))
	} else {
		id, err := syncer.RecordCall(realDemoPhone, realDemoName, realDemoEmail, call)
		if err != nil {
			return err
		}
		if res, err = syncer.PushContact(ctx, id); err != nil {
			return err
		}
		out.printf("%s -> GHL contact %s (new: %v), %d call(s) logged (%d skipped), %d note(s), tags added %v\n",
			id, res.ContactID, res.New, res.Calls, res.CallsSkipped, res.Notes, res.Tags)
		printPushExtras(out, res)
	}

	// 3. A task done in LinkedPhone.
	out.section("3. task done in LinkedPhone -> completed in GHL (Tasks.SetCompleted)")
	if !cfg.write {
		out.printf("skipped (read-only): would PUT /contacts/{id}/tasks/{taskId}/completed\n")
	} else {
		task, _, err := client.Tasks.Create(ctx, res.ContactID, &ghl.TaskCreateRequest{
			Title: "LinkedPhone sync check", DueDate: ghl.Time{Time: time.Now().Add(time.Hour).UTC().Truncate(time.Minute)},
		})
		if err != nil {
			return err
		}
		id := res.Record.ID
		store.Update(id, func(r *Record) bool { addOrReplaceTask(r, mapTask(task)); return true })
		if _, err := syncer.CompleteTask(ctx, id, task.ID); err != nil {
			return err
		}
		out.printf("%s task %s %q completed in LinkedPhone and in GHL\n", id, task.ID, task.Title)
	}

	out.section("3./4. webhook-driven workflows (TaskComplete, ContactCreate)")
	out.printf("need GHL to reach this program: run it with -listen :8080 behind a public HTTPS URL\n")
	out.printf("(for example a tunnel) and set the app's webhook URL to https://<public host>%s\n", webhookPath)

	printSummary(out, store, st.snapshot(), syncer.Tally(), time.Since(start))
	return nil
}

// runRealReceiver serves GHL's webhooks until interrupted.
func runRealReceiver(ctx context.Context, cfg *config, logger *slog.Logger, syncer *Syncer, st *stats, out *output) error {
	// Default keys: GHL's published Ed25519 key (and the legacy RSA key).
	v, err := ghl.NewWebhookVerifier(ghl.WithObserver(st), ghl.WithLogger(logger))
	if err != nil {
		return err
	}
	rcv, err := StartReceiver(cfg.listen, webhookMux(v, syncer.HandleEvent), logger)
	if err != nil {
		return &usageError{fmt.Sprintf("-listen %s: %v", cfg.listen, err)}
	}
	out.printf("receiving webhooks at %s (Ctrl-C to stop)\n", rcv.URL)
	out.printf("GHL must reach it over HTTPS: put it behind a public URL and set the app's webhook URL to https://<public host>%s\n", webhookPath)
	if !cfg.write {
		out.printf("read-only: ContactCreate will not create follow-up tasks (add -write)\n")
	}
	// Delivering texts sent from GHL needs LinkedPhone's carrier, which this example does not
	// have: it must not tell GHL a text was delivered that was not.
	out.printf("texts sent from GHL are not delivered here: LinkedPhone's Delivery URL (texts.go) runs in the demo only\n")
	// GHL gave up on webhooks sent while this program was down for more than about 70
	// minutes: catch up from the checkpoint. The receiver is already up, so nothing that
	// changes from now on is missed.
	cu, err := syncer.CatchUp(ctx)
	if err != nil {
		return errors.Join(err, rcv.Close())
	}
	out.printf("caught up: %d contacts read since %s, %d created and %d changed while away\n", cu.Read, sinceText(cu.Since), cu.Created, cu.Updated)
	return rcv.Wait(ctx)
}

// sinceText describes where a catch-up started.
func sinceText(t time.Time) string {
	if t.IsZero() {
		return "the beginning (no checkpoint yet)"
	}
	return t.Format(time.RFC3339)
}

// checkFieldsText looks LinkedPhone's custom fields up in the location (Syncer.CheckFields)
// and says which are written and what an admin must create for the others. A failed lookup
// does not stop the sync: it runs without writing the fields.
func checkFieldsText(ctx context.Context, syncer *Syncer) string {
	check, err := syncer.CheckFields(ctx)
	switch {
	case err != nil:
		return fmt.Sprintf("custom fields: could not read the location's custom fields, so LinkedPhone's fields are not written "+
			"(the token needs the scope locations/customFields.readonly).\n(%v)\n", err)
	case len(check.Missing) == 0:
		return fmt.Sprintf("custom fields: %s, written by key on every contact the sync pushes\n", fieldList(check.Found))
	}
	text := fmt.Sprintf("custom fields: the location lacks %d of LinkedPhone's %d fields, which are not written until an admin creates them:%s\n",
		len(check.Missing), len(linkedPhoneFields), missingFieldsText(check.Missing))
	if len(check.Found) > 0 {
		text += fmt.Sprintf("  written by key meanwhile: %s\n", fieldList(check.Found))
	}
	return text
}
