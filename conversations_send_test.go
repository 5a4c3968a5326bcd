package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ProcessMessageResponseDto as the spec's examples fill it.
const addMessageResultJSON = `{"success":true,"conversationId":"ABC12h2F6uBrIkfXYazb","messageId":"t22c6DQcTDf3MjRhwf77","message":"Message added successfully","contactId":"ve9EPM428h8vShlRW1KT","dateAdded":"2026-05-01T10:00:00.000Z","traceId":"tr-1"}`

func TestConversationsLogCallInbound(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/messages/inbound",
		// GHL defaults the direction to outbound, so an inbound call says so.
		body: `{"type":"Call","contactId":"ve9EPM428h8vShlRW1KT","conversationProviderId":"61d6d1f9cdac7612faf80753","direction":"inbound",
			"call":{"from":"+15037081210","to":"+15037081211","status":"completed"},"altId":"pbx-call-42","date":"2026-05-01T09:58:00Z",
			"attachments":["https://pbx.example/rec/42.wav"],"newField":1}`,
		resp: addMessageResultJSON,
	})
	res, resp, err := client.Conversations.LogCall(context.Background(), &CallLogRequest{
		Direction: DirectionInbound, ContactID: "ve9EPM428h8vShlRW1KT", ConversationProviderID: "61d6d1f9cdac7612faf80753",
		Call:  CallData{From: "+15037081210", To: "+15037081211", Status: CallCompleted},
		AltID: "pbx-call-42", Date: time.Date(2026, 5, 1, 11, 58, 0, 0, time.FixedZone("", 2*3600)),
		Attachments: []string{"https://pbx.example/rec/42.wav"}, Extra: Extra{"newField": json.RawMessage(`1`)},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, &AddMessageResult{
		Success: true, ConversationID: "ABC12h2F6uBrIkfXYazb", MessageID: "t22c6DQcTDf3MjRhwf77", Message: "Message added successfully",
		ContactID: "ve9EPM428h8vShlRW1KT", DateAdded: &Time{Time: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), Raw: "2026-05-01T10:00:00.000Z"},
		Extra: Extra{"traceId": json.RawMessage(`"tr-1"`)},
	}, res)
}

func TestConversationsLogCallOutbound(t *testing.T) {
	client, mux := setup(t)
	// The outbound endpoint takes no direction; a call by conversation ID, no date (now).
	expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/messages/outbound", status: http.StatusCreated,
		body: `{"type":"Call","conversationId":"ve9EPM428h8vShlRW1KT","conversationProviderId":"61d6d1f9cdac7612faf80753",
			"call":{"from":"+15037081211","to":"+15037081210","status":"voicemail"},"altId":"pbx-43"}`,
		resp: addMessageResultJSON,
	})
	res, resp, err := client.Conversations.LogCall(context.Background(), &CallLogRequest{
		Direction: DirectionOutbound, ConversationID: "ve9EPM428h8vShlRW1KT", ConversationProviderID: "61d6d1f9cdac7612faf80753",
		Call: CallData{From: "+15037081211", To: "+15037081210", Status: CallVoicemail}, AltID: "pbx-43",
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "t22c6DQcTDf3MjRhwf77", res.MessageID)

	// Only a contact ID: the contactId flow GHL documents for outbound calls too.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{
		method: http.MethodPost, path: "/conversations/messages/outbound",
		body: `{"type":"Call","contactId":"c1","conversationProviderId":"p1","call":{}}`, resp: addMessageResultJSON,
	})
	_, _, err = client2.Conversations.LogCall(context.Background(), &CallLogRequest{Direction: DirectionOutbound, ContactID: "c1", ConversationProviderID: "p1"})
	require.NoError(t, err)
}

