package ghltest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// State tests of the Conversations fake, driven through the SDK.

type convFixture struct {
	srv     *Server
	loc     string
	pit     *ghl.Client // a Private Integration Token
	app     *ghl.Client // an OAuth token of the fake's marketplace app, which owns the providers
	contact string      // a contact with a phone number
}

func newConvFixture(t *testing.T, opts ...ServerOption) *convFixture {
	t.Helper()
	srv := NewServer(opts...)
	t.Cleanup(srv.Close)
	fast := ghl.WithRetryPolicy(ghl.RetryPolicy{MinWait: 5 * time.Millisecond, MaxWait: 20 * time.Millisecond, MaxRetryAfter: time.Second})
	pit, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()), fast)
	require.NoError(t, err)
	app, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.ProviderAppToken(srv.LocationID())), ghl.WithLocationID(srv.LocationID()), fast)
	require.NoError(t, err)
	c, _, err := pit.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Caller", Phone: "+14155550100"})
	require.NoError(t, err)
	return &convFixture{srv: srv, loc: srv.LocationID(), pit: pit, app: app, contact: c.ID}
}

func (f *convFixture) logCall(t *testing.T, dir ghl.Direction, status ghl.CallStatus, altID string) *ghl.AddMessageResult {
	t.Helper()
	res, _, err := f.app.Conversations.LogCall(context.Background(), &ghl.CallLogRequest{
		Direction: dir, ContactID: f.contact, ConversationProviderID: DefaultCallProviderID,
		Call: ghl.CallData{From: "+14155550100", To: "+14155550199", Status: status}, AltID: altID,
	})
	require.NoError(t, err)
	return res
}

func TestConversationsCallLogs(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	in := f.logCall(t, ghl.DirectionInbound, ghl.CallCompleted, "pbx-1")
	out := f.logCall(t, ghl.DirectionOutbound, ghl.CallVoicemail, "pbx-2")
	// One conversation per contact: both calls land in it.
	assert.Equal(t, in.ConversationID, out.ConversationID)
	conv, ok := f.srv.Conversation(f.loc, f.contact)
	require.True(t, ok)
	assert.Equal(t, in.ConversationID, conv["id"])
	assert.Equal(t, 1, conv["unreadCount"], "an inbound call is unread")

	msgs := f.srv.Messages(f.loc, f.contact)
	require.Len(t, msgs, 2)
	assert.Equal(t, Message{ID: in.MessageID, ConversationID: in.ConversationID, ContactID: f.contact, MessageType: "TYPE_CALL",
		Direction: "inbound", Status: "completed", CallStatus: "completed", From: "+14155550100", To: "+14155550199", AltID: "pbx-1",
		ConversationProviderID: DefaultCallProviderID, Source: "api", DateAdded: msgs[0].DateAdded}, msgs[0])
	assert.Equal(t, "outbound", msgs[1].Direction)
	assert.Equal(t, "completed", msgs[1].Status, "an outbound call that reached voicemail is completed")
	assert.Equal(t, "voicemail", msgs[1].CallStatus)

	// Read back in GHL's shapes: wrapped, meta.call, the nested messages page.
	m, _, err := f.app.Conversations.GetMessage(ctx, out.MessageID)
	require.NoError(t, err)
	assert.Equal(t, 1, m.Type)
	assert.Equal(t, "TYPE_CALL", m.MessageType)
	assert.Equal(t, ghl.CallVoicemail, m.CallStatus())
	assert.Equal(t, "pbx-2", m.AltID)
	var ids []string
	for m, err := range f.pit.Conversations.Messages(ctx, in.ConversationID, nil) {
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{out.MessageID, in.MessageID}, ids, "newest first")

	// The recording is attached afterwards; GHL's read endpoints leave call attachments out.
	_, err = f.app.Conversations.SetAttachments(ctx, in.MessageID, []string{"https://pbx.example/rec/1.wav"})
	require.NoError(t, err)
	assert.Equal(t, []string{"https://pbx.example/rec/1.wav"}, f.srv.Messages(f.loc, f.contact)[0].Attachments)
	m, _, err = f.app.Conversations.GetMessage(ctx, in.MessageID)
	require.NoError(t, err)
	assert.Empty(t, m.Attachments)

	c, _, err := f.pit.Conversations.Get(ctx, in.ConversationID)
	require.NoError(t, err)
	assert.Equal(t, ghl.ConversationPhone, c.Type)
	assert.Equal(t, f.contact, c.ContactID)
	res, _, err := f.pit.Conversations.Search(ctx, &ghl.ConversationSearchOptions{Query: "4155550100", LastMessageType: "TYPE_CALL"})
	require.NoError(t, err)
	require.Equal(t, 1, res.Total)
	assert.Equal(t, "Ada Caller", res.Conversations[0].FullName)
	assert.Equal(t, ghl.DirectionOutbound, res.Conversations[0].LastMessageDirection)
}

