package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A call message as GHL really sends it from GET /conversations/messages/{id}
// (highlevel-api-docs#258): wrapped, with meta.call.{duration,status}, status "completed"
// (outside the spec's enum), dateUpdated and a traceId.
const realCallMessageJSON = `{"message":{"id":"MfL6JLayiNdO84E2V3bc","direction":"outbound","status":"completed","type":1,
	"locationId":"7lApucujEM8HfQP1IhfS","contactId":"9HKMGUXQqklLCDpAj3z9","conversationId":"LTWfrzzbn51NpdQxoZJG",
	"dateAdded":"2026-02-16T19:52:33.288Z","dateUpdated":"2026-02-16T19:53:17.731Z","userId":"58PwVuNW0aMEyMuuecZY",
	"source":"app","meta":{"call":{"duration":37,"status":"completed"}},"messageType":"TYPE_CALL"},"traceId":"4b4a-trace"}`

// The spec's example of GetMessageResponseDto: bare, with meta.callDuration/callStatus.
const specMessageJSON = `{"id":"ve9EPM428h8vShlRW1KT","type":1,"messageType":"TYPE_CALL","locationId":"ve9EPM428h8vShlRW1KT",
	"contactId":"ve9EPM428h8vShlRW1KT","conversationId":"ve9EPM428h8vShlRW1KT","dateAdded":"2024-03-27T18:13:49.000Z",
	"body":"Hi there","direction":"inbound","status":"connected","contentType":"text/plain","attachments":["https://x.example/a.wav"],
	"meta":{"callDuration":"120","callStatus":"completed","email":{"messageIds":["ve9EPM428kjkvShlRW1KT"]}},"source":"workflow",
	"userId":"ve9EPM428kjkvShlRW1KT","conversationProviderId":"ve9EPM428kjkvShlRW1KT","chatWidgetId":"67b0cc8cf14b19d85ace7s35"}`

func TestConversationsGetMessage(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{method: http.MethodGet, path: "/conversations/messages/MfL6JLayiNdO84E2V3bc", resp: realCallMessageJSON})
	m, _, err := client.Conversations.GetMessage(context.Background(), "MfL6JLayiNdO84E2V3bc")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "MfL6JLayiNdO84E2V3bc", m.ID)
	assert.Equal(t, 1, m.Type)
	assert.Equal(t, "TYPE_CALL", m.MessageType)
	assert.Equal(t, DirectionOutbound, m.Direction)
	assert.Equal(t, MessageCompleted, m.Status)
	assert.Equal(t, CallCompleted, m.CallStatus())
	d, ok := m.CallDuration()
	assert.True(t, ok)
	assert.Equal(t, 37*time.Second, d)
	assert.Equal(t, "2026-02-16T19:53:17.731Z", m.DateUpdated.Raw)
	assert.Nil(t, m.Extra, "the wrapper's traceId is not a field of the message")

	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodGet, path: "/conversations/messages/ve9EPM428h8vShlRW1KT", resp: specMessageJSON})
	m, _, err = client2.Conversations.GetMessage(context.Background(), "ve9EPM428h8vShlRW1KT")
	require.NoError(t, err)
	assert.Equal(t, MessageConnected, m.Status)
	assert.Equal(t, CallCompleted, m.CallStatus())
	d, ok = m.CallDuration()
	assert.True(t, ok)
	assert.Equal(t, 2*time.Minute, d)
	assert.Equal(t, []string{"https://x.example/a.wav"}, m.Attachments)
	assert.JSONEq(t, `{"messageIds":["ve9EPM428kjkvShlRW1KT"]}`, string(m.Meta.Email))
	assert.Equal(t, "67b0cc8cf14b19d85ace7s35", m.ChatWidgetID)

	for _, body := range []string{`{"traceId":"t"}`, `{"message":null}`} {
		client3, mux3 := setup(t)
		expectConv(t, mux3, wire{method: http.MethodGet, path: "/conversations/messages/m1", resp: body})
		_, _, err = client3.Conversations.GetMessage(context.Background(), "m1")
		var de *DecodeError
		require.ErrorAs(t, err, &de, body)
		assert.Equal(t, "/conversations/messages/{id}", de.Route)
	}
	_, _, err = client.Conversations.GetMessage(context.Background(), "..")
	assertInvalidParam(t, err, "messageID")
}

