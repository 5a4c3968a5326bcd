package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRateLimit is GHL's budget of 100 requests with the window scaled from 10 s down to 1 s,
// so a pacing mistake shows up as a 429 without making the test wait.
var testRateLimit = ghltest.RateLimitConfig{Mode: ghltest.SlidingWindow, Limit: 100, Window: time.Second, DailyLimit: 200_000}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestDemoSyncsBothSides runs every workflow against ghltest and checks the final state of
// GHL (the fake's store) and of LinkedPhone (the data file, reloaded from disk).
func TestDemoSyncsBothSides(t *testing.T) {
	srv := ghltest.NewServer(ghltest.WithRateLimit(testRateLimit), ghltest.WithProviderStatusDelay(200*time.Millisecond))
	t.Cleanup(srv.Close)
	dataPath := filepath.Join(t.TempDir(), "linkedphone.json")
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const n = 240
	res, err := runDemo(ctx, demoOptions{Contacts: n, DataPath: dataPath, Server: srv, Seed: 7, Logger: quietLogger()}, &output{w: &out})
	require.NoError(t, err, out.String())
	loc := srv.LocationID()
	require.Len(t, res.SeededIDs, n)

	// LinkedPhone's side, as persisted: reload the file rather than trusting memory.
	store, err := OpenStore(dataPath)
	require.NoError(t, err)

	t.Run("5 import", func(t *testing.T) {
		assert.Equal(t, n, res.Imported)
		assert.Equal(t, n+3, store.Len(), "every seeded contact, the new caller and the two contacts created in GHL")
		for _, id := range res.SeededIDs {
			rec, ok := store.ByContactID(id)
			require.True(t, ok, "contact %s not imported", id)
			c, _ := srv.Contact(loc, id)
			assert.Equal(t, c.Name, rec.Name)
			assert.Equal(t, c.Email, rec.Email)
			assert.Equal(t, c.Phone, rec.Phone)
			if c.DND {
				assert.Equal(t, StatusDoNotCall, rec.Status)
			}
		}
	})

	t.Run("1 refresh", func(t *testing.T) {
		require.Len(t, res.Refreshed, 3)
		for _, id := range res.Refreshed {
			rec, ok := store.Get(id)
			require.True(t, ok)
			assert.False(t, rec.SyncedAt.IsZero())
			want := srv.Tasks(loc, rec.ContactID)
			require.NotEmpty(t, want)
			for _, gt := range want {
				lt, ok := rec.Task(gt.ID)
				require.True(t, ok, "task %v missing in LinkedPhone", gt.ID)
				assert.Equal(t, gt.Title, lt.Title)
				assert.Equal(t, gt.Completed, lt.Completed)
			}
			assert.Len(t, rec.Tasks, len(want))
			assert.Len(t, rec.Notes, len(srv.Notes(loc, rec.ContactID)))
		}
		// The fifth seeded contact has an appointment.
		fifth, _ := store.ByContactID(res.SeededIDs[4])
		require.Len(t, fifth.Appointments, 1)
		assert.True(t, strings.HasPrefix(fifth.Appointments[0].Title, "Consultation with "))
	})

	t.Run("2 new caller", func(t *testing.T) {
		require.True(t, res.NewCaller.New)
		cid := res.NewCaller.ContactID
		c, ok := srv.Contact(loc, cid)
		require.True(t, ok)
		assert.Equal(t, demoNewCallerPhone, c.Phone)
		assert.Equal(t, demoNewCallerName, c.Name)
		assert.Equal(t, sourceLinkedPhone, c.Source)
		assert.ElementsMatch(t, []string{TagMissedCall}, tagsOf(c))
		assert.Empty(t, srv.Notes(loc, cid), "the call is a Call message, not a note")

		rec, ok := store.Get(res.NewCallerID)
		require.True(t, ok)
		assert.Equal(t, cid, rec.ContactID)
		assert.Equal(t, []string{TagMissedCall}, rec.Tags)
		require.Len(t, rec.Calls, 1)
		call := rec.Calls[0]
		msgs := srv.Messages(loc, cid)
		require.Len(t, msgs, 2, "the missed call, and the text a GHL user sent (7)")
		assert.Equal(t, ghltest.Message{ID: call.MessageID, ConversationID: call.ConversationID, ContactID: cid, MessageType: "TYPE_CALL",
			Direction: "inbound", Status: "no-answer", CallStatus: "no-answer", From: demoNewCallerPhone, To: demoLine, AltID: call.ID,
			ConversationProviderID: ghltest.DefaultCallProviderID, Source: "api", DateAdded: call.At}, msgs[0])
		assert.False(t, call.Logging)
		assert.Empty(t, call.NoteID)
	})

	t.Run("2 known caller", func(t *testing.T) {
		require.False(t, res.KnownCaller.New, "matched the existing contact")
		cid := res.KnownCaller.ContactID
		require.Equal(t, res.SeededIDs[1], cid)
		c, _ := srv.Contact(loc, cid)
		tags := tagsOf(c)
		assert.Contains(t, tags, TagCalled)
		assert.Greater(t, len(tags), 1, "the contact's own tags are kept")
		assert.Equal(t, "ghltest seed", c.Source, "the contact's source is kept")
		assert.Contains(t, tags, TagMissedCall, "the call back reached voicemail")
		notes := srv.Notes(loc, cid)
		require.Len(t, notes, 2, "the seeded note and the answered call's summary")
		assert.Equal(t, "LinkedPhone: inbound call, 4m12s", notes[1].Body[:len("LinkedPhone: inbound call, 4m12s")])
		assert.Equal(t, 2, srv.ContactCount(loc)-n-1, "the known caller was not duplicated (two contacts were created by GHL users)")

		rec, _ := store.Get(res.KnownCallerID)
		assert.Equal(t, normalizeTags(tags), rec.Tags)
		require.Len(t, rec.Calls, 2)
		answered, back := rec.Calls[0], rec.Calls[1]
		assert.Equal(t, notes[1].ID, answered.NoteID, "the call knows its note, so it is never pushed twice")
		assert.Empty(t, back.NoteID, "no summary, no note")

		// GHL's side: both calls, their outcomes and LinkedPhone's IDs; the recording uploaded
		// and attached to the answered call; the text the caller sent (7).
		msgs := srv.Messages(loc, cid)
		require.Len(t, msgs, 3)
		require.NotEmpty(t, answered.RecordingURL)
		assert.Equal(t, ghltest.Message{ID: answered.MessageID, ConversationID: answered.ConversationID, ContactID: cid, MessageType: "TYPE_CALL",
			Direction: "inbound", Status: "completed", CallStatus: "completed", From: rec.Phone, To: demoLine, AltID: answered.ID,
			ConversationProviderID: ghltest.DefaultCallProviderID, Attachments: []string{answered.RecordingURL}, Source: "api",
			DateAdded: answered.At}, msgs[0])
		assert.Equal(t, ghltest.Message{ID: back.MessageID, ConversationID: answered.ConversationID, ContactID: cid, MessageType: "TYPE_CALL",
			Direction: "outbound", Status: "completed", CallStatus: "voicemail", From: demoLine, To: rec.Phone, AltID: back.ID,
			ConversationProviderID: ghltest.DefaultCallProviderID, Source: "api", DateAdded: back.At}, msgs[1])
		uploaded, ok := srv.UploadedFile(answered.RecordingURL)
		require.True(t, ok)
		local, err := os.ReadFile(answered.Recording)
		require.NoError(t, err)
		assert.Equal(t, 44+16000*252, len(uploaded), "252 s of 8 kHz 16-bit audio")
		assert.Equal(t, local, uploaded, "LinkedPhone's recording, byte for byte")

		require.Len(t, rec.Texts, 1)
		text := rec.Texts[0]
		assert.Equal(t, ghltest.Message{ID: text.MessageID, ConversationID: answered.ConversationID, ContactID: cid, MessageType: "TYPE_SMS",
			Direction: "inbound", Status: "delivered", Body: "Running 10 minutes late, sorry!", AltID: text.ID, Source: "api",
			DateAdded: text.At}, msgs[2])
		assert.Equal(t, res.Texts.Inbound, rec.ID)
		assert.Equal(t, 1, res.Texts.Push.Texts)
	})

	t.Run("7 text sent from GHL, delivered by LinkedPhone", func(t *testing.T) {
		tx := res.Texts
		require.NotEmpty(t, tx.FromGHL)
		assert.Equal(t, res.NewCallerID, tx.Delivered)
		msgs := srv.Messages(loc, res.NewCaller.ContactID)
		require.Len(t, msgs, 2)
		assert.Equal(t, tx.FromGHL, msgs[1].ID)
		assert.Equal(t, "TYPE_CUSTOM_PROVIDER_SMS", msgs[1].MessageType)
		assert.Equal(t, "delivered", msgs[1].Status, "LinkedPhone's status update, after GHL's window")

		rec, _ := store.Get(res.NewCallerID)
		require.Len(t, rec.Texts, 1, "delivered twice by GHL, sent once")
		assert.Equal(t, Text{At: rec.Texts[0].At, Direction: "outbound", Body: "Hi Maria, sorry we missed your call. When can we call you back?",
			MessageID: tx.FromGHL, Status: "delivered"}, rec.Texts[0])

		var deliveries []ghltest.WebhookDelivery
		for _, d := range srv.Deliveries() {
			if d.Type == ghltest.EventProviderOutboundMessage {
				deliveries = append(deliveries, d)
			}
		}
		require.Len(t, deliveries, 2)
		for _, d := range deliveries {
			assert.Equal(t, tx.FromGHL, d.MessageID)
			assert.Equal(t, 200, d.StatusCode)
			assert.Equal(t, 1, d.Attempts)
		}
		puts := srv.Requests("PUT", "/conversations/messages/"+tx.FromGHL+"/status")
		assert.Equal(t, puts-1, tx.Refused, "every update but the last was refused inside the window")
		assert.Equal(t, 404, tx.WrongSecret)
	})

	t.Run("4 follow-up task for contacts created in GHL", func(t *testing.T) {
		for _, cid := range []string{res.GHLContactID, res.NewCaller.ContactID} {
			tasks := srv.Tasks(loc, cid)
			require.Len(t, tasks, 1, "exactly one follow-up task for %s", cid)
			assert.True(t, strings.HasPrefix(tasks[0].Title, "Follow up with "))
			rec, ok := store.ByContactID(cid)
			require.True(t, ok)
			lt, ok := rec.Task(tasks[0].ID)
			require.True(t, ok)
			assert.Equal(t, tasks[0].Title, lt.Title)
		}
		ghlRec, _ := store.ByContactID(res.GHLContactID)
		assert.Equal(t, "Devon Price", ghlRec.Name)
		assert.Equal(t, "devon.price@example.com", ghlRec.Email)
	})

	t.Run("3 task done in LinkedPhone", func(t *testing.T) {
		assert.True(t, ghlTaskCompleted(t, srv, loc, res.LocalDone.ContactID, res.LocalDone.TaskID), "completed in GHL")
		rec, _ := store.Get(res.LocalDone.RecordID)
		lt, ok := rec.Task(res.LocalDone.TaskID)
		require.True(t, ok)
		assert.True(t, lt.Completed)
		assert.Equal(t, 1, srv.Requests("PUT", "/contacts/"+res.LocalDone.ContactID+"/tasks/"+res.LocalDone.TaskID+"/completed"))
	})

	t.Run("3 task completed in GHL", func(t *testing.T) {
		assert.True(t, ghlTaskCompleted(t, srv, loc, res.RemoteDone.ContactID, res.RemoteDone.TaskID))
		rec, _ := store.Get(res.RemoteDone.RecordID)
		lt, ok := rec.Task(res.RemoteDone.TaskID)
		require.True(t, ok)
		assert.True(t, lt.Completed, "the TaskComplete webhook reached LinkedPhone")
	})

	t.Run("duplicate and forged deliveries", func(t *testing.T) {
		require.NotEmpty(t, res.RemoteDone.WebhookID)
		assert.Equal(t, 1, res.DuplicateProcessed, "a redelivered event is processed once")
		assert.Equal(t, 1, res.Stats.Webhooks[ghl.WebhookDuplicate])
		var deliveries int
		for _, d := range srv.Deliveries() {
			if d.WebhookID == res.RemoteDone.WebhookID {
				deliveries++
				assert.Equal(t, 200, d.StatusCode, "a duplicate is acknowledged, so GHL stops resending")
			}
		}
		assert.Equal(t, 2, deliveries)

		assert.Equal(t, 401, res.ForgedStatus)
		assert.Equal(t, 1, res.Stats.Webhooks[ghl.WebhookRejected])
		rec, _ := store.ByContactID(res.RemoteDone.ContactID)
		_, forged := rec.Task(forgedTaskID)
		assert.False(t, forged, "a forged event changes nothing")
	})

	t.Run("6 catch-up after the receiver was down", func(t *testing.T) {
		require.Len(t, res.Away.Changed, 3)
		assert.Equal(t, 4, res.Missed, "ContactUpdate, ContactDndUpdate or ContactUpdate, ContactTagUpdate, ContactCreate")
		cu := res.CatchUp
		require.NotNil(t, cu)
		assert.Equal(t, 1, cu.Created)
		assert.Equal(t, 3, cu.Updated)
		assert.True(t, cu.Checkpoint.After(cu.Since.Add(catchUpMargin)), "the checkpoint moved on")

		renamed, ok := store.ByContactID(res.Away.Changed[0])
		require.True(t, ok)
		assert.Equal(t, "Jordan Reyes", renamed.Name)
		dnd, _ := store.ByContactID(res.Away.Changed[1])
		assert.Equal(t, StatusDoNotCall, dnd.Status)
		tagged, _ := store.ByContactID(res.Away.Changed[2])
		assert.Contains(t, tagged.Tags, "vip")

		rec, ok := store.ByContactID(res.Away.Created)
		require.True(t, ok, "the contact created while away reached LinkedPhone")
		assert.Equal(t, "Rosa Diaz", rec.Name)
		tasks := srv.Tasks(loc, res.Away.Created)
		require.Len(t, tasks, 1, "exactly one follow-up task, as a ContactCreate webhook would have made")
		assert.Equal(t, "Follow up with Rosa Diaz", tasks[0].Title)
		lt, ok := rec.Task(tasks[0].ID)
		require.True(t, ok)
		assert.False(t, lt.Completed)
		assert.Equal(t, cu.Checkpoint, store.Checkpoint(), "the checkpoint is saved with the records")
	})

	t.Run("2 follow-ups booked", func(t *testing.T) { checkDemoFollowUps(t, srv, store, res) })
	t.Run("2 LinkedPhone's fields by key", func(t *testing.T) { checkDemoFields(t, srv, store, res, out.String()) })
	t.Run("8 follow-up moved in GHL", func(t *testing.T) { checkDemoMove(t, srv, store, res, out.String()) })

	// Both features' webhooks reach the same receiver: the calls and texts coming back as
	// message events (acknowledged, nothing to do), the follow-ups as appointment events.
	t.Run("2/7/8 message and appointment webhooks", func(t *testing.T) {
		got := map[string]int{}
		for _, d := range srv.Deliveries() {
			switch d.Type {
			case ghl.EventInboundMessage, ghl.EventOutboundMessage, ghl.EventAppointmentCreate, ghl.EventAppointmentUpdate, ghl.EventAppointmentDelete:
				got[d.Type]++
				assert.Equal(t, 200, d.StatusCode, "%s %s acknowledged", d.Type, d.WebhookID)
				assert.Equal(t, 1, d.Attempts, "%s %s handled at once", d.Type, d.WebhookID)
			}
		}
		assert.Equal(t, map[string]int{
			// The three callers' inbound calls and the known caller's text; the call back and
			// the text from GHL.
			ghl.EventInboundMessage: 4, ghl.EventOutboundMessage: 2,
			// The two follow-ups booked, and the one a GHL user moved.
			ghl.EventAppointmentCreate: 2, ghl.EventAppointmentUpdate: 1,
		}, got)
	})

	t.Run("summary", func(t *testing.T) {
		assert.Zero(t, res.Stats.Status429)
		assert.Zero(t, srv.RateLimited())
		assert.Zero(t, res.Stats.Webhooks[ghl.WebhookFailed])
		assert.Positive(t, res.Stats.Webhooks[ghl.WebhookAccepted])
		// The field list; import: a count and one short page; 4 per refresh; the new caller's
		// duplicate check, upsert, tags and call log; the known caller's upsert, tags, two
		// call logs, the recording's upload and attachment, and the summary note; the third
		// caller's upsert, tags, call log and summary note; the bookings' location and
		// calendars, and per booking (two) the user lookup, free slots and the booking; the
		// texts: the known caller's upsert and inbound text, and the status updates of the
		// text from GHL; 2 follow-up tasks; 1 completion; the catch-up's one page and its
		// follow-up task.
		puts := srv.Requests("PUT", "/conversations/messages/"+res.Texts.FromGHL+"/status")
		require.Positive(t, puts)
		assert.Equal(t, 1+2+3*4+4+7+4+2+2*3+2+puts+2+1+2, res.Stats.Attempts)
		assert.Equal(t, puts-1, res.Stats.Status403, "the only refusals: GHL's window")
		for _, want := range []string{"== 5. initial import", "== 1. contact requested", "== 2. calls in LinkedPhone", "== 7. texts",
			"== 4. contact created in GHL", "== 3. task completed", "== 8. follow-up moved in GHL", "== webhook deliveries",
			"== 6. receiver down", "== summary",
			"import  240/240  100%", fmt.Sprintf("GHL API requests     %d (429s: 0", 1+2+3*4+4+7+4+2+2*3+2+2+1+2+puts), "GHL could not deliver 4 webhooks",
			"1 created and 3 changed while away", "  catch-up: contact created while away", "  webhook: ContactCreate ",
			"GHL conversations    calls logged 4 (recordings attached 1), texts logged 1, texts from GHL delivered 1",
			"ProviderOutboundMessage " + res.Texts.FromGHL + " again: already with the carrier, acknowledged",
			"a delivery to the Delivery URL with another secret: answered 404 Not Found, not sent"} {
			assert.Contains(t, out.String(), want)
		}
	})
}