func TestConversationsProviderRules(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	req := &ghl.CallLogRequest{Direction: ghl.DirectionInbound, ContactID: f.contact, ConversationProviderID: DefaultCallProviderID}

	// A Private Integration Token is refused for a provider ID.
	_, _, err := f.pit.Conversations.LogCall(ctx, req)
	var pe *ghl.ConversationProviderError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ghl.ProviderRefused, pe.Problem)
	assert.ErrorIs(t, err, ghl.ErrForbidden)

	// An unknown provider ID: GHL's bare 500, not retried.
	bad := *req
	bad.ConversationProviderID = "no-such-provider"
	before := f.srv.Requests(http.MethodPost, "/conversations/messages/inbound")
	_, _, err = f.app.Conversations.LogCall(ctx, &bad)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ghl.ProviderInvalid, pe.Problem)
	assert.ErrorIs(t, err, ghl.ErrServer)
	assert.Equal(t, before+1, f.srv.Requests(http.MethodPost, "/conversations/messages/inbound"))

	// A provider of the wrong type.
	bad.ConversationProviderID = DefaultSMSProviderID
	_, _, err = f.app.Conversations.LogCall(ctx, &bad)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ghl.ProviderInvalid, pe.Problem)
	assert.ErrorIs(t, err, ghl.ErrValidation)

	// No provider ID: the SDK refuses before sending; sent anyway, GHL answers 201 with no body
	// and stores nothing.
	before = f.srv.Requests(http.MethodPost, "/conversations/messages/inbound")
	_, _, err = f.app.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelCall, ContactID: f.contact})
	assert.ErrorIs(t, err, ghl.ErrInvalidParam)
	assert.Equal(t, before, f.srv.Requests(http.MethodPost, "/conversations/messages/inbound"))
	raw := rawCall(t, f.srv, f.srv.ProviderAppToken(f.loc), http.MethodPost, "/conversations/messages/inbound",
		`{"type":"Call","contactId":"`+f.contact+`","direction":"inbound"}`)
	assert.Equal(t, http.StatusCreated, raw.status)
	assert.Empty(t, raw.raw)
	assert.Empty(t, f.srv.Messages(f.loc, f.contact))
}

func TestConversationsInboundSMSAndConversationState(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	// The location's default SMS provider needs no provider ID, and a PIT may add it.
	res, _, err := f.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "Running late"})
	require.NoError(t, err)
	msgs := f.srv.Messages(f.loc, f.contact)
	require.Len(t, msgs, 1)
	assert.Equal(t, "inbound", msgs[0].Direction, "the SDK says inbound; GHL would default to outbound")
	assert.Equal(t, "TYPE_SMS", msgs[0].MessageType)
	assert.Equal(t, "Running late", msgs[0].Body)

	c, _, err := f.pit.Conversations.Update(ctx, res.ConversationID, &ghl.ConversationUpdateRequest{UnreadCount: ghl.Ptr(0), Starred: ghl.Ptr(true)})
	require.NoError(t, err)
	assert.True(t, c.Starred)
	conv, _ := f.srv.Conversation(f.loc, f.contact)
	assert.Equal(t, 0, conv["unreadCount"])
	assert.Equal(t, true, conv["starred"])

	// One conversation per contact.
	_, _, err = f.pit.Conversations.Create(ctx, &ghl.ConversationCreateRequest{ContactID: f.contact})
	assert.ErrorIs(t, err, ghl.ErrValidation)
	other, _, err := f.pit.Contacts.Create(ctx, &ghl.ContactCreateRequest{Email: "second@example.com"})
	require.NoError(t, err)
	created, resp, err := f.pit.Conversations.Create(ctx, &ghl.ConversationCreateRequest{ContactID: other.ID})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, other.ID, created.ContactID)

	_, err = f.pit.Conversations.Delete(ctx, res.ConversationID)
	require.NoError(t, err)
	_, ok := f.srv.Conversation(f.loc, f.contact)
	assert.False(t, ok)
	assert.Empty(t, f.srv.Messages(f.loc, f.contact))
	_, _, err = f.pit.Conversations.Get(ctx, res.ConversationID)
	assert.ErrorIs(t, err, ghl.ErrValidation)
}

