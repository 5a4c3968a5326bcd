package ghltest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedMessages adds n messages to the contact's conversation, one a minute from base, and
// returns their IDs oldest first.
func seedMessages(t *testing.T, f *convFixture, contactID string, n int, base time.Time, m Message) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		m := m
		m.Body = fmt.Sprintf("message %d", i)
		m.DateAdded = base.Add(time.Duration(i) * time.Minute)
		id, err := f.srv.AddMessage(f.loc, contactID, m)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

func reversed(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}

// The lastMessageId cursor, page by page: a full page says there may be more, so 40
// messages in pages of 20 take three requests, the last one empty.
func TestConversationsMessagesCursor(t *testing.T) {
	for _, n := range []int{45, 40, 3} {
		f := newConvFixture(t)
		ids := seedMessages(t, f, f.contact, n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Message{})
		conv, _ := f.srv.Conversation(f.loc, f.contact)
		convID := conv["id"].(string)
		var got []string
		for m, err := range f.pit.Conversations.Messages(context.Background(), convID, &ghl.MessageListOptions{Limit: 20}) {
			require.NoError(t, err)
			got = append(got, m.ID)
		}
		assert.Equal(t, reversed(ids), got, "n=%d: every message once, newest first", n)
		assert.Equal(t, n/20+1, f.srv.Requests(http.MethodGet, "/conversations/"+convID+"/messages"), "n=%d", n)
	}

	// The type filter.
	f := newConvFixture(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seedMessages(t, f, f.contact, 5, base, Message{})
	calls := seedMessages(t, f, f.contact, 3, base.Add(time.Hour), Message{MessageType: "TYPE_CALL", CallStatus: "completed", CallDuration: ghl.Ptr(42)})
	conv, _ := f.srv.Conversation(f.loc, f.contact)
	var got []string
	for m, err := range f.pit.Conversations.Messages(context.Background(), conv["id"].(string), &ghl.MessageListOptions{Type: []string{"TYPE_CALL"}}) {
		require.NoError(t, err)
		d, ok := m.CallDuration()
		assert.True(t, ok)
		assert.Equal(t, 42*time.Second, d)
		got = append(got, m.ID)
	}
	assert.Equal(t, reversed(calls), got)
}

// The export cursor: every matching message once, in order, across contacts and pages.
func TestConversationsExportCursor(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	other, _, err := f.pit.Contacts.Create(ctx, &ghl.ContactCreateRequest{Phone: "+14155550111"})
	require.NoError(t, err)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	call := Message{MessageType: "TYPE_CALL", CallStatus: "completed", CallDuration: ghl.Ptr(60)}
	a := seedMessages(t, f, f.contact, 13, base, call)
	b := seedMessages(t, f, other.ID, 12, base.Add(30*time.Second), call)
	sms := seedMessages(t, f, f.contact, 4, base, Message{})
	seedMessages(t, f, f.contact, 2, base, Message{MessageType: "TYPE_EMAIL"})

	// Calls, oldest first, interleaved by date across the two contacts.
	var want []string
	for i := 0; i < 13; i++ {
		want = append(want, a[i])
		if i < 12 {
			want = append(want, b[i])
		}
	}
	var got []string
	for m, err := range f.pit.Conversations.ExportMessages(ctx, &ghl.MessageExportOptions{Channel: ghl.ChannelCall, Limit: 10, SortOrder: ghl.SortAsc}) {
		require.NoError(t, err)
		got = append(got, m.ID)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, f.srv.Requests(http.MethodGet, "/conversations/messages/export"))

	// Newest first by default; one contact; a date window; no channel means all but e-mail.
	page, _, err := f.pit.Conversations.ExportMessagesPage(ctx, &ghl.MessageExportOptions{ContactID: other.ID, Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, 12, page.Total)
	assert.Equal(t, reversed(b)[:10], ids(page.Messages))
	assert.NotEmpty(t, page.NextCursor)
	page, _, err = f.pit.Conversations.ExportMessagesPage(ctx, &ghl.MessageExportOptions{Channel: ghl.ChannelCall,
		StartDate: base.Add(10 * time.Minute), EndDate: base.Add(11*time.Minute + 30*time.Second), Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, []string{b[11], a[11], b[10], a[10]}, ids(page.Messages))
	assert.Empty(t, page.NextCursor)
	n := 0
	for _, err := range f.pit.Conversations.ExportMessages(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 13+12+len(sms), n)
}

func ids(msgs []*ghl.Message) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}
