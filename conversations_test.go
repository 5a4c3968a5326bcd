package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectConv is expect for a Conversations request, whose Version is 2021-04-15.
func expectConv(t *testing.T, mux *http.ServeMux, w wire) *atomic.Int32 {
	t.Helper()
	w.version = versionConversations
	return expect(t, mux, w)
}

// A conversation as search returns it (spec example of ConversationSchema), with a field the
// SDK does not name.
const searchConversationJSON = `{"id":"ABCHkzuJQ8ZMd4Te84GK","contactId":"ABCHkzuJQ8ZMd4Te84GK","locationId":"ABCHkzuJQ8ZMd4Te84GK",
	"lastMessageBody":"This is a sample message body","lastMessageType":"TYPE_SMS","type":"TYPE_PHONE","unreadCount":1,
	"fullName":"John Doe","contactName":"John Doe Company","email":"johndoe@mailingdomain.com","phone":"+15550001234",
	"lastMessageDate":1628008053263,"scoring":[]}`

func TestConversationsSearch(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodGet, path: "/conversations/search",
		query: "assignedTo=ABCHkzuJQ8ZMd4Te84GK%2CfGiae4CHkzoskh8thsik&contactId=9VEmS0si86GW6gXWU89b&endDate=1672531199000" +
			"&lastMessageDirection=inbound&lastMessageType=TYPE_CALL&limit=20&locationId=loc-test-1&query=%2B15550001234" +
			"&scoreProfileMin=0&sort=desc&sortBy=last_message_date&startAfterDate=1600854&startDate=1640995200000&status=unread",
		resp: `{"conversations":[` + searchConversationJSON + `],"total":100,"traceId":"t-9"}`,
	})
	res, resp, err := client.Conversations.Search(context.Background(), &ConversationSearchOptions{
		ContactID: "9VEmS0si86GW6gXWU89b", AssignedTo: []string{"ABCHkzuJQ8ZMd4Te84GK", "fGiae4CHkzoskh8thsik"},
		Query: "+15550001234", Sort: SortDesc, StartAfterDate: 1600854, Limit: 20, LastMessageType: "TYPE_CALL",
		LastMessageDirection: DirectionInbound, Status: "unread", SortBy: "last_message_date", ScoreProfileMin: Ptr(0.0),
		StartDate: time.UnixMilli(1640995200000), EndDate: time.UnixMilli(1672531199000),
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 100, res.Total)
	require.Len(t, res.Conversations, 1)
	c := res.Conversations[0]
	assert.Equal(t, ConversationPhone, c.Type)
	assert.Equal(t, "TYPE_SMS", c.LastMessageType)
	assert.Equal(t, 1, c.UnreadCount)
	assert.Equal(t, "+15550001234", c.Phone)
	assert.Equal(t, time.UnixMilli(1628008053263).UTC(), c.LastMessageDate.Time)
	assert.JSONEq(t, `[]`, string(c.Extra["scoring"]))
	assert.JSONEq(t, `"t-9"`, string(res.Extra["traceId"]))

	// nil options: the client's location only.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodGet, path: "/conversations/search", query: "locationId=loc-test-1", resp: `{"conversations":[],"total":0}`})
	res, _, err = client2.Conversations.Search(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, res.Conversations)

	client3, mux3 := setup(t)
	refuseAll(t, mux3)
	for opts, param := range map[*ConversationSearchOptions]string{
		{Limit: 101}: "opts.Limit", {Limit: -1}: "opts.Limit", {Sort: "up"}: "opts.Sort", {StartAfterDate: -1}: "opts.StartAfterDate",
		{LocationID: ".."}: "opts.LocationID", {LastMessageDirection: "sideways"}: "opts.LastMessageDirection",
	} {
		_, _, err := client3.Conversations.Search(context.Background(), opts)
		assertInvalidParam(t, err, param)
	}
}