// A text sent through the location's SMS provider: its status update is refused for the
// provider window, and the SDK waits it out.
func TestConversationsSendAndStatusWindow(t *testing.T) {
	const window = 150 * time.Millisecond
	f := newConvFixture(t, WithProviderStatusDelay(window))
	ctx := context.Background()
	start := time.Now()
	sent, _, err := f.pit.Conversations.SendMessage(ctx, &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "See you at 3"})
	require.NoError(t, err)
	assert.Equal(t, ghl.MessagePending, sent.Status)
	m := f.srv.Messages(f.loc, f.contact)[0]
	assert.Equal(t, DefaultSMSProviderID, m.ConversationProviderID)
	assert.Equal(t, "+14155550100", m.To)

	path := "/conversations/messages/" + sent.MessageID + "/status"
	res, _, err := f.app.Conversations.UpdateMessageStatus(ctx, sent.MessageID, &ghl.MessageStatusRequest{Status: ghl.MessageDelivered})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), window)
	assert.Greater(t, f.srv.Requests(http.MethodPut, path), 1, "the first update came inside the window")
	assert.Equal(t, ghl.MessageDelivered, res.Status)
	assert.Equal(t, "delivered", f.srv.Messages(f.loc, f.contact)[0].Status)

	// After the window, a PIT is refused at once: only the provider's app may update.
	n := f.srv.Requests(http.MethodPut, path)
	_, _, err = f.pit.Conversations.UpdateMessageStatus(ctx, sent.MessageID, &ghl.MessageStatusRequest{Status: ghl.MessageRead})
	var pe *ghl.ConversationProviderError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ghl.ProviderRefused, pe.Problem)
	assert.Equal(t, n+1, f.srv.Requests(http.MethodPut, path))

	// A message no provider handles is refused for good: the wait runs out.
	in, _, err := f.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "hi"})
	require.NoError(t, err)
	_, _, err = f.app.Conversations.UpdateMessageStatus(ctx, in.MessageID, &ghl.MessageStatusRequest{Status: ghl.MessageRead, Wait: 40 * time.Millisecond})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ghl.ProviderNotReady, pe.Problem)
}

func TestConversationsScheduledMessage(t *testing.T) {
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	f := newConvFixture(t, WithClock(func() time.Time { return now }))
	ctx := context.Background()
	sent, _, err := f.pit.Conversations.SendMessage(ctx, &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "later",
		ScheduledTimestamp: now.Add(time.Hour).Unix()})
	require.NoError(t, err)
	assert.Equal(t, "scheduled", f.srv.Messages(f.loc, f.contact)[0].Status)
	_, err = f.pit.Conversations.CancelScheduled(ctx, sent.MessageID)
	require.NoError(t, err)
	assert.Equal(t, "cancelled", f.srv.Messages(f.loc, f.contact)[0].Status)
	// Cancelling again fails inside a 200.
	_, err = f.pit.Conversations.CancelScheduled(ctx, sent.MessageID)
	assert.ErrorIs(t, err, ghl.ErrNotSucceeded)
}

