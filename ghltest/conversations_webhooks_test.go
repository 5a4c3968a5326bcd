package ghltest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convHooks is a conversations fixture whose app webhooks and SMS provider deliveries each
// reach a recording receiver.
type convHooks struct {
	*convFixture
	hooks, provider *hookReceiver
}

func newConvHooks(t *testing.T, opts ...ServerOption) *convHooks {
	t.Helper()
	provider := newHookReceiver(t, ok200)
	f := newConvFixture(t, append([]ServerOption{WithProviderDeliveryURL(DefaultSMSProviderID, provider.URL+"/deliver")}, opts...)...)
	hooks := newHookReceiver(t, ok200)
	f.srv.RegisterWebhook(hooks.URL)
	return &convHooks{convFixture: f, hooks: hooks, provider: provider}
}

// events returns the app deliveries received so far, decoded, after checking each signature
// and envelope: the envelope members are removed, so tests compare the event's own members.
func (h *convHooks) events(t *testing.T) []map[string]any {
	t.Helper()
	flush(t, h.srv)
	var out []map[string]any
	for _, d := range h.hooks.received() {
		requireSigned(t, h.srv, d.header, d.body)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(d.body, &ev))
		assert.Equal(t, h.srv.hooks.appID, ev["appId"])
		assert.Equal(t, DefaultVersionID, ev["versionId"])
		assert.NotEmpty(t, ev["webhookId"])
		_, err := time.Parse(time.RFC3339, ev["timestamp"].(string))
		assert.NoError(t, err)
		for _, k := range []string{"appId", "versionId", "webhookId", "timestamp"} {
			delete(ev, k)
		}
		out = append(out, ev)
	}
	return out
}

// Every message stored is delivered as InboundMessage or OutboundMessage, in GHL's shape, once
// it is stored; a conversation whose unread count or star changes, as ConversationUnreadUpdate.
func TestConversationWebhooksFollowMessages(t *testing.T) {
	at := time.Date(2026, 5, 4, 15, 30, 0, 0, time.UTC)
	h := newConvHooks(t)
	ctx := context.Background()
	loc, contact := h.loc, h.contact

	in, _, err := h.app.Conversations.LogCall(ctx, &ghl.CallLogRequest{Direction: ghl.DirectionInbound, ContactID: contact,
		ConversationProviderID: DefaultCallProviderID, Call: ghl.CallData{From: "+14155550100", To: "+14155550199", Status: ghl.CallVoicemail},
		AltID: "pbx-1", Date: at, Attachments: []string{"https://pbx.example/vm/1.wav"}})
	require.NoError(t, err)
	out, _, err := h.app.Conversations.LogCall(ctx, &ghl.CallLogRequest{Direction: ghl.DirectionOutbound, ContactID: contact,
		ConversationProviderID: DefaultCallProviderID, Call: ghl.CallData{From: "+14155550199", To: "+14155550100", Status: ghl.CallCompleted},
		AltID: "pbx-2", Date: at.Add(time.Minute)})
	require.NoError(t, err)
	sms, _, err := h.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: contact,
		Message: "Running late", Attachments: []string{"https://mms.example/1.jpg"}, Date: at.Add(2 * time.Minute)})
	require.NoError(t, err)
	conv := in.ConversationID
	_, _, err = h.pit.Conversations.Update(ctx, conv, &ghl.ConversationUpdateRequest{UnreadCount: ghl.Ptr(0), Starred: ghl.Ptr(true)})
	require.NoError(t, err)
	// Nothing changes: no event.
	_, _, err = h.pit.Conversations.Update(ctx, conv, &ghl.ConversationUpdateRequest{UnreadCount: ghl.Ptr(0), Starred: ghl.Ptr(true)})
	require.NoError(t, err)
	seeded, err := h.srv.AddMessage(loc, contact, Message{MessageType: "TYPE_CALL", Direction: "outbound", CallStatus: "completed",
		CallDuration: ghl.Ptr(120), From: "+14155550199", To: "+14155550100", DateAdded: at.Add(3 * time.Minute)})
	require.NoError(t, err)

	assert.Equal(t, []map[string]any{
		{"type": "InboundMessage", "locationId": loc, "messageId": in.MessageID, "conversationId": conv, "contactId": contact,
			"messageType": "CALL", "messageTypeId": 1.0, "messageTypeString": "TYPE_CALL", "direction": "inbound",
			"status": "voicemail", "callStatus": "voicemail", "from": "+14155550100", "to": "+14155550199",
			"conversationProviderId": DefaultCallProviderID, "dateAdded": "2026-05-04T15:30:00.000Z",
			"attachments": []any{"https://pbx.example/vm/1.wav"}},
		{"type": "OutboundMessage", "locationId": loc, "messageId": out.MessageID, "conversationId": conv, "contactId": contact,
			"messageType": "CALL", "messageTypeId": 1.0, "messageTypeString": "TYPE_CALL", "direction": "outbound",
			"status": "completed", "callStatus": "completed", "from": "+14155550199", "to": "+14155550100",
			"conversationProviderId": DefaultCallProviderID, "dateAdded": "2026-05-04T15:31:00.000Z", "attachments": []any{},
			"userId": DefaultUserID, "source": "api"},
		{"type": "InboundMessage", "locationId": loc, "messageId": sms.MessageID, "conversationId": conv, "contactId": contact,
			"messageType": "SMS", "messageTypeId": 2.0, "messageTypeString": "TYPE_SMS", "direction": "inbound",
			"status": "delivered", "body": "Running late", "contentType": "text/plain", "dateAdded": "2026-05-04T15:32:00.000Z",
			"attachments": []any{"https://mms.example/1.jpg"}},
		{"type": "ConversationUnreadUpdate", "locationId": loc, "id": conv, "contactId": contact, "unreadCount": 0.0,
			"inbox": true, "starred": true, "deleted": false},
		{"type": "OutboundMessage", "locationId": loc, "messageId": seeded, "conversationId": conv, "contactId": contact,
			"messageType": "CALL", "messageTypeId": 1.0, "messageTypeString": "TYPE_CALL", "direction": "outbound",
			"status": "completed", "callStatus": "completed", "callDuration": 120.0, "from": "+14155550199", "to": "+14155550100",
			"dateAdded": "2026-05-04T15:33:00.000Z", "attachments": []any{}, "userId": DefaultUserID, "source": "app"},
	}, h.events(t), "inbound messages raise no ConversationUnreadUpdate of their own (stricter)")
	assert.Empty(t, h.provider.received(), "calls and inbound texts are not delivered to a provider")
}