func tagsOf(c *ghltest.Contact) []string { return slices.Clone(c.Tags) }

func ghlTaskCompleted(t *testing.T, srv *ghltest.Server, loc, contactID, taskID string) bool {
	t.Helper()
	for _, task := range srv.Tasks(loc, contactID) {
		if task.ID == taskID {
			return task.Completed
		}
	}
	t.Fatalf("task %s of contact %s not found in GHL", taskID, contactID)
	return false
}

// TestWebhookFailureIsRedelivered checks the at-least-once side: an event whose processing
// fails is answered 429, GHL delivers it again, and the retry is processed.
func TestWebhookFailureIsRedelivered(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	srv.SetWebhookRetries(3, time.Millisecond)
	ctx := context.Background()
	loc := srv.LocationID()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)

	verifier, err := ghl.NewWebhookVerifier(ghl.WithoutDefaultKeys(), ghl.WithEd25519PublicKeys(srv.WebhookPublicKey()))
	require.NoError(t, err)
	fails := 1
	handle := func(ctx context.Context, ev ghl.Event) error {
		if _, ok := ev.(*ghl.ContactCreateEvent); ok && fails > 0 {
			fails--
			return assert.AnError // say, the data file's disk was full
		}
		return syncer.HandleEvent(ctx, ev)
	}
	rcv, err := StartReceiver("127.0.0.1:0", webhookMux(verifier, handle), quietLogger())
	require.NoError(t, err)
	t.Cleanup(func() { rcv.Close() })
	srv.RegisterWebhook(rcv.URL)

	c, _, err := client.Contacts.Create(ctx, &ghl.ContactCreateRequest{Name: "Ada Caller", Phone: "+14155550100"})
	require.NoError(t, err)
	require.NoError(t, srv.FlushWebhooks(ctx))

	var statuses []int
	for _, d := range srv.Deliveries() {
		if d.Type == ghl.EventContactCreate {
			statuses = append(statuses, d.StatusCode)
			assert.Equal(t, 2, d.Attempts)
		}
	}
	assert.Equal(t, []int{200}, statuses)
	tasks := srv.Tasks(loc, c.ID)
	require.Len(t, tasks, 1, "the retried event created the follow-up task once")
	assert.Equal(t, "Follow up with Ada Caller", tasks[0].Title)
	rec, ok := store.ByContactID(c.ID)
	require.True(t, ok)
	assert.Len(t, rec.Tasks, 1)
}

