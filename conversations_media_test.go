package ghl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// uploadPart is one part of a multipart form as the server received it.
type receivedPart struct {
	field, filename, contentType, content string
}

// readUpload parses a multipart upload on the server side.
func readUpload(t *testing.T, r *http.Request) []receivedPart {
	t.Helper()
	// It runs in the server's goroutine: assert, never require.
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	assert.NoError(t, err)
	assert.Equal(t, "multipart/form-data", mt)
	mr := multipart.NewReader(r.Body, params["boundary"])
	parts := []receivedPart{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if !assert.NoError(t, err) {
			return append(parts, receivedPart{})
		}
		b, err := io.ReadAll(p)
		assert.NoError(t, err)
		parts = append(parts, receivedPart{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
}

const uploadResultJSON = `{"uploadedFiles":{"call-42.wav":"https://storage.example/loc/call-42.wav","notes.txt":"https://storage.example/loc/notes.txt"},"traceId":"t"}`

func TestConversationsUpload(t *testing.T) {
	client, mux := setup(t)
	wav := "RIFF....WAVEfmt fake audio"
	var calls atomic.Int32
	mux.HandleFunc("/conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		testMethod(t, r, http.MethodPost)
		assertHeaders(t, r, versionConversations, "", "multipart/form-data")
		assert.Empty(t, r.URL.RawQuery)
		// Every size is known, so the form goes with its exact length, not chunked.
		assert.Equal(t, strconv.FormatInt(r.ContentLength, 10), r.Header.Get("Content-Length"))
		assert.Greater(t, r.ContentLength, int64(len(wav)))
		assert.Empty(t, r.TransferEncoding)
		assert.Equal(t, []receivedPart{
			{"conversationId", "", "", "ve9EPM428h8vShlRW1KT"},
			{"contactId", "", "", "c1"},
			{"locationId", "", "", "loc-test-1"},
			{"attachmentUrls", "", "", "https://pbx.example/rec/41.wav"},
			{"fileAttachment", "call-42.wav", "audio/x-wav", wav},
			{"fileAttachment", "notes.txt", "text/markdown", "# notes"},
		}, readUpload(t, r))
		_, _ = io.WriteString(w, uploadResultJSON)
	})
	res, _, err := client.Conversations.Upload(context.Background(), &UploadRequest{
		ConversationID: "ve9EPM428h8vShlRW1KT", ContactID: "c1", AttachmentURLs: []string{"https://pbx.example/rec/41.wav"},
		Files: []UploadFile{
			{Name: "call-42.wav", Content: strings.NewReader(wav)},
			{Name: "notes.txt", ContentType: "text/markdown", Content: bytes.NewReader([]byte("# notes"))},
		},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, map[string]string{"call-42.wav": "https://storage.example/loc/call-42.wav", "notes.txt": "https://storage.example/loc/notes.txt"}, res.UploadedFiles)
}

// A reader of unknown size goes chunked; a file name that needs quoting survives.
func TestConversationsUploadStreamsUnknownSize(t *testing.T) {
	client, mux := setup(t)
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 64; i++ {
			_, _ = pw.Write(bytes.Repeat([]byte{byte(i)}, 1024))
		}
		pw.Close()
	}()
	mux.HandleFunc("/conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, int64(-1), r.ContentLength)
		assert.Equal(t, []string{"chunked"}, r.TransferEncoding)
		parts := readUpload(t, r)
		if !assert.Len(t, parts, 4) {
			return
		}
		assert.Equal(t, `say "hi".mp3`, parts[3].filename)
		assert.Equal(t, "audio/mpeg", parts[3].contentType)
		assert.Len(t, parts[3].content, 64*1024)
		_, _ = io.WriteString(w, `{"uploadedFiles":{}}`)
	})
	_, _, err := client.Conversations.Upload(context.Background(), &UploadRequest{
		ConversationID: "conv1", ContactID: "c1", Files: []UploadFile{{Name: `say "hi".mp3`, Content: pr}},
	})
	require.NoError(t, err)
}

// After a 429 the upload is sent again: a seekable file from its start, anything else not at
// all.
func TestConversationsUploadResend(t *testing.T) {
	client, mux := setup(t, convFastRetries(WithMaxRetries(1))...)
	var bodies []string
	mux.HandleFunc("/conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		parts := readUpload(t, r)
		bodies = append(bodies, parts[len(parts)-1].content)
		if len(bodies) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"statusCode":429,"message":"Too many requests"}`)
			return
		}
		_, _ = io.WriteString(w, `{"uploadedFiles":{"a.wav":"https://s.example/a.wav"}}`)
	})
	req := &UploadRequest{ConversationID: "conv1", ContactID: "c1", Files: []UploadFile{{Name: "a.wav", Content: bytes.NewReader([]byte("0123456789"))}}}
	res, _, err := client.Conversations.Upload(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, []string{"0123456789", "0123456789"}, bodies)
	assert.Equal(t, "https://s.example/a.wav", res.UploadedFiles["a.wav"])

	bodies = nil
	req.Files[0].Content = io.MultiReader(strings.NewReader("once"))
	_, _, err = client.Conversations.Upload(context.Background(), req)
	require.ErrorIs(t, err, ErrUploadNotRewindable)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"once"}, bodies)
}

// tokenPair refuses its first token once (a 401), as a revoked token would be.
type tokenPair struct {
	mu  sync.Mutex
	cur string
}

func (s *tokenPair) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &oauth2.Token{AccessToken: s.cur}, nil
}

func (s *tokenPair) InvalidateToken(context.Context, *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = "second-token-abcdefgh"
	return nil
}

// A 401's refresh-and-retry sends the streamed form again, whole.
func TestConversationsUploadAfterRefresh(t *testing.T) {
	ts := &tokenPair{cur: "first-token-abcdefgh"}
	client, mux := setup(t, WithTokenSource(ts))
	var seen []string
	mux.HandleFunc("/conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		parts := readUpload(t, r)
		seen = append(seen, r.Header.Get("Authorization")+" "+parts[len(parts)-1].content)
		if r.Header.Get("Authorization") == "Bearer first-token-abcdefgh" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"statusCode":401,"message":"Invalid JWT"}`)
			return
		}
		_, _ = io.WriteString(w, `{"uploadedFiles":{}}`)
	})
	_, _, err := client.Conversations.Upload(context.Background(), &UploadRequest{ConversationID: "conv1", ContactID: "c1",
		Files: []UploadFile{{Name: "a.txt", Content: strings.NewReader("payload")}}})
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer first-token-abcdefgh payload", "Bearer second-token-abcdefgh payload"}, seen)
}