func TestConversationsLogCallRejectsBadRequests(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ok := CallLogRequest{Direction: DirectionInbound, ContactID: "c1", ConversationProviderID: "p1"}
	with := func(f func(*CallLogRequest)) *CallLogRequest { r := ok; f(&r); return &r }
	for req, param := range map[*CallLogRequest]string{
		nil: "req",
		with(func(r *CallLogRequest) { r.Direction = "" }):                                  "req.Direction",
		with(func(r *CallLogRequest) { r.Direction = "Inbound" }):                           "req.Direction",
		with(func(r *CallLogRequest) { r.ContactID = "" }):                                  "req.ContactID",
		with(func(r *CallLogRequest) { r.ContactID = ".." }):                                "req.ContactID",
		with(func(r *CallLogRequest) { r.ConversationID = " " }):                            "req.ConversationID",
		with(func(r *CallLogRequest) { r.Call.Status = "ringing" }):                         "req.Call.Status",
		with(func(r *CallLogRequest) { r.Attachments = []string{"ftp://x.example/a.wav"} }): "req.Attachments[0]",
	} {
		_, _, err := client.Conversations.LogCall(context.Background(), req)
		assertInvalidParam(t, err, param)
	}

	// No provider ID: a typed error before the call.
	_, _, err := client.Conversations.LogCall(context.Background(), with(func(r *CallLogRequest) { r.ConversationProviderID = " " }))
	var pe *ConversationProviderError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ConversationProviderError{Problem: ProviderMissing, Method: http.MethodPost, Route: "/conversations/messages/inbound"}, *pe)
	assert.ErrorIs(t, err, ErrConversationProvider)
	assert.ErrorIs(t, err, ErrInvalidParam)
	assert.False(t, errors.Is(err, ErrMessageNotStored))
	assert.Equal(t, "ghl: POST /conversations/messages/inbound: conversationProviderId is required for this message type (a Call provider for call logs)", err.Error())
}

// GHL's answers to provider trouble become *ConversationProviderError, with GHL's error
// inside.
func TestConversationsProviderErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		resp    string
		problem ProviderProblem
		msg     string
		is      []error
	}{
		{"a Private Integration Token (highlevel-api-docs#106/#107)", http.StatusForbidden,
			`{"statusCode":403,"message":"You don't have access to the conversationProvider with id: p1","error":"Forbidden"}`, ProviderRefused,
			`ghl: POST /conversations/messages/outbound: GHL refused conversation provider "p1" for this token: use an OAuth location token of the marketplace app that owns the provider (a Private Integration Token is always refused) (GHL: You don't have access to the conversationProvider with id: p1)`,
			[]error{ErrForbidden}},
		{"an unknown ID, answered 400", http.StatusBadRequest,
			`{"message":"Invalid conversationProviderId","error":"Bad Request","statusCode":400}`, ProviderInvalid,
			`ghl: POST /conversations/messages/outbound: GHL does not know conversation provider "p1" (it answers 400 for an unknown provider ID) (GHL: Invalid conversationProviderId)`,
			[]error{ErrValidation}},
		{"an unknown ID, answered with a bare 500 (highlevel-api-docs#6)", http.StatusInternalServerError,
			`{"statusCode":500,"message":"Internal server error"}`, ProviderInvalid,
			`ghl: POST /conversations/messages/outbound: GHL does not know conversation provider "p1" (it answers 500 for an unknown provider ID) (GHL: Internal server error)`,
			[]error{ErrServer}},
		{"a silent 201 without a body (highlevel-api-docs#70)", http.StatusCreated, ``, ProviderNotStored,
			`ghl: POST /conversations/messages/outbound: GHL answered 201 without a message ID and stored nothing; the message type needs a conversationProviderId`,
			[]error{ErrMessageNotStored}},
		{"a 200 without a message ID", http.StatusOK, `{"success":true}`, ProviderNotStored,
			`ghl: POST /conversations/messages/outbound: GHL answered 200 without a message ID and stored nothing; the message type needs a conversationProviderId`,
			[]error{ErrMessageNotStored}},
	}
	for _, tc := range cases {
		client, mux := setup(t)
		calls := expectConv(t, mux, wire{
			method: http.MethodPost, path: "/conversations/messages/outbound", status: tc.status, resp: tc.resp,
			body: `{"type":"Call","contactId":"c1","conversationProviderId":"p1","call":{"status":"completed"}}`,
		})
		res, resp, err := client.Conversations.LogCall(context.Background(), &CallLogRequest{
			Direction: DirectionOutbound, ContactID: "c1", ConversationProviderID: "p1", Call: CallData{Status: CallCompleted},
		})
		assert.Nil(t, res, tc.name)
		require.NotNil(t, resp, tc.name)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Equal(t, int32(1), calls.Load(), "%s: a POST is never resent", tc.name)
		var pe *ConversationProviderError
		require.ErrorAs(t, err, &pe, tc.name)
		assert.Equal(t, tc.problem, pe.Problem, tc.name)
		assert.Equal(t, "p1", pe.ProviderID, tc.name)
		assert.Equal(t, tc.status, pe.StatusCode, tc.name)
		assert.ErrorIs(t, err, ErrConversationProvider, tc.name)
		assert.False(t, errors.Is(err, ErrInvalidParam), tc.name)
		for _, target := range tc.is {
			assert.ErrorIs(t, err, target, tc.name)
		}
		if tc.status >= 400 {
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, tc.name)
			assert.Equal(t, tc.status, apiErr.StatusCode, tc.name)
		}
		assert.Equal(t, tc.msg, err.Error(), tc.name)
	}

	// A 500 to a request without a provider ID, and other errors, stay plain *APIErrors.
	client, mux := setup(t)
	expectConv(t, mux, wire{method: http.MethodPost, path: "/conversations/messages/inbound", status: http.StatusInternalServerError,
		body: `{"type":"SMS","contactId":"c1","direction":"inbound","message":"hi"}`, resp: `{"statusCode":500,"message":"Internal server error"}`})
	_, _, err := client.Conversations.AddInboundMessage(context.Background(), &InboundMessageRequest{Type: ChannelSMS, ContactID: "c1", Message: "hi"})
	assert.ErrorIs(t, err, ErrServer)
	assert.False(t, errors.Is(err, ErrConversationProvider))
}