func TestConversationsAttachmentRules(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	call := f.logCall(t, ghl.DirectionInbound, ghl.CallCompleted, "pbx-9")
	sms, _, err := f.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "x"})
	require.NoError(t, err)
	_, err = f.app.Conversations.SetAttachments(ctx, sms.MessageID, []string{"https://a.example/1.wav"})
	assert.ErrorIs(t, err, ghl.ErrForbidden)
	_, err = f.app.Conversations.SetAttachments(ctx, missingID, nil)
	assert.ErrorIs(t, err, ghl.ErrNotFound)
	// Six URLs: the SDK refuses; sent anyway, GHL answers 422.
	raw := rawCall(t, f.srv, f.srv.Token(), http.MethodPut, "/conversations/messages/"+call.MessageID+"/attachments",
		`{"attachments":["https://a.example/1","https://a.example/2","https://a.example/3","https://a.example/4","https://a.example/5","https://a.example/6"]}`)
	assert.Equal(t, http.StatusUnprocessableEntity, raw.status, "%s", raw.raw)
	assert.Empty(t, f.srv.Messages(f.loc, f.contact)[0].Attachments)
}

func TestConversationsScopesAndVersion(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	limited, err := ghl.NewClient(ghl.WithBaseURL(f.srv.URL), ghl.WithLocationID(f.loc),
		ghl.WithAccessToken(f.srv.NewToken(f.loc, ScopeConversationsReadonly)))
	require.NoError(t, err)
	_, _, err = limited.Conversations.Search(ctx, nil)
	require.NoError(t, err)
	_, _, err = limited.Conversations.SendMessage(ctx, &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: f.contact, Message: "x"})
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, "The token is not authorized for this scope.", apiErr.Message)
	assert.Empty(t, f.srv.Messages(f.loc, f.contact))

	raw := rawCallVersion(t, f.srv, f.srv.ProviderAppToken(f.loc), "2021-07-28", http.MethodGet, "/conversations/search?locationId="+f.loc, "")
	assert.Equal(t, http.StatusBadRequest, raw.status, "%s", raw.raw)
}

func TestConversationsRoutesRejectOtherLocations(t *testing.T) {
	f := newConvFixture(t, WithLocation(DefaultLocationID, DefaultToken), WithLocation("loc-2", "pit-2"))
	other, err := ghl.NewClient(ghl.WithBaseURL(f.srv.URL), ghl.WithAccessToken("pit-2"), ghl.WithLocationID("loc-2"))
	require.NoError(t, err)
	call := f.logCall(t, ghl.DirectionInbound, ghl.CallCompleted, "pbx")
	_, _, err = other.Conversations.GetMessage(context.Background(), call.MessageID)
	assert.ErrorIs(t, err, ghl.ErrValidation, "another location's message is not found")
	_, _, err = other.Conversations.ExportMessagesPage(context.Background(), &ghl.MessageExportOptions{LocationID: f.loc})
	assert.ErrorIs(t, err, ghl.ErrForbidden)
	assert.False(t, errors.Is(err, ghl.ErrConversationProvider))
}

// What GHL does with an inbound message the SDK would never send: without a direction it is
// stored as outbound (the spec's default); without a contact or conversation it is refused;
// an unknown contact or conversation is 400.
func TestConversationsInboundDefaults(t *testing.T) {
	f := newConvFixture(t)
	res := rawCall(t, f.srv, f.srv.Token(), http.MethodPost, "/conversations/messages/inbound",
		`{"type":"SMS","contactId":"`+f.contact+`","message":"no direction"}`)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	msgs := f.srv.Messages(f.loc, f.contact)
	require.Len(t, msgs, 1)
	assert.Equal(t, "outbound", msgs[0].Direction)

	res = rawCall(t, f.srv, f.srv.Token(), http.MethodPost, "/conversations/messages/inbound", `{"type":"SMS","message":"nobody"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, res.status, "%s", res.raw)
	assert.Equal(t, []any{"conversationId or contactId should not be empty"}, res.body["message"])
	res = rawCall(t, f.srv, f.srv.Token(), http.MethodPost, "/conversations/messages/inbound", `{"type":"SMS","contactId":"`+missingID+`"}`)
	assert.JSONEq(t, `{"statusCode":400,"message":"Contact not found","error":"Bad Request"}`, res.raw)
	res = rawCall(t, f.srv, f.srv.Token(), http.MethodPost, "/conversations/messages/inbound", `{"type":"SMS","conversationId":"`+missingID+`"}`)
	assert.JSONEq(t, `{"statusCode":400,"message":"Conversation not found","error":"Bad Request"}`, res.raw)
	assert.Len(t, f.srv.Messages(f.loc, f.contact), 1)
}