func TestConversationsUploadRejectsBadRequests(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	file := UploadFile{Name: "a.wav", Content: strings.NewReader("x")}
	for req, param := range map[*UploadRequest]string{
		nil: "req",
		{ContactID: "c1", Files: []UploadFile{file}}:                                                                                         "req.ConversationID",
		{ConversationID: "v1", Files: []UploadFile{file}}:                                                                                    "req.ContactID",
		{ConversationID: "v1", ContactID: "c1"}:                                                                                              "req.Files",
		{ConversationID: "v1", ContactID: "c1", LocationID: "..", Files: []UploadFile{file}}:                                                 "req.LocationID",
		{ConversationID: "v1", ContactID: "c1", Files: []UploadFile{{Name: "a.exe", Content: strings.NewReader("")}}}:                        "req.Files[0].Name",
		{ConversationID: "v1", ContactID: "c1", Files: []UploadFile{file, {Name: "b.wav"}}}:                                                  "req.Files[1].Content",
		{ConversationID: "v1", ContactID: "c1", Files: []UploadFile{{Name: "a\r\n.wav", Content: strings.NewReader("")}}}:                    "req.Files[0].Name",
		{ConversationID: "v1", ContactID: "c1", Files: []UploadFile{{Name: "a.wav", ContentType: "x\r\ny", Content: strings.NewReader("")}}}: "req.Files[0].ContentType",
		{ConversationID: "v1", ContactID: "c1", AttachmentURLs: []string{"nope"}}:                                                            "req.AttachmentURLs[0]",
	} {
		_, _, err := client.Conversations.Upload(context.Background(), req)
		assertInvalidParam(t, err, param)
	}
}