func TestConversationsCreate(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/", status: http.StatusCreated,
		body: `{"locationId":"loc-test-1","contactId":"tDtDnQdgm2LXpyiqYvZ6"}`,
		resp: `{"success":true,"conversation":{"id":"tDtDnQdgm2LXpyiqYvZ6","dateUpdated":"2023-10-01T12:00:00Z","dateAdded":"2023-10-01T12:00:00Z",
			"deleted":false,"contactId":"ve9EPM428kjkvShlRW1KT","locationId":"ve9EPM428kjkvShlRW1KT","lastMessageDate":"2023-10-01T12:00:00Z",
			"assignedTo":"ve9EPM428kjkvShlRW1KT"}}`,
	})
	c, resp, err := client.Conversations.Create(context.Background(), &ConversationCreateRequest{ContactID: "tDtDnQdgm2LXpyiqYvZ6"})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "tDtDnQdgm2LXpyiqYvZ6", c.ID)
	assert.Equal(t, "ve9EPM428kjkvShlRW1KT", c.AssignedTo)
	assert.Equal(t, "2023-10-01T12:00:00Z", c.DateAdded.Raw)
	assert.Nil(t, c.Extra)

	client2, mux2 := setup(t)
	refuseAll(t, mux2)
	for req, param := range map[*ConversationCreateRequest]string{nil: "req", {}: "req.ContactID", {ContactID: "c", LocationID: " "}: "req.LocationID"} {
		_, _, err := client2.Conversations.Create(context.Background(), req)
		assertInvalidParam(t, err, param)
	}
}

// GHL answers a second create for a contact with 400; the error says so.
func TestConversationsCreateExisting(t *testing.T) {
	client, mux := setup(t)
	expectConv(t, mux, wire{
		method: http.MethodPost, path: "/conversations/", status: http.StatusBadRequest,
		body: `{"locationId":"loc-test-1","contactId":"rTDJGD7SjqDamyzrk5UW"}`,
		resp: `{"statusCode":400,"message":"Conversation with the contact id:rTDJGD7SjqDamyzrk5UW already exists!"}`,
	})
	_, _, err := client.Conversations.Create(context.Background(), &ConversationCreateRequest{ContactID: "rTDJGD7SjqDamyzrk5UW"})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, "ghl: POST /conversations/: 400 Bad Request: Conversation with the contact id:rTDJGD7SjqDamyzrk5UW already exists!", err.Error())
}

// Get sends the conversation bare (spec GetConversationByIdResponse), with a numeric type.
const getConversationJSON = `{"contactId":"ve9EPM428kjkvShlRW1KT","locationId":"ve9EPM428kjkvShlRW1KT","deleted":false,"inbox":true,
	"type":1,"unreadCount":1,"assignedTo":"ve9EPM428kjkvShlRW1KT","id":"ve9EPM428kjkvShlRW1KT","starred":true,"followers":["u1"]}`

func TestConversationsGet(t *testing.T) {
	for name, body := range map[string]string{
		"bare":    getConversationJSON,
		"wrapped": `{"conversation":` + getConversationJSON + `,"traceId":"t1"}`,
	} {
		client, mux := setup(t)
		// An ID that needs escaping stays one path segment.
		calls := expectConv(t, mux, wire{method: http.MethodGet, path: "/conversations/a%2Fb%3Fc", resp: body})
		c, _, err := client.Conversations.Get(context.Background(), "a/b?c")
		require.NoError(t, err, name)
		assert.Equal(t, int32(1), calls.Load(), name)
		assert.Equal(t, &Conversation{
			ID: "ve9EPM428kjkvShlRW1KT", ContactID: "ve9EPM428kjkvShlRW1KT", LocationID: "ve9EPM428kjkvShlRW1KT",
			Type: ConversationPhone, Inbox: true, UnreadCount: 1, AssignedTo: "ve9EPM428kjkvShlRW1KT", Starred: true,
			Extra: Extra{"followers": json.RawMessage(`["u1"]`)},
		}, c, name)
	}

	// A 2xx without a conversation is an error, not a nil conversation.
	client, mux := setup(t)
	expectConv(t, mux, wire{method: http.MethodGet, path: "/conversations/c1", resp: `{"traceId":"t"}`})
	_, _, err := client.Conversations.Get(context.Background(), "c1")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, http.MethodGet, de.Method)
	assert.Equal(t, "/conversations/{conversationId}", de.Route)
	assert.Equal(t, http.StatusOK, de.StatusCode)

	for _, id := range []string{"", " ", ".", ".."} {
		_, _, err := client.Conversations.Get(context.Background(), id)
		assertInvalidParam(t, err, "conversationID")
	}
}