func TestConversationsAddInboundMessage(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/messages/inbound",
		body: `{"type":"SMS","conversationId":"ve9EPM428h8vShlRW1KT","direction":"inbound","message":"Running late, call me",
			"attachments":["https://pbx.example/mms/1.png"],"altId":"sms-77","date":"2026-05-01T09:00:00Z"}`,
		resp: addMessageResultJSON,
	})
	res, _, err := client.Conversations.AddInboundMessage(context.Background(), &InboundMessageRequest{
		Type: ChannelSMS, ConversationID: "ve9EPM428h8vShlRW1KT", Message: "Running late, call me",
		Attachments: []string{"https://pbx.example/mms/1.png"}, AltID: "sms-77", Date: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "t22c6DQcTDf3MjRhwf77", res.MessageID)

	// An e-mail through a custom provider, with the e-mail fields.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{
		method: http.MethodPost, path: "/conversations/messages/inbound",
		body: `{"type":"Custom","contactId":"c1","conversationProviderId":"p9","direction":"inbound","html":"<p>x</p>","subject":"s",
			"emailFrom":"a@example.com","emailTo":"b@example.com","emailCc":["john1@doe.com"],"emailBcc":["john2@doe.com"],"emailMessageId":"e1"}`,
		resp: addMessageResultJSON,
	})
	_, _, err = client2.Conversations.AddInboundMessage(context.Background(), &InboundMessageRequest{
		Type: ChannelCustom, ContactID: "c1", ConversationProviderID: "p9", HTML: "<p>x</p>", Subject: "s", EmailFrom: "a@example.com",
		EmailTo: "b@example.com", EmailCc: []string{"john1@doe.com"}, EmailBcc: []string{"john2@doe.com"}, EmailMessageID: "e1",
	})
	require.NoError(t, err)

	client3, mux3 := setup(t)
	refuseAll(t, mux3)
	for req, param := range map[*InboundMessageRequest]string{
		nil: "req", {ContactID: "c1"}: "req.Type", {Type: "Fax", ContactID: "c1"}: "req.Type", {Type: ChannelSMS}: "req.ContactID",
		{Type: ChannelSMS, ContactID: "c1", Call: &CallData{Status: "x"}}:       "req.Call.Status",
		{Type: ChannelSMS, ContactID: "c1", Attachments: []string{"/relative"}}: "req.Attachments[0]",
	} {
		_, _, err := client3.Conversations.AddInboundMessage(context.Background(), req)
		assertInvalidParam(t, err, param)
	}
	// Call and Custom messages need a provider ID (GHL would answer 201 and store nothing).
	for _, typ := range []Channel{ChannelCall, ChannelCustom} {
		_, _, err := client3.Conversations.AddInboundMessage(context.Background(), &InboundMessageRequest{Type: typ, ContactID: "c1"})
		var pe *ConversationProviderError
		require.ErrorAs(t, err, &pe, typ)
		assert.Equal(t, ProviderMissing, pe.Problem)
	}
}