func TestConversationsRecording(t *testing.T) {
	client, mux := setup(t)
	wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), bytes.Repeat([]byte{7}, 4096)...)
	calls := expectConv(t, mux, wire{
		method: http.MethodGet, path: "/conversations/messages/m%2F1/locations/loc-test-1/recording", accept: "*/*",
		header: map[string]string{"Content-Type": "audio/x-wav", "Content-Disposition": "attachment; filename=audio.wav", "Content-Length": strconv.Itoa(len(wav))},
		resp:   string(wav),
	})
	rec, resp, err := client.Conversations.Recording(context.Background(), "m/1")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "audio/x-wav", rec.ContentType)
	assert.Equal(t, int64(len(wav)), rec.ContentLength)
	assert.Equal(t, "audio.wav", rec.Filename)
	assert.Equal(t, http.NoBody, resp.Body, "the stream belongs to the Media")
	got, err := io.ReadAll(rec)
	require.NoError(t, err)
	require.NoError(t, rec.Close())
	assert.Equal(t, wav, got)

	// Errors before the body are typed, as for every call.
	client2, mux2 := setup(t)
	expectConv(t, mux2, wire{method: http.MethodGet, path: "/conversations/messages/m1/locations/loc-test-1/recording", accept: "*/*",
		status: http.StatusNotFound, resp: `{"statusCode":404,"message":"Recording not found"}`})
	rec, _, err = client2.Conversations.Recording(context.Background(), "m1")
	assert.Nil(t, rec)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "ghl: GET /conversations/messages/{messageId}/locations/{locationId}/recording: 404 Not Found: Recording not found", err.Error())

	// An empty 200 is not a recording.
	client3, mux3 := setup(t)
	expectConv(t, mux3, wire{method: http.MethodGet, path: "/conversations/messages/m1/locations/loc-test-1/recording", accept: "*/*",
		header: map[string]string{"Content-Length": "0"}})
	_, _, err = client3.Conversations.Recording(context.Background(), "m1")
	var de *DecodeError
	require.ErrorAs(t, err, &de)

	// The location comes from the client.
	noLoc, err := NewClient(WithAccessToken(testToken), WithBaseURL("http://127.0.0.1:1"))
	require.NoError(t, err)
	_, _, err = noLoc.Conversations.Recording(context.Background(), "m1")
	assertInvalidParam(t, err, "locationID")
	_, _, err = noLoc.Conversations.Transcription(context.Background(), "m1")
	assertInvalidParam(t, err, "locationID")
	_, _, err = noLoc.Conversations.DownloadTranscription(context.Background(), "m1")
	assertInvalidParam(t, err, "locationID")
	_, _, err = client.Conversations.Recording(context.Background(), "")
	assertInvalidParam(t, err, "messageID")
}

// A failure before the body is handed over is retried like any GET.
func TestConversationsRecordingRetriedBeforeTheBody(t *testing.T) {
	client, mux := setup(t, convFastRetries(WithMaxRetries(2))...)
	var calls atomic.Int32
	mux.HandleFunc("/conversations/messages/m1/locations/loc-test-1/recording", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "audio/x-wav")
		_, _ = io.WriteString(w, "RIFFdata")
	})
	rec, _, err := client.Conversations.Recording(context.Background(), "m1")
	require.NoError(t, err)
	defer rec.Close()
	b, _ := io.ReadAll(rec)
	assert.Equal(t, "RIFFdata", string(b))
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, int64(8), rec.ContentLength)
}