// A text sent through the location's SMS provider is stored as a custom provider's SMS,
// delivered as OutboundMessage, and posted unsigned to the provider's Delivery URL at once,
// while GHL still refuses its status update.
func TestConversationWebhooksProviderDelivery(t *testing.T) {
	h := newConvHooks(t)
	ctx := context.Background()
	start := time.Now()
	sent, _, err := h.pit.Conversations.SendMessage(ctx, &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: h.contact,
		Message: "See you at 3 <b>&</b>", Attachments: []string{"https://cdn.example/map.png"}})
	require.NoError(t, err)
	fromGHL, err := h.srv.SendTextFromGHL(h.loc, h.contact, "Your appointment is confirmed")
	require.NoError(t, err)
	flush(t, h.srv)
	assert.Less(t, time.Since(start), DefaultProviderStatusDelay, "delivered before GHL's status window ends")

	msgs := h.srv.Messages(h.loc, h.contact)
	require.Len(t, msgs, 2)
	for i, id := range []string{sent.MessageID, fromGHL} {
		assert.Equal(t, id, msgs[i].ID)
		assert.Equal(t, "TYPE_CUSTOM_PROVIDER_SMS", msgs[i].MessageType)
		assert.Equal(t, "pending", msgs[i].Status)
		assert.Equal(t, DefaultSMSProviderID, msgs[i].ConversationProviderID)
	}
	assert.Equal(t, "app", msgs[1].Source)

	got := h.provider.received()
	require.Len(t, got, 2)
	assert.Equal(t, `{"contactId":"`+h.contact+`","locationId":"`+h.loc+`","messageId":"`+sent.MessageID+
		`","type":"SMS","phone":"+14155550100","message":"See you at 3 <b>&</b>","attachments":["https://cdn.example/map.png"],"userId":"`+
		DefaultUserID+`"}`, string(got[0].body))
	assert.Equal(t, `{"contactId":"`+h.contact+`","locationId":"`+h.loc+`","messageId":"`+fromGHL+
		`","type":"SMS","phone":"+14155550100","message":"Your appointment is confirmed","attachments":[],"userId":"`+
		DefaultUserID+`"}`, string(got[1].body))
	for _, d := range got {
		assert.Empty(t, d.header.Values("X-GHL-Signature"), "GHL signs no provider delivery (#224)")
		assert.Empty(t, d.header.Values("X-WH-Signature"))
		assert.Equal(t, "application/json", d.header.Get("Content-Type"))
	}
	var provider []WebhookDelivery
	for _, d := range h.srv.Deliveries() {
		if d.Type == EventProviderOutboundMessage {
			provider = append(provider, d)
		}
	}
	require.Len(t, provider, 2)
	assert.Equal(t, WebhookDelivery{Type: EventProviderOutboundMessage, LocationID: h.loc, URL: h.provider.URL + "/deliver",
		Body: got[0].body, Header: http.Header{"Content-Type": {"application/json"}}, Attempts: 1, StatusCode: 200,
		Delivered: true, MessageID: sent.MessageID}, provider[0])

	events := h.events(t)
	require.Len(t, events, 2)
	for i, want := range []struct{ id, body, source string }{{sent.MessageID, "See you at 3 <b>&</b>", "api"}, {fromGHL, "Your appointment is confirmed", "app"}} {
		ev := events[i]
		assert.Equal(t, "OutboundMessage", ev["type"])
		assert.Equal(t, want.id, ev["messageId"])
		assert.Equal(t, "Custom", ev["messageType"], "as #224 shows for a text through a provider")
		assert.Equal(t, 22.0, ev["messageTypeId"])
		assert.Equal(t, "TYPE_CUSTOM_PROVIDER_SMS", ev["messageTypeString"])
		assert.Equal(t, "pending", ev["status"])
		assert.Equal(t, want.body, ev["body"])
		assert.Equal(t, want.source, ev["source"])
		assert.Equal(t, DefaultUserID, ev["userId"])
		assert.Equal(t, DefaultSMSProviderID, ev["conversationProviderId"])
	}

	// The status update is still refused: the delivery came first.
	raw := rawCall(t, h.srv, h.srv.ProviderAppToken(h.loc), http.MethodPut, "/conversations/messages/"+fromGHL+"/status", `{"status":"delivered"}`)
	assert.Equal(t, http.StatusForbidden, raw.status)

	// A repeated delivery carries the same bytes.
	require.NoError(t, h.srv.RedeliverProviderMessage(fromGHL))
	flush(t, h.srv)
	got = h.provider.received()
	require.Len(t, got, 3)
	assert.Equal(t, got[1].body, got[2].body)
	assert.Error(t, h.srv.RedeliverProviderMessage(h.contact), "a message no provider got")
}

