package ghlclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// End to end through the SDK: what the Conversations API stores reaches a receiver as GHL
// delivers it.

// events collects what a Handler handled.
type events struct {
	mu  sync.Mutex
	got []ghl.Event
}

func (e *events) handle(_ context.Context, ev ghl.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
	return nil
}

func (e *events) list() []ghl.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]ghl.Event(nil), e.got...)
}

// conv is a fake with a contact, a client with a Private Integration Token, and one with the
// OAuth token of the app that owns the conversation providers.
type conv struct {
	srv          *ghltest.Server
	pit, app     *ghl.Client
	contact, loc string
}

func newConv(t *testing.T, opts ...ghltest.ServerOption) *conv {
	t.Helper()
	srv := ghltest.New(t, opts...)
	pit, err := ghlclient.New(srv)
	require.NoError(t, err)
	app, err := ghlclient.New(srv, ghl.WithAccessToken(srv.ProviderAppToken(srv.LocationID())))
	require.NoError(t, err)
	c, _, err := pit.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Caller", Phone: "+14155550100"})
	require.NoError(t, err)
	return &conv{srv: srv, pit: pit, app: app, contact: c.ID, loc: srv.LocationID()}
}

// A call logged through the SDK is in the contact's conversation and reaches a Handler as a
// verified InboundMessageEvent or OutboundMessageEvent with its call status. GHL takes no
// duration on a call log (#284), so those events carry none; a call GHL placed itself
// carries its duration.
func TestCallLogReachesAHandler(t *testing.T) {
	f := newConv(t)
	ctx := context.Background()
	v, err := ghlclient.NewVerifier(f.srv)
	require.NoError(t, err)
	var got events
	rcv := httptest.NewServer(v.Handler(got.handle))
	t.Cleanup(rcv.Close)
	f.srv.RegisterWebhook(rcv.URL)

	at := time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)
	in, _, err := f.app.Conversations.LogCall(ctx, &ghl.CallLogRequest{Direction: ghl.DirectionInbound, ContactID: f.contact,
		ConversationProviderID: ghltest.DefaultCallProviderID, AltID: "pbx-in", Date: at,
		Call: ghl.CallData{From: "+14155550100", To: "+12125550100", Status: ghl.CallCompleted}})
	require.NoError(t, err)
	out, _, err := f.app.Conversations.LogCall(ctx, &ghl.CallLogRequest{Direction: ghl.DirectionOutbound, ContactID: f.contact,
		ConversationProviderID: ghltest.DefaultCallProviderID, AltID: "pbx-out", Date: at.Add(time.Hour),
		Call: ghl.CallData{From: "+12125550100", To: "+14155550100", Status: ghl.CallVoicemail}})
	require.NoError(t, err)
	dialer, err := f.srv.AddMessage(f.loc, f.contact, ghltest.Message{MessageType: "TYPE_CALL", Direction: "outbound",
		CallStatus: "completed", CallDuration: ghl.Ptr(95), From: "+12125550100", To: "+14155550100", DateAdded: at.Add(2 * time.Hour)})
	require.NoError(t, err)

	// In the contact's conversation, newest first.
	var msgs []*ghl.Message
	for m, err := range f.pit.Conversations.Messages(ctx, in.ConversationID, &ghl.MessageListOptions{Type: []string{"TYPE_CALL"}}) {
		require.NoError(t, err)
		msgs = append(msgs, m)
	}
	require.Len(t, msgs, 3)
	assert.Equal(t, []string{dialer, out.MessageID, in.MessageID}, []string{msgs[0].ID, msgs[1].ID, msgs[2].ID})
	assert.Equal(t, ghl.DirectionOutbound, msgs[1].Direction)
	assert.Equal(t, ghl.CallVoicemail, msgs[1].CallStatus())
	assert.Equal(t, "pbx-out", msgs[1].AltID)
	assert.Equal(t, ghl.DirectionInbound, msgs[2].Direction)
	assert.Equal(t, ghl.CallCompleted, msgs[2].CallStatus())
	assert.Equal(t, "pbx-in", msgs[2].AltID)
	assert.Equal(t, out.ConversationID, in.ConversationID, "one conversation per contact")

	require.NoError(t, f.srv.FlushWebhooks(ctx))
	evs := got.list()
	require.Len(t, evs, 3)
	inEv, ok := evs[0].(*ghl.InboundMessageEvent)
	require.True(t, ok, "%T", evs[0])
	assert.Equal(t, in.MessageID, inEv.MessageID)
	assert.Equal(t, f.contact, inEv.ContactID)
	assert.Equal(t, in.ConversationID, inEv.ConversationID)
	assert.Equal(t, f.loc, inEv.LocationID)
	assert.Equal(t, "CALL", inEv.MessageType)
	assert.Equal(t, 1, inEv.MessageTypeID)
	assert.Equal(t, "TYPE_CALL", inEv.MessageTypeString)
	assert.Equal(t, ghl.DirectionInbound, inEv.Direction)
	assert.Equal(t, ghl.MessageCompleted, inEv.Status)
	assert.Equal(t, ghl.CallCompleted, inEv.CallStatus)
	assert.Nil(t, inEv.CallDuration, "GHL takes no duration on a call log")
	assert.Equal(t, "+14155550100", inEv.From)
	assert.Equal(t, ghl.Addresses{"+12125550100"}, inEv.To)
	assert.Equal(t, ghltest.DefaultCallProviderID, inEv.ConversationProviderID)
	assert.Empty(t, inEv.UserID, "inbound calls carry no user (#214)")
	assert.True(t, inEv.DateAdded.Equal(at))
	assert.Empty(t, inEv.Extra)

	outEv, ok := evs[1].(*ghl.OutboundMessageEvent)
	require.True(t, ok, "%T", evs[1])
	assert.Equal(t, out.MessageID, outEv.MessageID)
	assert.Equal(t, ghl.MessageCompleted, outEv.Status, "an outbound call that reached voicemail is completed")
	assert.Equal(t, ghl.CallVoicemail, outEv.CallStatus)
	assert.Nil(t, outEv.CallDuration)
	assert.Equal(t, ghltest.DefaultUserID, outEv.UserID)
	assert.Equal(t, "api", outEv.Source)

	dialEv, ok := evs[2].(*ghl.OutboundMessageEvent)
	require.True(t, ok, "%T", evs[2])
	assert.Equal(t, dialer, dialEv.MessageID)
	require.NotNil(t, dialEv.CallDuration)
	assert.Equal(t, 95*time.Second, dialEv.CallDuration.Duration())
	assert.Equal(t, ghl.CallCompleted, dialEv.CallStatus)
	assert.Equal(t, "app", dialEv.Source)
}