func TestConversationsTranscription(t *testing.T) {
	for name, body := range map[string]string{
		"list": `[{"mediaChannel":1,"sentenceIndex":1,"startTime":34,"endTime":45,"transcript":"This call may be recorded for quality assurance purposes.","confidence":0.5,"speaker":"agent"},
			{"mediaChannel":2,"sentenceIndex":2,"startTime":46,"endTime":1200,"transcript":"Hi.","confidence":0.98}]`,
		// The spec's example: one sentence, numbers as strings.
		"spec example": `{"mediaChannel":"1","sentenceIndex":"1","startTime":"34","endTime":"45","transcript":"This call may be recorded for quality assurance purposes.","confidence":"0.5","speaker":"agent"}`,
	} {
		client, mux := setup(t)
		calls := expectConv(t, mux, wire{method: http.MethodGet, path: "/conversations/locations/loc-test-1/messages/m%201/transcription", resp: body})
		sentences, _, err := client.Conversations.Transcription(context.Background(), "m 1")
		require.NoError(t, err, name)
		assert.Equal(t, int32(1), calls.Load())
		require.NotEmpty(t, sentences, name)
		assert.Equal(t, &TranscriptSentence{MediaChannel: 1, SentenceIndex: 1, StartTime: 34, EndTime: 45,
			Transcript: "This call may be recorded for quality assurance purposes.", Confidence: 0.5,
			Extra: Extra{"speaker": []byte(`"agent"`)}}, sentences[0], name)
	}
	client, mux := setup(t)
	expectConv(t, mux, wire{method: http.MethodGet, path: "/conversations/locations/loc-test-1/messages/m1/transcription", resp: `[{"startTime":"soon"}]`})
	_, _, err := client.Conversations.Transcription(context.Background(), "m1")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
}

func TestConversationsDownloadTranscription(t *testing.T) {
	client, mux := setup(t)
	text := "Agent: This call may be recorded.\nCaller: Hi.\n"
	expectConv(t, mux, wire{
		method: http.MethodGet, path: "/conversations/locations/loc-test-1/messages/m1/transcription/download", accept: "text/plain, */*",
		header: map[string]string{"Content-Type": "text/plain", "Content-Disposition": `attachment; filename="transcription.txt"`},
		resp:   text,
	})
	f, _, err := client.Conversations.DownloadTranscription(context.Background(), "m1")
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, "text/plain", f.ContentType)
	assert.Equal(t, "transcription.txt", f.Filename)
	b, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, text, string(b))
}

// The stream ends with the caller's context.
func TestConversationsRecordingStreamEndsWithContext(t *testing.T) {
	client, mux := setup(t)
	release := make(chan struct{})
	mux.HandleFunc("/conversations/messages/m1/locations/loc-test-1/recording", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/x-wav")
		_, _ = io.WriteString(w, "RIFF")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	rec, _, err := client.Conversations.Recording(ctx, "m1")
	require.NoError(t, err)
	defer rec.Close()
	buf := make([]byte, 4)
	_, err = io.ReadFull(rec, buf)
	require.NoError(t, err)
	cancel()
	_, err = io.ReadAll(rec)
	assert.True(t, errors.Is(err, context.Canceled), fmt.Sprint(err))
}

// unseekable is an io.Seeker that cannot seek, like an *os.File over a pipe.
type unseekable struct{ io.Reader }

func (unseekable) Seek(int64, int) (int64, error) { return 0, errors.New("illegal seek") }

// A Seeker that cannot seek is streamed like any reader.
func TestConversationsUploadUnseekableSeeker(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/conversations/messages/upload", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, int64(-1), r.ContentLength)
		parts := readUpload(t, r)
		assert.Equal(t, "from a pipe", parts[len(parts)-1].content)
		_, _ = io.WriteString(w, `{"uploadedFiles":{}}`)
	})
	_, _, err := client.Conversations.Upload(context.Background(), &UploadRequest{ConversationID: "conv1", ContactID: "c1",
		Files: []UploadFile{{Name: "a.txt", Content: unseekable{strings.NewReader("from a pipe")}}}})
	require.NoError(t, err)
}
