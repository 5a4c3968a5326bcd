package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// providerSyncer is a Syncer working through LinkedPhone's marketplace app (the token GHL
// takes call logs from), with its Call provider.
func providerSyncer(t *testing.T, srv *ghltest.Server) (*Syncer, *Store) {
	t.Helper()
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.ProviderAppToken(srv.LocationID())),
		ghl.WithLocationID(srv.LocationID()))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	s := NewSyncer(client, store, quietLogger(), true, nil)
	s.callProvider = ghltest.DefaultCallProviderID
	return s, store
}

// A call whose log request ended without a clear answer (Logging still set: a crash, a 5xx)
// is looked for in GHL by its altId before it is logged again: one found is adopted, one
// missing is logged. Calls are never logged twice.
func TestPushContactResumesUnclearCallLogs(t *testing.T) {
	srv := ghltest.New(t)
	syncer, store := providerSyncer(t, srv)
	ctx := context.Background()
	at := time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)
	id, err := syncer.RecordCall("+14155550100", "Ada", "", Call{ID: "call-stored", At: at, Direction: "inbound", Line: demoLine})
	require.NoError(t, err)
	_, err = syncer.RecordCall("+14155550100", "", "", Call{ID: "call-second", At: at.Add(time.Hour), Direction: "outbound", Line: demoLine})
	require.NoError(t, err)
	res, err := syncer.PushContact(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 2, res.Calls)

	// As if the process had died after GHL stored both logs but before LinkedPhone saved
	// their message IDs.
	rec, _ := store.Get(id)
	stored := rec.Calls[0].MessageID
	store.Update(id, func(r *Record) bool {
		r.Calls[0].MessageID, r.Calls[0].ConversationID, r.Calls[0].Logging = "", "", true
		r.Calls[1].MessageID, r.Calls[1].ConversationID, r.Calls[1].Logging = "", "", true
		return true
	})
	var second string
	for _, m := range srv.Messages(srv.LocationID(), rec.ContactID) {
		if m.AltID == "call-second" {
			second = m.ID
		}
	}
	require.NotEmpty(t, second)
	inbound := srv.Requests(http.MethodPost, "/conversations/messages/inbound")
	outbound := srv.Requests(http.MethodPost, "/conversations/messages/outbound")

	res, err = syncer.PushContact(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Calls)
	assert.Equal(t, inbound, srv.Requests(http.MethodPost, "/conversations/messages/inbound"), "the stored call was found, not logged again")
	assert.Equal(t, outbound, srv.Requests(http.MethodPost, "/conversations/messages/outbound"), "found as well")
	assert.Equal(t, 2, srv.Requests(http.MethodGet, "/conversations/messages/export"), "one look-up per marked call")
	rec, _ = store.Get(id)
	assert.Equal(t, stored, rec.Calls[0].MessageID)
	assert.Equal(t, second, rec.Calls[1].MessageID)
	for _, c := range rec.Calls {
		assert.False(t, c.Logging)
		assert.NotEmpty(t, c.ConversationID)
	}

	// A call marked but never stored is logged once.
	_, err = syncer.RecordCall("+14155550100", "", "", Call{ID: "call-new", At: at.Add(2 * time.Hour), Direction: "inbound", Line: demoLine})
	require.NoError(t, err)
	store.Update(id, func(r *Record) bool { r.Calls[2].Logging = true; return true })
	res, err = syncer.PushContact(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Calls)
	assert.Equal(t, inbound+1, srv.Requests(http.MethodPost, "/conversations/messages/inbound"))
	var altIDs []string
	for _, m := range srv.Messages(srv.LocationID(), rec.ContactID) {
		if m.MessageType == "TYPE_CALL" {
			altIDs = append(altIDs, m.AltID)
		}
	}
	assert.Equal(t, []string{"call-stored", "call-second", "call-new"}, altIDs)
}

// Without a call provider (a Private Integration Token cannot use one), calls stay out of
// GHL's conversations and are counted as skipped; tags still go.
func TestPushContactWithoutCallProvider(t *testing.T) {
	srv := ghltest.New(t)
	client, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)
	id, err := syncer.RecordCall("+14155550100", "Ada", "", Call{Direction: "inbound", Missed: true})
	require.NoError(t, err)
	res, err := syncer.PushContact(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 0, res.Calls)
	assert.Equal(t, 1, res.CallsSkipped)
	assert.Equal(t, []string{TagMissedCall}, res.Tags)
	assert.Empty(t, srv.Messages(srv.LocationID(), res.ContactID))
	rec, _ := store.Get(id)
	assert.NotEmpty(t, rec.Calls[0].ID, "LinkedPhone gave the call its ID")
	assert.Empty(t, rec.Calls[0].MessageID)
}