// Decode tests for the shapes GHL really sends, beside the spec's.
func TestMessageDecodesGHLShapes(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		status   CallStatus
		duration time.Duration
		hasDur   bool
		msg      MessageStatus
	}{
		{"meta.call (live)", `{"id":"1","status":"completed","meta":{"call":{"duration":37,"status":"voicemail"}}}`, CallVoicemail, 37 * time.Second, true, MessageCompleted},
		{"meta.callDuration number (spec)", `{"id":"1","meta":{"callDuration":120,"callStatus":"no-answer"}}`, CallNoAnswer, 120 * time.Second, true, ""},
		{"meta.callDuration string (spec type)", `{"id":"1","meta":{"callDuration":"45","callStatus":"busy"}}`, CallBusy, 45 * time.Second, true, ""},
		{"meta.call wins over the flat fields", `{"id":"1","meta":{"call":{"duration":"7","status":"answered"},"callDuration":1,"callStatus":"failed"}}`, CallAnswered, 7 * time.Second, true, ""},
		{"meta.call without duration", `{"id":"1","meta":{"call":{"status":"pending"}}}`, CallPending, 0, false, ""},
		{"status outside every enum", `{"id":"1","status":"ringing-forever","meta":{"call":{"status":"transferred"}}}`, "transferred", 0, false, "ringing-forever"},
		{"no meta", `{"id":"1","status":"delivered"}`, "", 0, false, MessageDelivered},
		{"null duration", `{"id":"1","meta":{"call":{"duration":null}}}`, "", 0, false, ""},
	}
	for _, tc := range cases {
		var m Message
		require.NoError(t, json.Unmarshal([]byte(tc.json), &m), tc.name)
		assert.Equal(t, tc.status, m.CallStatus(), tc.name)
		d, ok := m.CallDuration()
		assert.Equal(t, tc.hasDur, ok, tc.name)
		assert.Equal(t, tc.duration, d, tc.name)
		assert.Equal(t, tc.msg, m.Status, tc.name)
	}
	var m Message
	assert.Error(t, json.Unmarshal([]byte(`{"meta":{"callDuration":"soon"}}`), &m))
	assert.Error(t, json.Unmarshal([]byte(`{"meta":{"call":{"duration":-3}}}`), &m))
}

// Unknown fields at every level survive a decode and re-encode.
func TestMessageRoundTripKeepsUnknownFields(t *testing.T) {
	in := `{"id":"m1","type":1,"status":"completed","subType":"EXTERNAL_CALL","from":"+15550001","meta":{"call":{"duration":37,"status":"completed","recordingSid":"RS1"},"brandNew":{"a":1}}}`
	var m Message
	require.NoError(t, json.Unmarshal([]byte(in), &m))
	assert.JSONEq(t, `"EXTERNAL_CALL"`, string(m.Extra["subType"]))
	assert.JSONEq(t, `"RS1"`, string(m.Meta.Call.Extra["recordingSid"]))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, in, string(out))
}

func convMessageJSON(id string) string {
	return fmt.Sprintf(`{"id":%q,"type":2,"messageType":"TYPE_SMS","locationId":"loc-test-1","contactId":"c1","conversationId":"conv1","dateAdded":"2024-03-27T18:13:49.000Z","body":"hi","direction":"inbound","status":"delivered","contentType":"text/plain"}`, id)
}