// A text a GHL user sends reaches the provider's Delivery URL, unsigned: the provider decodes
// it with ParseEvent, deduplicates it on its message ID, and reports its delivery, which GHL
// accepts only after its window; the SDK waits that out.
func TestProviderDeliveryThroughTheSDK(t *testing.T) {
	const window = 300 * time.Millisecond
	var mu sync.Mutex
	var deliveries []*ghl.ProviderOutboundMessageEvent
	handled := map[string]int{}
	v, err := ghl.NewWebhookVerifier() // GHL's published keys
	require.NoError(t, err)
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if !assert.NoError(t, err) {
			return
		}
		_, verr := v.Verify(r.Context(), r.Header, body)
		assert.ErrorIs(t, verr, ghl.ErrMissingSignature, "GHL does not sign it, so a verifier refuses it")
		ev, err := ghl.ParseEvent(body)
		if !assert.NoError(t, err) {
			return
		}
		pom, ok := ev.(*ghl.ProviderOutboundMessageEvent)
		if !assert.True(t, ok, "%T", ev) {
			return
		}
		mu.Lock()
		deliveries = append(deliveries, pom)
		handled[pom.MessageID]++
		mu.Unlock()
	}))
	t.Cleanup(provider.Close)
	f := newConv(t, ghltest.WithProviderStatusDelay(window), ghltest.WithProviderDeliveryURL(ghltest.DefaultSMSProviderID, provider.URL))
	ctx := context.Background()

	start := time.Now()
	id, err := f.srv.SendTextFromGHL(f.loc, f.contact, "Your appointment is confirmed", "https://cdn.example/map.png")
	require.NoError(t, err)
	require.NoError(t, f.srv.FlushWebhooks(ctx))
	assert.Less(t, time.Since(start), window, "delivered while GHL still refuses the status update")
	mu.Lock()
	require.Len(t, deliveries, 1)
	ev := deliveries[0]
	mu.Unlock()
	assert.Equal(t, ghl.ChannelSMS, ev.Channel())
	assert.Equal(t, id, ev.MessageID)
	assert.Equal(t, f.contact, ev.ContactID)
	assert.Equal(t, f.loc, ev.LocationID)
	assert.Equal(t, "+14155550100", ev.Phone)
	assert.Equal(t, "Your appointment is confirmed", ev.Message)
	assert.Equal(t, []string{"https://cdn.example/map.png"}, ev.Attachments)
	assert.Equal(t, ghltest.DefaultUserID, ev.UserID)
	assert.Empty(t, ev.WebhookID, "no webhookId to deduplicate on: the message ID serves")
	assert.True(t, ev.Timestamp.IsZero())

	res, _, err := f.app.Conversations.UpdateMessageStatus(ctx, ev.MessageID, &ghl.MessageStatusRequest{Status: ghl.MessageDelivered})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), window)
	assert.Equal(t, ghl.MessageDelivered, res.Status)
	assert.Greater(t, f.srv.Requests(http.MethodPut, "/conversations/messages/"+id+"/status"), 1, "the first update came inside the window")
	msgs := f.srv.Messages(f.loc, f.contact)
	require.Len(t, msgs, 1)
	assert.Equal(t, "delivered", msgs[0].Status)

	// A repeated delivery has the same message ID; a provider that deduplicates handles it once.
	require.NoError(t, f.srv.RedeliverProviderMessage(id))
	require.NoError(t, f.srv.FlushWebhooks(ctx))
	mu.Lock()
	assert.Len(t, deliveries, 2)
	assert.Equal(t, map[string]int{id: 2}, handled)
	mu.Unlock()
}