func TestSyncerReadOnlySendsNothing(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	ids := srv.Seed(loc, 1, 1)
	before := srv.StateDigest(loc)
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), false, nil)
	ctx := context.Background()

	id, err := syncer.RecordCall("+15559990100", "Ada", "", Call{Direction: "inbound", Missed: true})
	require.NoError(t, err)
	res, err := syncer.PushContact(ctx, id)
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.Equal(t, 1, res.Calls)
	assert.Zero(t, res.Notes, "no summary, no note")
	assert.Equal(t, []string{TagMissedCall}, res.Tags)

	// A task done in LinkedPhone stays local.
	tasks := srv.Tasks(loc, ids[0])
	linked := store.UpsertByContactID(ids[0], "", func(r *Record) {
		r.Tasks = []Task{{ID: tasks[0].ID, Title: "t"}}
	})
	changed, err := syncer.CompleteTask(ctx, linked, tasks[0].ID)
	require.NoError(t, err)
	assert.False(t, changed)
	rec, _ := store.Get(linked)
	assert.True(t, rec.Tasks[0].Completed)

	assert.Equal(t, before, srv.StateDigest(loc))
}

// TestRealModeReadOnly runs the real-mode path against ghltest (through GHL_BASE_URL): it must
// import and refresh but change nothing in GHL.
func TestRealModeReadOnly(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	srv.Seed(loc, 30, 3)
	before := srv.StateDigest(loc)
	dir := t.TempDir()
	stdout, stderr := tempFile(t, dir, "out"), tempFile(t, dir, "err")

	code := realMain([]string{"-data", filepath.Join(dir, "lp.json")},
		env(map[string]string{envToken: srv.Token(), envLocation: loc, envBaseURL: srv.URL}), stdout, stderr)
	outText, errText := readFile(t, stdout), readFile(t, stderr)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", outText, errText)

	assert.Equal(t, before, srv.StateDigest(loc), "read-only mode changed GHL")
	assert.Contains(t, outText, "imported 30 contacts")
	assert.Contains(t, outText, "skipped (read-only): would upsert")
	assert.Contains(t, outText, "need GHL to reach this program: run it with -listen")
	assert.Contains(t, outText, "custom fields: the location lacks 3 of LinkedPhone's 3 fields, which are not written until an admin creates them:\n"+
		"  contact.last_call: create a Date Picker field named \"Last call\" (Settings > Custom Fields, object Contact)\n")
	store, err := OpenStore(filepath.Join(dir, "lp.json"))
	require.NoError(t, err)
	assert.Equal(t, 30, store.Len())
}