func TestConversationsSendMessage(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/messages",
		body: `{"type":"SMS","contactId":"abc123def456","message":"Hello, how can I help you today?","attachments":["https://storage.com/file2.jpg"],
			"fromNumber":"+1499499299","toNumber":"+1439499299","scheduledTimestamp":1669287863,"subType":"SMS"}`,
		resp: `{"conversationId":"ABC12h2F6uBrIkfXYazb","messageId":"t22c6DQcTDf3MjRhwf77","msg":"Message queued successfully.","status":"pending"}`,
	})
	res, _, err := client.Conversations.SendMessage(context.Background(), &SendMessageRequest{
		Type: ChannelSMS, ContactID: "abc123def456", Message: "Hello, how can I help you today?",
		Attachments: []string{"https://storage.com/file2.jpg"}, FromNumber: "+1499499299", ToNumber: "+1439499299",
		ScheduledTimestamp: 1669287863, Extra: Extra{"subType": json.RawMessage(`"SMS"`)},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, &SendMessageResult{ConversationID: "ABC12h2F6uBrIkfXYazb", MessageID: "t22c6DQcTDf3MjRhwf77", Msg: "Message queued successfully.", Status: MessagePending}, res)

	// A 2xx without a message ID is an error.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodPost, path: "/conversations/messages", body: `{"type":"SMS","contactId":"c1"}`, resp: `{}`})
	_, _, err = client2.Conversations.SendMessage(context.Background(), &SendMessageRequest{Type: ChannelSMS, ContactID: "c1"})
	var de *DecodeError
	require.ErrorAs(t, err, &de)

	client3, mux3 := setup(t)
	refuseAll(t, mux3)
	for req, param := range map[*SendMessageRequest]string{
		nil: "req", {ContactID: "c1"}: "req.Type", {Type: ChannelCall, ContactID: "c1"}: "req.Type", {Type: ChannelSMS}: "req.ContactID",
		{Type: ChannelSMS, ContactID: "c1", ScheduledTimestamp: -1}:    "req.ScheduledTimestamp",
		{Type: ChannelSMS, ContactID: "c1", Attachments: []string{""}}: "req.Attachments[0]",
	} {
		_, _, err := client3.Conversations.SendMessage(context.Background(), req)
		assertInvalidParam(t, err, param)
	}
	_, _, err = client3.Conversations.SendMessage(context.Background(), &SendMessageRequest{Type: ChannelCustom, ContactID: "c1"})
	assert.ErrorIs(t, err, ErrConversationProvider)
}

// convStatusServer answers the status endpoint with 403 "No conversation provider found for this
// message" for the first `refusals` requests, then 200.
func convStatusServer(t *testing.T, mux *http.ServeMux, refusals int32, otherwise string) *atomic.Int32 {
	var calls atomic.Int32
	mux.HandleFunc("/conversations/messages/m%2F1/status", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		testMethod(t, r, http.MethodPut)
		assertHeaders(t, r, versionConversations, "", "application/json")
		got, _ := io.ReadAll(r.Body)
		assert.JSONEq(t, `{"status":"delivered"}`, string(got))
		if n <= refusals {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, otherwise)
			return
		}
		_, _ = io.WriteString(w, `{"conversationId":"conv1","messageId":"m/1","status":"delivered"}`)
	})
	return &calls
}

