package ghltest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConversationsRecordingAndTranscript(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	id, err := f.srv.AddMessage(f.loc, f.contact, Message{MessageType: "TYPE_CALL", Direction: "inbound", CallStatus: "completed", CallDuration: ghl.Ptr(95)})
	require.NoError(t, err)

	// No recording yet.
	_, _, err = f.pit.Conversations.Recording(ctx, id)
	assert.ErrorIs(t, err, ghl.ErrValidation)

	require.NoError(t, f.srv.SetRecording(f.loc, id, SyntheticWAV(300_000)))
	rec, _, err := f.pit.Conversations.Recording(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "audio/x-wav", rec.ContentType)
	assert.Equal(t, "audio.wav", rec.Filename)
	assert.Equal(t, int64(300_000), rec.ContentLength)
	got, err := io.ReadAll(rec)
	require.NoError(t, err)
	require.NoError(t, rec.Close())
	want, err := io.ReadAll(WAVPattern(300_000))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, "RIFF", string(got[:4]))
	assert.Equal(t, "WAVE", string(got[8:12]))

	sentences := []TranscriptSentence{
		{MediaChannel: 1, SentenceIndex: 1, StartTime: 340, EndTime: 4500, Transcript: "Thanks for calling.", Confidence: 0.91},
		{MediaChannel: 2, SentenceIndex: 2, StartTime: 61000, EndTime: 63000, Transcript: "Hi, it's Ada.", Confidence: 0.87},
	}
	require.NoError(t, f.srv.SetTranscript(f.loc, id, sentences))
	typed, _, err := f.pit.Conversations.Transcription(ctx, id)
	require.NoError(t, err)
	require.Len(t, typed, 2)
	assert.Equal(t, ghl.TranscriptSentence{MediaChannel: 2, SentenceIndex: 2, StartTime: 61000, EndTime: 63000, Transcript: "Hi, it's Ada.", Confidence: 0.87}, *typed[1])
	file, _, err := f.pit.Conversations.DownloadTranscription(ctx, id)
	require.NoError(t, err)
	defer file.Close()
	text, err := io.ReadAll(file)
	require.NoError(t, err)
	assert.Equal(t, "text/plain; charset=utf-8", file.ContentType)
	assert.Equal(t, "transcription.txt", file.Filename)
	assert.Equal(t, "[00:00] Channel 1: Thanks for calling.\n[01:01] Channel 2: Hi, it's Ada.\n", string(text))

	sms, err := f.srv.AddMessage(f.loc, f.contact, Message{Body: "hi"})
	require.NoError(t, err)
	assert.Error(t, f.srv.SetRecording(f.loc, sms, SyntheticWAV(100)), "texts have no recording")
}

func TestConversationsUploadThenAttach(t *testing.T) {
	f := newConvFixture(t)
	ctx := context.Background()
	call := f.logCall(t, ghl.DirectionOutbound, ghl.CallCompleted, "pbx-7")
	wav, err := io.ReadAll(WAVPattern(64 << 10))
	require.NoError(t, err)
	res, _, err := f.app.Conversations.Upload(ctx, &ghl.UploadRequest{ConversationID: call.ConversationID, ContactID: f.contact,
		Files: []ghl.UploadFile{{Name: "call-7.wav", Content: bytes.NewReader(wav)}}})
	require.NoError(t, err)
	u := res.UploadedFiles["call-7.wav"]
	require.NotEmpty(t, u)
	stored, ok := f.srv.UploadedFile(u)
	require.True(t, ok)
	assert.Equal(t, wav, stored)
	_, err = f.app.Conversations.SetAttachments(ctx, call.MessageID, []string{u})
	require.NoError(t, err)
	assert.Equal(t, []string{u}, f.srv.Messages(f.loc, f.contact)[0].Attachments)

	// GHL's limits: a file over the size limit, a type it does not take, another contact.
	_, _, err = f.app.Conversations.Upload(ctx, &ghl.UploadRequest{ConversationID: call.ConversationID, ContactID: f.contact,
		Files: []ghl.UploadFile{{Name: "big.wav", Content: io.LimitReader(WAVPattern(MaxUploadSize+1), MaxUploadSize+1)}}})
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusRequestEntityTooLarge, apiErr.StatusCode)
	raw := rawUpload(t, f, call.ConversationID, "notes.exe")
	assert.Equal(t, http.StatusUnsupportedMediaType, raw.status, "%s", raw.raw)
	_, _, err = f.app.Conversations.Upload(ctx, &ghl.UploadRequest{ConversationID: call.ConversationID, ContactID: "someone-else",
		Files: []ghl.UploadFile{{Name: "a.txt", Content: strings.NewReader("x")}}})
	assert.ErrorIs(t, err, ghl.ErrValidation)
}