func TestRealModeWrite(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	srv.Seed(loc, 5, 3)
	ids := map[string]string{}
	for _, f := range linkedPhoneFields {
		id, err := srv.AddCustomField(loc, ghltest.CustomField{Name: f.Name, DataType: f.DataType})
		require.NoError(t, err)
		ids[f.Key] = id
	}
	dir := t.TempDir()
	stdout, stderr := tempFile(t, dir, "out"), tempFile(t, dir, "err")

	code := realMain([]string{"-write", "-data", filepath.Join(dir, "lp.json")},
		env(map[string]string{envToken: srv.Token(), envLocation: loc, envBaseURL: srv.URL}), stdout, stderr)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", readFile(t, stdout), readFile(t, stderr))
	outText := readFile(t, stdout)
	assert.Contains(t, outText, "custom fields: contact.last_call, contact.call_count, contact.linkedphone_id, written by key on every contact the sync pushes\n")
	// A Private Integration Token and no call provider: the call stays out of the conversation.
	assert.Contains(t, outText, "call logging skipped: set GHL_CALL_PROVIDER_ID")
	assert.Contains(t, outText, "0 call(s) logged (1 skipped)")

	store, err := OpenStore(filepath.Join(dir, "lp.json"))
	require.NoError(t, err)
	rec, ok := store.ByPhone(realDemoPhone)
	require.True(t, ok)
	c, ok := srv.Contact(loc, rec.ContactID)
	require.True(t, ok)
	assert.Equal(t, realDemoEmail, c.Email)
	assert.Contains(t, tagsOf(c), TagMissedCall)
	assert.ElementsMatch(t, []ghltest.CustomFieldValue{{ID: ids[fieldLastCall], Value: rec.Calls[0].At.UTC().Format(time.RFC3339)},
		{ID: ids[fieldCallCount], Value: float64(1)}, {ID: ids[fieldLinkedPhoneID], Value: rec.ID}}, c.CustomFields, "LinkedPhone's fields, written by key")
	require.Len(t, srv.Notes(loc, rec.ContactID), 1)
	assert.Empty(t, srv.Messages(loc, rec.ContactID), "no call logged without a provider")
	tasks := srv.Tasks(loc, rec.ContactID)
	require.Len(t, tasks, 1)
	assert.True(t, tasks[0].Completed)
}