func TestConversationsMessagesPage(t *testing.T) {
	for name, body := range map[string]string{
		// What GHL sends (highlevel-api-docs#54), and the spec's flat shape.
		"nested": `{"messages":{"lastMessageId":"m2","nextPage":true,"messages":[` + convMessageJSON("m1") + `,` + convMessageJSON("m2") + `]},"traceId":"t7"}`,
		"flat":   `{"lastMessageId":"m2","nextPage":true,"messages":[` + convMessageJSON("m1") + `,` + convMessageJSON("m2") + `],"traceId":"t7"}`,
	} {
		client, mux := setup(t)
		calls := expectConv(t, mux, wire{
			method: http.MethodGet, path: "/conversations/tDtDnQdgm2LXpyiqYvZ6/messages",
			query: "lastMessageId=p1mRSHeLDhAms5q0LMr4&limit=2&type=TYPE_SMS%2CTYPE_CALL", resp: body,
		})
		page, _, err := client.Conversations.MessagesPage(context.Background(), "tDtDnQdgm2LXpyiqYvZ6", &MessageListOptions{
			LastMessageID: "p1mRSHeLDhAms5q0LMr4", Limit: 2, Type: []string{"TYPE_SMS", "TYPE_CALL"},
		})
		require.NoError(t, err, name)
		assert.Equal(t, int32(1), calls.Load(), name)
		assert.Equal(t, "m2", page.LastMessageID, name)
		assert.True(t, page.NextPage, name)
		require.Len(t, page.Messages, 2, name)
		assert.Equal(t, "m1", page.Messages[0].ID, name)
		assert.Equal(t, Extra{"traceId": json.RawMessage(`"t7"`)}, page.Extra, name)
		out, err := json.Marshal(page)
		require.NoError(t, err)
		var again MessagePage
		require.NoError(t, json.Unmarshal(out, &again))
		assert.Equal(t, page, &again, name)
	}
	client, mux := setup(t)
	refuseAll(t, mux)
	_, _, err := client.Conversations.MessagesPage(context.Background(), "c1", &MessageListOptions{Limit: -1})
	assertInvalidParam(t, err, "opts.Limit")
	_, _, err = client.Conversations.MessagesPage(context.Background(), "", nil)
	assertInvalidParam(t, err, "conversationID")
}