const convNotDownstreamed = `{"statusCode":403,"message":"No conversation provider found for this message","error":"Forbidden"}`

// convFastRetries makes waits short: the retry policy's, and the limiter's window (a 429
// pauses the location for a window, 10 s by default).
func convFastRetries(more ...Option) []Option {
	l, err := NewLimiter(WithDefaultLimit(100, 20*time.Millisecond))
	if err != nil {
		panic(err)
	}
	return append([]Option{WithRetryPolicy(RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, MaxRetryAfter: time.Second}),
		WithRateLimiter(l)}, more...)
}

func TestConversationsUpdateMessageStatus(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPut, path: "/conversations/messages/ve9EPM428h8vShlRW1KT/status",
		body: `{"status":"failed","error":{"code":"1","type":"saas","message":"There was an error from the provider"},"emailMessageId":"e1","recipients":["a@b.co"]}`,
		resp: `{"conversationId":"ABC12h2F6uBrIkfXYazb","messageId":"ve9EPM428h8vShlRW1KT","status":"failed"}`,
	})
	res, _, err := client.Conversations.UpdateMessageStatus(context.Background(), "ve9EPM428h8vShlRW1KT", &MessageStatusRequest{
		Status: MessageFailed, Error: &MessageError{Code: "1", Type: "saas", Message: "There was an error from the provider"},
		EmailMessageID: "e1", Recipients: []string{"a@b.co"},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, MessageFailed, res.Status)

	client2, mux2 := setup(t)
	refuseAll(t, mux2)
	for req, param := range map[*MessageStatusRequest]string{
		nil: "req", {}: "req.Status", {Status: MessageSent}: "req.Status", {Status: MessageFailed, Error: &MessageError{Code: "1"}}: "req.Error",
	} {
		_, _, err := client2.Conversations.UpdateMessageStatus(context.Background(), "m1", req)
		assertInvalidParam(t, err, param)
	}
	_, _, err = client2.Conversations.UpdateMessageStatus(context.Background(), "", &MessageStatusRequest{Status: MessageRead})
	assertInvalidParam(t, err, "messageID")
}

// Right after a send GHL refuses the status update with 403 until the message reaches the
// provider (highlevel-api-docs#4): that answer is retried until it succeeds.
func TestConversationsUpdateMessageStatusWaitsForProvider(t *testing.T) {
	client, mux := setup(t, convFastRetries()...)
	calls := convStatusServer(t, mux, 3, convNotDownstreamed)
	res, resp, err := client.Conversations.UpdateMessageStatus(context.Background(), "m/1", &MessageStatusRequest{Status: MessageDelivered, Wait: 5 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, int32(4), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "m/1", res.MessageID)
}

// Every other 403 is final: one request.
func TestConversationsUpdateMessageStatusOther403IsFinal(t *testing.T) {
	client, mux := setup(t, convFastRetries()...)
	calls := convStatusServer(t, mux, 100, `{"statusCode":403,"message":"The token does not have access to this location.","error":"Forbidden"}`)
	_, _, err := client.Conversations.UpdateMessageStatus(context.Background(), "m/1", &MessageStatusRequest{Status: MessageDelivered})
	assert.Equal(t, int32(1), calls.Load())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.False(t, errors.Is(err, ErrConversationProvider))
}

// The retries end with the window, and with a negative Wait there are none.
func TestConversationsUpdateMessageStatusWindowRunsOut(t *testing.T) {
	client, mux := setup(t, convFastRetries()...)
	calls := convStatusServer(t, mux, 1<<30, convNotDownstreamed)
	start := time.Now()
	_, resp, err := client.Conversations.UpdateMessageStatus(context.Background(), "m/1", &MessageStatusRequest{Status: MessageDelivered, Wait: 30 * time.Millisecond})
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	assert.Greater(t, calls.Load(), int32(1))
	require.NotNil(t, resp)
	var pe *ConversationProviderError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, ProviderNotReady, pe.Problem)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, "ghl: PUT /conversations/messages/{messageId}/status: GHL had not handed the message to its conversation provider before the wait ran out; update the status again later (GHL: No conversation provider found for this message)", err.Error())

	calls.Store(0)
	_, _, err = client.Conversations.UpdateMessageStatus(context.Background(), "m/1", &MessageStatusRequest{Status: MessageDelivered, Wait: -1})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, int32(1), calls.Load())
}