func TestRealModeBadCredentials(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	dir := t.TempDir()

	t.Run("401", func(t *testing.T) {
		stdout, stderr := tempFile(t, dir, "out401"), tempFile(t, dir, "err401")
		code := realMain([]string{"-data", filepath.Join(dir, "a.json")},
			env(map[string]string{envToken: "pit-revoked-token", envLocation: srv.LocationID(), envBaseURL: srv.URL}), stdout, stderr)
		assert.Equal(t, exitFailure, code)
		msg := readFile(t, stderr)
		assert.Contains(t, msg, "GHL refused the access token (401)")
		assert.NotContains(t, msg, "pit-revoked-token", "the token never appears in output")
		assert.NotContains(t, msg, "goroutine", "no stack trace")
	})
	t.Run("403 other location", func(t *testing.T) {
		stdout, stderr := tempFile(t, dir, "out403"), tempFile(t, dir, "err403")
		code := realMain([]string{"-data", filepath.Join(dir, "b.json")},
			env(map[string]string{envToken: srv.Token(), envLocation: "another-location", envBaseURL: srv.URL}), stdout, stderr)
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, readFile(t, stderr), "GHL answered 403")
	})
	t.Run("only one variable", func(t *testing.T) {
		stdout, stderr := tempFile(t, dir, "out1"), tempFile(t, dir, "err1")
		code := realMain(nil, env(map[string]string{envToken: srv.Token()}), stdout, stderr)
		assert.Equal(t, exitUsage, code)
		assert.Equal(t, "sync: GHL_ACCESS_TOKEN is set but GHL_LOCATION_ID is not: set both to run against GHL, or neither to run the demo\n", readFile(t, stderr))
	})
}