func TestConversationsMessagesFollowsCursor(t *testing.T) {
	client, mux := setup(t)
	var seen []string
	mux.HandleFunc("/conversations/conv%2F1/messages", func(w http.ResponseWriter, r *http.Request) {
		assertHeaders(t, r, versionConversations, "", "")
		seen = append(seen, r.URL.RawQuery)
		switch r.URL.Query().Get("lastMessageId") {
		case "":
			_, _ = io.WriteString(w, `{"messages":{"lastMessageId":"m2","nextPage":true,"messages":[`+convMessageJSON("m1")+`,`+convMessageJSON("m2")+`]}}`)
		case "m2":
			_, _ = io.WriteString(w, `{"messages":{"lastMessageId":"m3","nextPage":false,"messages":[`+convMessageJSON("m3")+`]}}`)
		default:
			t.Errorf("unexpected cursor %q", r.URL.RawQuery)
		}
	})
	var ids []string
	for m, err := range client.Conversations.Messages(context.Background(), "conv/1", &MessageListOptions{Limit: 2, Type: []string{"TYPE_CALL"}}) {
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"m1", "m2", "m3"}, ids)
	assert.Equal(t, []string{"limit=2&type=TYPE_CALL", "lastMessageId=m2&limit=2&type=TYPE_CALL"}, seen)

	// A server that repeats its cursor ends iteration with a *PaginationError.
	client2, mux2 := setup(t)
	mux2.HandleFunc("/conversations/c1/messages", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"messages":{"lastMessageId":"m2","nextPage":true,"messages":[`+convMessageJSON("m2")+`]}}`)
	})
	var n int
	var last error
	for _, err := range client2.Conversations.Messages(context.Background(), "c1", nil) {
		n++
		last = err
	}
	assert.Equal(t, 2, n)
	var pe *PaginationError
	require.ErrorAs(t, last, &pe)
	assert.Equal(t, "/conversations/{conversationId}/messages", pe.Route)

	for _, err := range client2.Conversations.Messages(context.Background(), " ", nil) {
		assertInvalidParam(t, err, "conversationID")
	}
}

func TestConversationsExportMessages(t *testing.T) {
	client, mux := setup(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	calls := expectConv(t, mux, wire{
		method: http.MethodGet, path: "/conversations/messages/export",
		query: "channel=Call&contactId=c1&conversationId=conv1&cursor=eyJwaXRJZCI6ImFiYy0xMjMifQ%3D%3D&endDate=2026-02-01T00%3A00%3A00Z" +
			"&limit=500&locationId=loc-test-1&sortBy=updatedAt&sortOrder=asc&startDate=2026-01-02T02%3A04%3A05Z",
		resp: `{"messages":[` + convMessageJSON("m9") + `],"nextCursor":"eyJwaXRJZCI6ImFiYy0xMjMiLCJsYXN0U29ydCI6WzE2NDY4NjQ0MDBdLCJsYXN0SWQiOiIxMjMifQ==","total":1234}`,
	})
	page, _, err := client.Conversations.ExportMessagesPage(context.Background(), &MessageExportOptions{
		Limit: 500, Cursor: "eyJwaXRJZCI6ImFiYy0xMjMifQ==", SortBy: "updatedAt", SortOrder: SortAsc, ConversationID: "conv1",
		ContactID: "c1", Channel: ChannelCall, StartDate: start, EndDate: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, 1234, page.Total)
	assert.Equal(t, "eyJwaXRJZCI6ImFiYy0xMjMiLCJsYXN0U29ydCI6WzE2NDY4NjQ0MDBdLCJsYXN0SWQiOiIxMjMifQ==", page.NextCursor)
	require.Len(t, page.Messages, 1)

	client2, mux2 := setup(t)
	refuseAll(t, mux2)
	for opts, param := range map[*MessageExportOptions]string{
		{Limit: 9}: "opts.Limit", {Limit: 501}: "opts.Limit", {SortBy: "dateAdded"}: "opts.SortBy", {SortOrder: "up"}: "opts.SortOrder",
		{Channel: ChannelIG}: "opts.Channel", {LocationID: "."}: "opts.LocationID",
		{StartDate: start, EndDate: start.Add(-time.Second)}: "opts.EndDate",
	} {
		_, _, err := client2.Conversations.ExportMessagesPage(context.Background(), opts)
		assertInvalidParam(t, err, param)
		for _, err := range client2.Conversations.ExportMessages(context.Background(), opts) {
			assertInvalidParam(t, err, param)
		}
	}
}

func TestConversationsExportMessagesFollowsCursor(t *testing.T) {
	client, mux := setup(t)
	var seen []string
	mux.HandleFunc("/conversations/messages/export", func(w http.ResponseWriter, r *http.Request) {
		assertHeaders(t, r, versionConversations, "", "")
		seen = append(seen, r.URL.RawQuery)
		switch r.URL.Query().Get("cursor") {
		case "":
			_, _ = io.WriteString(w, `{"messages":[`+convMessageJSON("a")+`,`+convMessageJSON("b")+`],"nextCursor":"c+2","total":3}`)
		case "c+2":
			// The last page: nextCursor null.
			_, _ = io.WriteString(w, `{"messages":[`+convMessageJSON("c")+`],"nextCursor":null,"total":3}`)
		}
	})
	var ids []string
	for m, err := range client.Conversations.ExportMessages(context.Background(), &MessageExportOptions{Channel: ChannelSMS, Limit: 10}) {
		require.NoError(t, err)
		ids = append(ids, m.ID)
	}
	assert.Equal(t, []string{"a", "b", "c"}, ids)
	assert.Equal(t, []string{"channel=SMS&limit=10&locationId=loc-test-1", "channel=SMS&cursor=c%2B2&limit=10&locationId=loc-test-1"}, seen)
}