// The provider's Delivery URL is retried like a webhook, only on 429, with the same bytes.
func TestConversationWebhooksProviderRetries(t *testing.T) {
	answers := []int{429, 429, 200}
	provider := newHookReceiver(t, func(n int) int { return answers[min(n, len(answers))-1] })
	f := newConvFixture(t)
	f.srv.SetWebhookRetries(DefaultWebhookRetries, time.Millisecond)
	require.NoError(t, f.srv.SetProviderDeliveryURL(DefaultSMSProviderID, provider.URL))
	assert.Error(t, f.srv.SetProviderDeliveryURL("no-such-provider", provider.URL))
	id, err := f.srv.SendTextFromGHL(f.loc, f.contact, "hi")
	require.NoError(t, err)
	flush(t, f.srv)
	got := provider.received()
	require.Len(t, got, 3)
	assert.Equal(t, got[0].body, got[2].body)
	d := f.srv.Deliveries()
	require.Len(t, d, 1, "no app webhook URL: only the provider delivery")
	assert.Equal(t, 3, d[0].Attempts)
	assert.Equal(t, id, d[0].MessageID)
	assert.True(t, d[0].Delivered)
}

// Nothing is delivered for a request GHL refuses or stores nothing for, nor for a scheduled
// text, attachments set or a status update, nor without the scope of the event.
func TestConversationWebhooksOnlyForStoredMessages(t *testing.T) {
	h := newConvHooks(t, WithProviderStatusDelay(0))
	ctx := context.Background()
	appToken := h.srv.ProviderAppToken(h.loc)
	for _, tc := range []struct {
		token, path, body string
		status            int
	}{
		// #70: no provider ID on a call, a 201 with nothing stored.
		{appToken, "/conversations/messages/inbound", `{"type":"Call","contactId":"` + h.contact + `","direction":"inbound"}`, 201},
		// A PIT for a provider.
		{h.srv.Token(), "/conversations/messages/outbound", `{"type":"Call","contactId":"` + h.contact + `","conversationProviderId":"` + DefaultCallProviderID + `"}`, 403},
		// An unknown contact; a duration GHL does not take.
		{h.srv.Token(), "/conversations/messages/inbound", `{"type":"SMS","contactId":"` + missingID + `","direction":"inbound"}`, 400},
		{appToken, "/conversations/messages/outbound", `{"type":"Call","contactId":"` + h.contact + `","conversationProviderId":"` + DefaultCallProviderID + `","call":{"status":"completed","duration":65}}`, 422},
		{h.srv.Token(), "/conversations/messages", `{"type":"SMS","contactId":"` + h.contact + `","message":"later","scheduledTimestamp":4102444800}`, 200},
	} {
		res := rawCall(t, h.srv, tc.token, http.MethodPost, tc.path, tc.body)
		require.Equal(t, tc.status, res.status, "%s: %s", tc.body, res.raw)
		if tc.status == 422 {
			assert.Equal(t, []any{"call.property duration should not exist"}, res.body["message"])
		}
	}
	_, _, err := h.pit.Conversations.Update(ctx, missingID, &ghl.ConversationUpdateRequest{Starred: ghl.Ptr(true)})
	require.Error(t, err)
	assert.Empty(t, h.events(t))
	assert.Empty(t, h.provider.received())
	require.Len(t, h.srv.Messages(h.loc, h.contact), 1, "only the scheduled text")

	// A call and a text: one event each; the recording attached afterwards and the text's
	// status update raise none.
	call := h.logCall(t, ghl.DirectionInbound, ghl.CallCompleted, "pbx-9")
	_, err = h.app.Conversations.SetAttachments(ctx, call.MessageID, []string{"https://pbx.example/rec/9.wav"})
	require.NoError(t, err)
	sent, _, err := h.pit.Conversations.SendMessage(ctx, &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: h.contact, Message: "now"})
	require.NoError(t, err)
	_, _, err = h.app.Conversations.UpdateMessageStatus(ctx, sent.MessageID, &ghl.MessageStatusRequest{Status: ghl.MessageDelivered})
	require.NoError(t, err)
	var types []any
	for _, ev := range h.events(t) {
		types = append(types, ev["type"])
	}
	assert.Equal(t, []any{"InboundMessage", "OutboundMessage"}, types)
	assert.Len(t, h.provider.received(), 1)

	// An app without conversations/message.readonly gets no message events, without
	// conversations.readonly no unread events, without conversations/message.write no
	// provider deliveries; its contact events still come.
	scoped := newConvHooks(t, WithOAuthScopes("contacts.readonly", ScopeConversationsWrite, ScopeConversationMessagesReadonly))
	_, err = scoped.srv.SendTextFromGHL(scoped.loc, scoped.contact, "no provider delivery")
	require.NoError(t, err)
	res, _, err := scoped.pit.Conversations.AddInboundMessage(ctx, &ghl.InboundMessageRequest{Type: ghl.ChannelSMS, ContactID: scoped.contact, Message: "x"})
	require.NoError(t, err)
	_, _, err = scoped.pit.Conversations.Update(ctx, res.ConversationID, &ghl.ConversationUpdateRequest{Starred: ghl.Ptr(true)})
	require.NoError(t, err)
	types = nil
	for _, ev := range scoped.events(t) {
		types = append(types, ev["type"])
	}
	assert.Equal(t, []any{"OutboundMessage", "InboundMessage"}, types)
	assert.Empty(t, scoped.provider.received())

	bare := newConvHooks(t, WithOAuthScopes("contacts.readonly", ScopeConversationsReadonly, ScopeConversationMessagesWrite))
	_, err = bare.srv.SendTextFromGHL(bare.loc, bare.contact, "delivered to the provider")
	require.NoError(t, err)
	_, _, err = bare.pit.Contacts.Update(ctx, bare.contact, &ghl.ContactUpdateRequest{City: ghl.Ptr("Oslo")})
	require.NoError(t, err)
	types = nil
	for _, ev := range bare.events(t) {
		types = append(types, ev["type"])
	}
	assert.Equal(t, []any{"ContactUpdate"}, types)
	assert.Len(t, bare.provider.received(), 1)
}

