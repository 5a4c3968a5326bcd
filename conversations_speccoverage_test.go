package ghl

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convLeftOut lists the operations of the Conversations spec (testdata/conversations.openapi.json,
// a copy of GHL's) that the SDK does not build, with the reason for each. Client.Do reaches
// any of them through the same pipeline.
var convLeftOut = map[string]string{
	"GET /conversations/preferences/custom-subtypes":                 "e-mail unsubscription subtypes: no phone use, and GHL drops /conversations/preferences/* from its v3 API",
	"POST /conversations/preferences/custom-subtypes":                "e-mail unsubscription subtypes: no phone use, and GHL drops /conversations/preferences/* from its v3 API",
	"PUT /conversations/preferences/custom-subtypes/{id}":            "e-mail unsubscription subtypes: no phone use, and GHL drops /conversations/preferences/* from its v3 API",
	"GET /conversations/preferences/unsubscriptions/status":          "e-mail unsubscription status: no phone use, and GHL drops /conversations/preferences/* from its v3 API",
	"POST /conversations/preferences/unsubscriptions/user-change":    "e-mail unsubscription changes: no phone use, and GHL drops /conversations/preferences/* from its v3 API",
	"GET /conversations/messages/email/{id}":                         "e-mail threads by e-mail message ID: not a phone concern (GetMessage reads the conversation message)",
	"DELETE /conversations/messages/email/{emailMessageId}/schedule": "scheduled e-mails: not a phone concern (CancelScheduled cancels scheduled texts)",
	"POST /conversations/messages/review-reply":                      "replies to Google Business reviews: not a phone concern",
	"POST /conversations/messages/upload/initiate":                   "signed-URL upload, for files over the multipart limit (WhatsApp media up to 100 MB): Upload streams call recordings through the multipart endpoint",
	"POST /conversations/messages/upload/complete":                   "signed-URL upload, for files over the multipart limit (WhatsApp media up to 100 MB): Upload streams call recordings through the multipart endpoint",
	"POST /conversations/providers/live-chat/typing":                 "the live-chat widget's typing indicator (Location-Access tokens only): not a phone concern",
}

// convBuilt calls each Conversations operation the SDK builds once.
func convBuilt(c *Client) map[string]func(ctx context.Context) error {
	cs := c.Conversations
	first := func(seq func(func(*Message, error) bool)) error {
		var err error
		seq(func(_ *Message, e error) bool { err = e; return false })
		return err
	}
	return map[string]func(ctx context.Context) error{
		"Search": func(ctx context.Context) error { _, _, err := cs.Search(ctx, nil); return err },
		"Create": func(ctx context.Context) error {
			_, _, err := cs.Create(ctx, &ConversationCreateRequest{ContactID: "c1"})
			return err
		},
		"Get": func(ctx context.Context) error { _, _, err := cs.Get(ctx, "conv1"); return err },
		"Update": func(ctx context.Context) error {
			_, _, err := cs.Update(ctx, "conv1", &ConversationUpdateRequest{Starred: Ptr(true)})
			return err
		},
		"Delete":   func(ctx context.Context) error { _, err := cs.Delete(ctx, "conv1"); return err },
		"Messages": func(ctx context.Context) error { return first(cs.Messages(ctx, "conv1", nil)) },
		"GetMessage": func(ctx context.Context) error {
			_, _, err := cs.GetMessage(ctx, "m1")
			return err
		},
		"ExportMessages": func(ctx context.Context) error { return first(cs.ExportMessages(ctx, nil)) },
		"LogCall inbound": func(ctx context.Context) error {
			_, _, err := cs.LogCall(ctx, &CallLogRequest{Direction: DirectionInbound, ContactID: "c1", ConversationProviderID: "p1"})
			return err
		},
		"LogCall outbound": func(ctx context.Context) error {
			_, _, err := cs.LogCall(ctx, &CallLogRequest{Direction: DirectionOutbound, ContactID: "c1", ConversationProviderID: "p1"})
			return err
		},
		"SendMessage": func(ctx context.Context) error {
			_, _, err := cs.SendMessage(ctx, &SendMessageRequest{Type: ChannelSMS, ContactID: "c1", Message: "hi"})
			return err
		},
		"UpdateMessageStatus": func(ctx context.Context) error {
			_, _, err := cs.UpdateMessageStatus(ctx, "m1", &MessageStatusRequest{Status: MessageDelivered})
			return err
		},
		"SetAttachments":  func(ctx context.Context) error { _, err := cs.SetAttachments(ctx, "m1", nil); return err },
		"CancelScheduled": func(ctx context.Context) error { _, err := cs.CancelScheduled(ctx, "m1"); return err },
		"Upload": func(ctx context.Context) error {
			_, _, err := cs.Upload(ctx, &UploadRequest{ConversationID: "conv1", ContactID: "c1", Files: []UploadFile{{Name: "a.wav", Content: strings.NewReader("RIFF")}}})
			return err
		},
		"Recording": func(ctx context.Context) error {
			m, _, err := cs.Recording(ctx, "m1")
			if err == nil {
				m.Close()
			}
			return err
		},
		"Transcription": func(ctx context.Context) error { _, _, err := cs.Transcription(ctx, "m1"); return err },
		"DownloadTranscription": func(ctx context.Context) error {
			m, _, err := cs.DownloadTranscription(ctx, "m1")
			if err == nil {
				m.Close()
			}
			return err
		},
	}
}

// Every operation of the Conversations spec is either built (and a call of the SDK sends it)
// or listed in convLeftOut with a reason; none is both.
func TestConversationsSpecCoverage(t *testing.T) {
	ops, err := loadSpecOperations("testdata/conversations.openapi.json")
	require.NoError(t, err)
	require.Len(t, ops, 29)

	var log requestLog
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		log.add(r.Method, r.URL.EscapedPath())
		switch {
		case strings.HasSuffix(r.URL.Path, "/recording"), strings.HasSuffix(r.URL.Path, "/download"):
			_, _ = io.WriteString(w, "bytes")
		case strings.HasSuffix(r.URL.Path, "/transcription"):
			_, _ = io.WriteString(w, `[]`)
		default:
			// One body that every JSON operation accepts.
			_, _ = io.WriteString(w, `{"success":true,"conversation":{"id":"conv1"},"id":"m1","messageId":"m1","conversations":[],"messages":[],"uploadedFiles":{}}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL), WithAccessToken(testToken), WithLocationID(testLocationID), WithMaxRetries(0))
	require.NoError(t, err)
	sent := func() int {
		log.mu.Lock()
		defer log.mu.Unlock()
		return len(log.sent)
	}
	ctx := context.Background()
	for name, call := range convBuilt(c) {
		before := sent()
		require.NoError(t, call(ctx), name)
		assert.Equal(t, before+1, sent(), "%s sends one request to a path no other call sends", name)
	}

	covered := map[string]bool{}
	for key := range log.sent {
		method, path, _ := strings.Cut(key, " ")
		best := -1
		for i, op := range ops {
			if op.method == method && op.re.MatchString(path) && (best < 0 || op.params < ops[best].params) {
				best = i
			}
		}
		require.GreaterOrEqual(t, best, 0, "%s is not an operation of the spec", key)
		covered[ops[best].method+" "+ops[best].template] = true
	}
	var missing, both []string
	for _, op := range ops {
		key := op.method + " " + op.template
		_, left := convLeftOut[key]
		switch {
		case covered[key] && left:
			both = append(both, key)
		case !covered[key] && !left:
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "operations neither built nor listed as left out")
	assert.Empty(t, both, "operations built and listed as left out")
	assert.Len(t, covered, 18)
	assert.Len(t, convLeftOut, 11)
	for key := range convLeftOut {
		found := false
		for _, op := range ops {
			found = found || op.method+" "+op.template == key
		}
		assert.True(t, found, "%s is not an operation of the spec", key)
	}
	t.Logf("conversations spec coverage: %d/%d operations built, %d left out with a reason", len(covered), len(ops), len(convLeftOut))
}