// The Delivery URL: a wrong secret is a 404, a body that is not a text or is for another
// location a 400; a delivery the carrier could not take is answered 429, so GHL delivers it
// again, and then it is sent once and reported delivered.
func TestDeliveryURL(t *testing.T) {
	srv := ghltest.New(t, ghltest.WithProviderStatusDelay(50*time.Millisecond))
	syncer, store := providerSyncer(t, srv)
	srv.SetWebhookRetries(2, time.Millisecond)
	_, err := syncer.NewDelivery("short", demoCarrier)
	assert.Error(t, err)

	secret := newDeliverySecret()
	fails := 1
	var sent []string
	d, err := syncer.NewDelivery(secret, func(_ *Record, ev *ghl.ProviderOutboundMessageEvent) error {
		if fails > 0 {
			fails--
			return errors.New("carrier unavailable")
		}
		sent = append(sent, ev.MessageID)
		return nil
	})
	require.NoError(t, err)
	mux := http.NewServeMux()
	d.Mount(mux)
	rcv := httptest.NewServer(mux)
	t.Cleanup(rcv.Close)
	url := rcv.URL + "/ghl/provider/" + secret
	require.NoError(t, srv.SetProviderDeliveryURL(ghltest.DefaultSMSProviderID, url))

	for _, tc := range []struct {
		url, body string
		want      int
	}{
		{rcv.URL + "/ghl/provider/" + newDeliverySecret(), `{"type":"SMS","locationId":"` + srv.LocationID() + `","messageId":"m1"}`, 404},
		{url, `{"type":"NoteCreate","locationId":"` + srv.LocationID() + `"}`, 400},
		{url, `not json`, 400},
		{url, `{"type":"SMS","locationId":"another-location","messageId":"m1","contactId":"c1"}`, 400},
	} {
		status, err := postDelivery(context.Background(), tc.url, tc.body)
		require.NoError(t, err)
		assert.Equal(t, tc.want, status, tc.body)
	}

	c, _, err := syncer.client.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", Phone: "+14155550100"})
	require.NoError(t, err)
	id, err := srv.SendTextFromGHL(srv.LocationID(), c.ID, "Hello")
	require.NoError(t, err)
	require.NoError(t, srv.FlushWebhooks(context.Background()))
	require.NoError(t, d.Wait(context.Background()))

	deliveries := srv.Deliveries()
	require.Len(t, deliveries, 1)
	assert.Equal(t, 2, deliveries[0].Attempts, "answered 429 once, then 200")
	assert.Equal(t, 200, deliveries[0].StatusCode)
	assert.Equal(t, []string{id}, sent)
	rec, ok := store.ByContactID(c.ID)
	require.True(t, ok)
	require.Len(t, rec.Texts, 1)
	assert.Equal(t, "delivered", rec.Texts[0].Status)
	assert.Equal(t, "delivered", srv.Messages(srv.LocationID(), c.ID)[0].Status)
	assert.Equal(t, "+14155550100", rec.Phone)
}

// Real mode logs calls when given LinkedPhone's Call provider and its app's token, writes
// LinkedPhone's fields in the same push, and explains GHL's refusal of a Private
// Integration Token for the provider.
func TestRealModeCallProvider(t *testing.T) {
	srv := ghltest.New(t)
	loc := srv.LocationID()
	dir := t.TempDir()
	// One of LinkedPhone's fields exists: it is written beside the call log, the others are
	// reported missing.
	countID, err := srv.AddCustomField(loc, ghltest.CustomField{Name: "Call count", FieldKey: fieldCallCount, DataType: "NUMERICAL"})
	require.NoError(t, err)

	stdout, stderr := tempFile(t, dir, "out"), tempFile(t, dir, "err")
	code := realMain([]string{"-write", "-data", filepath.Join(dir, "a.json")}, env(map[string]string{envToken: srv.ProviderAppToken(loc),
		envLocation: loc, envBaseURL: srv.URL, envCallProvider: ghltest.DefaultCallProviderID}), stdout, stderr)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", readFile(t, stdout), readFile(t, stderr))
	outText := readFile(t, stdout)
	assert.Contains(t, outText, "1 call(s) logged (0 skipped)")
	assert.Contains(t, outText, "custom fields: the location lacks 2 of LinkedPhone's 3 fields")
	assert.Contains(t, outText, "  written by key meanwhile: contact.call_count\n")
	assert.Contains(t, outText, "  fields by key: contact.call_count=1\n")
	store, err := OpenStore(filepath.Join(dir, "a.json"))
	require.NoError(t, err)
	rec, ok := store.ByPhone(realDemoPhone)
	require.True(t, ok)
	msgs := srv.Messages(loc, rec.ContactID)
	require.Len(t, msgs, 1)
	assert.Equal(t, "TYPE_CALL", msgs[0].MessageType)
	assert.Equal(t, rec.Calls[0].ID, msgs[0].AltID)
	assert.Equal(t, "no-answer", msgs[0].CallStatus)
	c, ok := srv.Contact(loc, rec.ContactID)
	require.True(t, ok)
	assert.Equal(t, []ghltest.CustomFieldValue{{ID: countID, Value: float64(1)}}, c.CustomFields, "the call's push wrote the field by key")

	stdout, stderr = tempFile(t, dir, "out2"), tempFile(t, dir, "err2")
	code = realMain([]string{"-write", "-data", filepath.Join(dir, "b.json")}, env(map[string]string{envToken: srv.Token(),
		envLocation: loc, envBaseURL: srv.URL, envCallProvider: ghltest.DefaultCallProviderID}), stdout, stderr)
	assert.Equal(t, exitFailure, code)
	msg := readFile(t, stderr)
	assert.Contains(t, msg, "GHL refused the call log: GHL_CALL_PROVIDER_ID must be a Call conversation provider of LinkedPhone's marketplace app")
	assert.NotContains(t, msg, srv.Token(), "the token never appears in output")

	stdout, stderr = tempFile(t, dir, "out3"), tempFile(t, dir, "err3")
	code = realMain([]string{"-write", "-data", filepath.Join(dir, "c.json")}, env(map[string]string{envToken: srv.Token(),
		envLocation: loc, envBaseURL: srv.URL}), stdout, stderr)
	require.Equal(t, 0, code, readFile(t, stderr))
	assert.Contains(t, readFile(t, stdout), "call logging skipped: set GHL_CALL_PROVIDER_ID")
	assert.Contains(t, readFile(t, stdout), "0 call(s) logged (1 skipped)")
}