// The Handler answers as GHL's retry rule needs, through the fake's delivery: a function that
// fails once gets the event again and handles it once; one that always fails gets the first
// attempt and GHL's six retries, all answered 429; a receiver answering 500 is never retried.
func TestHandlerRedeliveriesThroughTheFake(t *testing.T) {
	f := newConv(t)
	f.srv.SetWebhookRetries(ghltest.DefaultWebhookRetries, time.Millisecond)
	ctx := context.Background()
	v, err := ghlclient.NewVerifier(f.srv)
	require.NoError(t, err)
	var mu sync.Mutex
	calls, handled := map[string]int{}, map[string]int{}
	rcv := httptest.NewServer(v.Handler(func(_ context.Context, ev ghl.Event) error {
		msg, ok := ev.(*ghl.InboundMessageEvent)
		if !ok {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		calls[msg.Body]++
		if msg.Body == "always fails" || (msg.Body == "fails once" && calls[msg.Body] == 1) {
			return errors.New("the store is down")
		}
		handled[msg.Body]++
		return nil
	}))
	t.Cleanup(rcv.Close)
	f.srv.RegisterWebhook(rcv.URL)
	text := func(body string) {
		t.Helper()
		_, _, err := f.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: body})
		require.NoError(t, err)
	}
	text("fails once")
	text("always fails")
	require.NoError(t, f.srv.FlushWebhooks(ctx))

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(plain.Close)
	f.srv.RegisterWebhook(plain.URL)
	text("answered 500")
	require.NoError(t, f.srv.FlushWebhooks(ctx))

	type outcome struct {
		attempts, status int
		delivered        bool
	}
	var got []outcome
	for _, d := range f.srv.Deliveries() {
		if d.Type == ghl.EventInboundMessage {
			got = append(got, outcome{d.Attempts, d.StatusCode, d.Delivered})
		}
	}
	assert.Equal(t, []outcome{{2, 200, true}, {7, 429, false}, {1, 500, false}}, got)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]int{"fails once": 2, "always fails": 7}, calls)
	assert.Equal(t, map[string]int{"fails once": 1}, handled, "handled once")
}