// rawUpload posts a one-file form with any file name, which the SDK would refuse.
func rawUpload(t *testing.T, f *convFixture, conversationID, name string) convRaw {
	t.Helper()
	body := "--b\r\nContent-Disposition: form-data; name=\"conversationId\"\r\n\r\n" + conversationID +
		"\r\n--b\r\nContent-Disposition: form-data; name=\"contactId\"\r\n\r\n" + f.contact +
		"\r\n--b\r\nContent-Disposition: form-data; name=\"locationId\"\r\n\r\n" + f.loc +
		"\r\n--b\r\nContent-Disposition: form-data; name=\"fileAttachment\"; filename=\"" + name + "\"\r\n\r\nMZ\r\n--b--\r\n"
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/conversations/messages/upload", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.srv.Token())
	req.Header.Set("Version", ConversationsAPIVersion)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return convRaw{status: resp.StatusCode, raw: string(b)}
}

// heapWatch samples the live heap while a stream is read through it.
type heapWatch struct {
	r        io.Reader
	n, next  int64
	every    int64
	peak     uint64
	samples  int
	memstats runtime.MemStats
}

func (h *heapWatch) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	if h.n >= h.next {
		h.next += h.every
		runtime.ReadMemStats(&h.memstats)
		h.peak = max(h.peak, h.memstats.HeapAlloc)
		h.samples++
	}
	return n, err
}

// A 50 MB recording streams from the fake through the SDK with flat memory: the live heap
// never grows by more than a small fraction of the recording, and the whole transfer
// allocates far less than its size.
func TestConversationsRecordingStreamsWithFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 50 MB")
	}
	const size = 50 << 20
	f := newConvFixture(t)
	id, err := f.srv.AddMessage(f.loc, f.contact, Message{MessageType: "TYPE_CALL", CallStatus: "completed"})
	require.NoError(t, err)
	require.NoError(t, f.srv.SetRecording(f.loc, id, SyntheticWAV(size)))
	want := sha256.New()
	_, err = io.Copy(want, WAVPattern(size))
	require.NoError(t, err)

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec, _, err := f.pit.Conversations.Recording(context.Background(), id)
	require.NoError(t, err)
	watch := &heapWatch{r: rec, every: 1 << 20, next: 1 << 20}
	got := sha256.New()
	n, err := io.Copy(got, watch)
	require.NoError(t, err)
	require.NoError(t, rec.Close())
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	assert.Equal(t, int64(size), n)
	assert.Equal(t, want.Sum(nil), got.Sum(nil), "the bytes the fake served")
	growth := int64(watch.peak) - int64(before.HeapAlloc)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("50 MiB recording: peak live heap %+.2f MiB over the %.2f MiB before (%d samples); %.2f MiB allocated in all (server and client)",
		float64(growth)/(1<<20), float64(before.HeapAlloc)/(1<<20), watch.samples, float64(allocated)/(1<<20))
	assert.GreaterOrEqual(t, watch.samples, 50)
	assert.Less(t, growth, int64(4<<20), "peak heap growth")
	assert.Less(t, allocated, uint64(8<<20), "bytes allocated while streaming 50 MiB")
}