// The admin API sets a provider's Delivery URL, sends a text as a GHL user and hands out the
// provider app's token, for providers written in any language.
func TestConversationsAdminAPI(t *testing.T) {
	provider := newHookReceiver(t, ok200)
	srv := New(t)
	loc := srv.LocationID()
	contact := createContactAPI(t, srv, map[string]any{"email": "txt@example.com", "phone": "(415) 555-0100"})

	status, body := admin(t, srv, http.MethodPut, "/providers/"+DefaultSMSProviderID+"/delivery-url", `{"url":"`+provider.URL+`"}`)
	require.Equal(t, http.StatusOK, status, "%v", body)
	status, _ = admin(t, srv, http.MethodPut, "/providers/no-such-provider/delivery-url", `{"url":"`+provider.URL+`"}`)
	assert.Equal(t, http.StatusNotFound, status)

	status, body = admin(t, srv, http.MethodPost, "/locations/"+loc+"/texts", `{"contactId":"`+contact+`","body":"Hello from GHL"}`)
	require.Equal(t, http.StatusCreated, status, "%v", body)
	id := body["messageId"].(string)
	flush(t, srv)
	got := provider.received()
	require.Len(t, got, 1)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(got[0].body, &ev))
	assert.Equal(t, id, ev["messageId"])
	assert.Equal(t, "Hello from GHL", ev["message"])
	status, _ = admin(t, srv, http.MethodPost, "/locations/"+loc+"/texts", `{"contactId":"`+missingID+`","body":"x"}`)
	assert.Equal(t, http.StatusBadRequest, status)

	status, body = admin(t, srv, http.MethodPost, "/locations/"+loc+"/provider-token", "")
	require.Equal(t, http.StatusCreated, status)
	res := rawCall(t, srv, body["accessToken"].(string), http.MethodPut, "/conversations/messages/"+id+"/status", `{"status":"delivered"}`)
	assert.Equal(t, http.StatusForbidden, res.status, "inside GHL's window: %s", res.raw)
	assert.Equal(t, "No conversation provider found for this message", res.body["message"])
}