func TestConversationTypeDecodesNamesAndNumbers(t *testing.T) {
	for in, want := range map[string]ConversationType{
		`"TYPE_EMAIL"`: ConversationEmail, `1`: ConversationPhone, `2`: ConversationEmail, `3`: ConversationFBMessenger,
		`4`: ConversationReview, `5`: ConversationGroupSMS, `6`: "6", `null`: "", `"TYPE_NEW"`: "TYPE_NEW",
	} {
		var got ConversationType
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.Equal(t, want, got, in)
	}
	var got ConversationType
	assert.Error(t, json.Unmarshal([]byte(`{}`), &got))
}

func TestConversationsUpdate(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{
		method: http.MethodPut, path: "/conversations/tDtDnQdgm2LXpyiqYvZ6",
		body: `{"locationId":"loc-test-1","unreadCount":0,"starred":true,"feedback":{"rating":5}}`,
		resp: `{"success":true,"conversation":{"id":"tDtDnQdgm2LXpyiqYvZ6","locationId":"tDtDnQdgm2LXpyiqYvZ6","contactId":"tDtDnQdgm2LXpyiqYvZ6",
			"assignedTo":"tDtDnQdgm2LXpyiqYvZ6","userId":"tDtDnQdgm2LXpyiqYvZ6","lastMessageBody":"Hello, this is the message body",
			"lastMessageDate":"1628008053263","lastMessageType":"TYPE_CALL","unreadCount":0,"inbox":true,"starred":true,"deleted":false}}`,
	})
	c, _, err := client.Conversations.Update(context.Background(), "tDtDnQdgm2LXpyiqYvZ6", &ConversationUpdateRequest{
		UnreadCount: Ptr(0), Starred: Ptr(true), Feedback: json.RawMessage(`{"rating":5}`),
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "TYPE_CALL", c.LastMessageType)
	assert.Equal(t, time.UnixMilli(1628008053263).UTC(), c.LastMessageDate.Time)
	assert.True(t, c.Starred)

	// {"success": false} in a 2xx is an error.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodPut, path: "/conversations/c1", body: `{"locationId":"loc-test-1"}`, resp: `{"success":false}`})
	_, _, err = client2.Conversations.Update(context.Background(), "c1", &ConversationUpdateRequest{})
	assert.ErrorIs(t, err, ErrNotSucceeded)

	client3, mux3 := setup(t)
	refuseAll(t, mux3)
	for req, param := range map[*ConversationUpdateRequest]string{
		nil: "req", {UnreadCount: Ptr(-1)}: "req.UnreadCount", {Feedback: json.RawMessage(`{`)}: "req.Feedback", {LocationID: ".."}: "req.LocationID",
	} {
		_, _, err := client3.Conversations.Update(context.Background(), "c1", req)
		assertInvalidParam(t, err, param)
	}
}

func TestConversationsDelete(t *testing.T) {
	client, mux := setup(t)
	calls := expectConv(t, mux, wire{method: http.MethodDelete, path: "/conversations/tDtDnQdgm2LXpyiqYvZ6", resp: `{"success":true}`})
	resp, err := client.Conversations.Delete(context.Background(), "tDtDnQdgm2LXpyiqYvZ6")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodDelete, path: "/conversations/c1", resp: `{"success":false}`})
	_, err = client2.Conversations.Delete(context.Background(), "c1")
	var ne *NotSucceededError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, NotSucceededError{Method: http.MethodDelete, Route: "/conversations/{conversationId}", StatusCode: 200}, *ne)

	client3, mux3 := setup(t)
	expectConv(t, mux3, wire{method: http.MethodDelete, path: "/conversations/c1", status: http.StatusNotFound, resp: `{"statusCode":404,"message":"Conversation not found"}`})
	_, err = client3.Conversations.Delete(context.Background(), "c1")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.False(t, errors.Is(err, ErrConversationProvider))
}

// WithAPIVersion set to another value overrides the Conversations version too, so a move to
// "v3" is one option.
func TestConversationsVersionOverride(t *testing.T) {
	client, mux := setup(t, WithAPIVersion("v3"))
	mux.HandleFunc("/conversations/c1", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "v3", r.Header.Get("Version"))
		_, _ = io.WriteString(w, `{"success":true}`)
	})
	_, err := client.Conversations.Delete(context.Background(), "c1")
	require.NoError(t, err)
}