// The caller's context bounds the retries.
func TestConversationsUpdateMessageStatusBoundedByContext(t *testing.T) {
	client, mux := setup(t, WithRetryPolicy(RetryPolicy{MinWait: 20 * time.Millisecond, MaxWait: 20 * time.Millisecond, MaxRetryAfter: time.Second}))
	calls := convStatusServer(t, mux, 1<<30, convNotDownstreamed)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := client.Conversations.UpdateMessageStatus(ctx, "m/1", &MessageStatusRequest{Status: MessageDelivered, Wait: time.Hour})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, strings.HasPrefix(err.Error(), "ghl: PUT /conversations/messages/{messageId}/status: "), err.Error())
	assert.GreaterOrEqual(t, calls.Load(), int32(1))
}

func TestConversationsSetAttachments(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPut, path: "/conversations/messages/ve9EPM428h8vShlRW1KT/attachments",
		body: `{"attachments":["https://provider.com/recordings/call-123.mp3"]}`,
	})
	resp, err := client.Conversations.SetAttachments(context.Background(), "ve9EPM428h8vShlRW1KT", []string{"https://provider.com/recordings/call-123.mp3"})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// No URLs clears the attachments.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodPut, path: "/conversations/messages/m1/attachments", body: `{"attachments":[]}`, resp: `{"success":true}`})
	_, err = client2.Conversations.SetAttachments(context.Background(), "m1", nil)
	require.NoError(t, err)

	// GHL's 403 for a message that is not a call log.
	client3, mux3 := setup(t)
	expectConv(t, mux3, wire{method: http.MethodPut, path: "/conversations/messages/m1/attachments", body: `{"attachments":[]}`,
		status: http.StatusForbidden, resp: `{"statusCode":403,"message":"Message type does not support attachment updates"}`})
	_, err = client3.Conversations.SetAttachments(context.Background(), "m1", []string{})
	assert.ErrorIs(t, err, ErrForbidden)

	// More than 5 URLs are refused before sending.
	client4, mux4 := setup(t)
	refuseAll(t, mux4)
	six := []string{"https://a.example/1", "https://a.example/2", "https://a.example/3", "https://a.example/4", "https://a.example/5", "https://a.example/6"}
	_, err = client4.Conversations.SetAttachments(context.Background(), "m1", six)
	assertInvalidParam(t, err, "urls")
	assert.Equal(t, "ghl: invalid urls: 6 URLs; GHL accepts at most 5", err.Error())
	_, err = client4.Conversations.SetAttachments(context.Background(), "m1", []string{"https://a.example/1", "not a url"})
	assertInvalidParam(t, err, "urls[1]")
	_, err = client4.Conversations.SetAttachments(context.Background(), ".", nil)
	assertInvalidParam(t, err, "messageID")
}

func TestConversationsCancelScheduled(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{method: http.MethodDelete, path: "/conversations/messages/ve9EPM428h8vShlRW1KT/schedule", resp: `{"status":200,"message":"Message cancelled"}`})
	_, err := client.Conversations.CancelScheduled(context.Background(), "ve9EPM428h8vShlRW1KT")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())

	// The spec's example: a 404 carried in the body.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodDelete, path: "/conversations/messages/m1/schedule", resp: `{"status":404,"message":"Failed cancel the scheduled message"}`})
	_, err = client2.Conversations.CancelScheduled(context.Background(), "m1")
	var ne *NotSucceededError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, 404, ne.StatusCode)
}