// Without an SMS provider GHL's own phone service sends texts: a plain SMS, in the events as
// "SMS", posted to no provider.
func TestConversationWebhooksWithoutAnSMSProvider(t *testing.T) {
	h := newConvHooks(t, WithSMSProvider(""))
	sent, _, err := h.pit.Conversations.SendMessage(context.Background(), &ghl.SendMessageRequest{Type: ghl.ChannelSMS, ContactID: h.contact, Message: "hi"})
	require.NoError(t, err)
	fromGHL, err := h.srv.SendTextFromGHL(h.loc, h.contact, "hello")
	require.NoError(t, err)
	msgs := h.srv.Messages(h.loc, h.contact)
	require.Len(t, msgs, 2)
	assert.Equal(t, []string{"TYPE_SMS", "TYPE_SMS"}, []string{msgs[0].MessageType, msgs[1].MessageType})
	assert.Equal(t, []string{"pending", "delivered"}, []string{msgs[0].Status, msgs[1].Status})
	events := h.events(t)
	require.Len(t, events, 2)
	for i, id := range []string{sent.MessageID, fromGHL} {
		assert.Equal(t, id, events[i]["messageId"])
		assert.Equal(t, "SMS", events[i]["messageType"])
		assert.Equal(t, 2.0, events[i]["messageTypeId"])
		assert.NotContains(t, events[i], "conversationProviderId")
	}
	assert.Empty(t, h.provider.received())
}