func tempFile(t *testing.T, dir, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

func readFile(t *testing.T, f *os.File) string {
	t.Helper()
	b, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	return string(b)
}

func TestHandleEventIgnoresOtherLocations(t *testing.T) {
	client, err := ghl.NewClient(ghl.WithBaseURL("http://127.0.0.1:1"), ghl.WithLocationID("loc-a"))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)
	ev, err := ghl.ParseEvent([]byte(`{"type":"ContactCreate","locationId":"loc-b","id":"c1","webhookId":"w1",
		"timestamp":"2026-03-01T09:30:00Z","name":"Someone Else's Contact"}`))
	require.NoError(t, err)
	// Handling it here would try to create a task through an unreachable host and fail.
	require.NoError(t, syncer.HandleEvent(context.Background(), ev))
	assert.Zero(t, syncer.TimesProcessed("w1"))
	assert.Zero(t, store.Len())
}

// Phone numbers go to GHL in E.164 by the location's country; one that does not normalize is
// refused before anything is sent (GHL would answer 422), and a caller is not keyed by it.
func TestSyncerNormalizesPhones(t *testing.T) {
	srv := ghltest.NewServer()
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(loc))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)
	ctx := context.Background()

	id, err := syncer.RecordCall("(415) 555-0100", "Ada", "", Call{Direction: "inbound"})
	require.NoError(t, err)
	again, err := syncer.RecordCall("+1 415 555 0100", "", "", Call{Direction: "outbound"})
	require.NoError(t, err)
	assert.Equal(t, id, again, "one caller, however the number is written")
	res, err := syncer.PushContact(ctx, id)
	require.NoError(t, err)
	c, ok := srv.Contact(loc, res.ContactID)
	require.True(t, ok)
	assert.Equal(t, "+14155550100", c.Phone)

	_, err = syncer.RecordCall("555-0100", "Short", "", Call{Direction: "inbound"})
	var pe *ghl.PhoneError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, store.Len(), "no record keyed by a number that does not normalize")

	// A record holding such a number (say, from an older data file) is not pushed.
	bad := store.Put(&Record{Name: "Old Data", Phone: "555-0100"})
	sent := srv.Stats().Requests.Total
	_, err = syncer.PushContact(ctx, bad)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, sent, srv.Stats().Requests.Total, "nothing was sent")
}
