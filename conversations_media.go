package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Media: call recordings and transcripts, streamed; attachments uploaded as a stream.

// Media is a file GHL serves, such as a call recording: read it from the stream and close it.
// It is never held in memory whole.
type Media struct {
	// ReadCloser is the response body. The caller must close it.
	io.ReadCloser
	// ContentType is the Content-Type header, e.g. "audio/x-wav".
	ContentType string
	// ContentLength is the size in bytes, or -1 when GHL did not say.
	ContentLength int64
	// Filename is the name in Content-Disposition, e.g. "audio.wav" ("" if none).
	Filename string
}

// streamedBody, given to Client.do as the decode target, takes a 2xx response body unread:
// the request has gone through the whole pipeline (rate limit, token, retries on 5xx and
// transport errors before any body byte is handed over, typed errors), and only the reading of
// the body is left to the caller.
type streamedBody struct{ resp *http.Response }

func (s *streamedBody) take(resp *http.Response) { s.resp = resp }

// media sends a GET for a file and hands its body over as a stream.
func (s *ConversationsService) media(ctx context.Context, req *request) (*Media, *Response, error) {
	req.family = APIConversations
	var sb streamedBody
	resp, err := s.client.do(ctx, req, &sb)
	if err != nil {
		return nil, resp, err
	}
	hr := sb.resp
	m := &Media{ReadCloser: hr.Body, ContentType: hr.Header.Get("Content-Type"), ContentLength: hr.ContentLength}
	hr.Body = http.NoBody // the stream belongs to the Media now
	if _, params, err := mime.ParseMediaType(hr.Header.Get("Content-Disposition")); err == nil {
		m.Filename = params["filename"]
	}
	return m, resp, nil
}

// locationPathID is the client's location, path-escaped, for the media endpoints whose path
// names it.
func (s *ConversationsService) locationPathID() (string, error) {
	if s.client.locationID == "" {
		return "", &InvalidParamError{Param: "locationID", Reason: "the client has no location (WithLocationID)"}
	}
	return url.PathEscape(s.client.locationID), nil
}

// Recording streams a call's recording or a voicemail (GHL serves audio/x-wav). The caller
// reads and closes it; it is never buffered whole, so a long call costs no memory. A failure
// before the body arrives is retried like any GET; once it is handed over, a broken
// connection surfaces as a read error.
func (s *ConversationsService) Recording(ctx context.Context, messageID string) (*Media, *Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, nil, err
	}
	loc, err := s.locationPathID()
	if err != nil {
		return nil, nil, err
	}
	return s.media(ctx, &request{method: http.MethodGet, path: "/conversations/messages/" + ids[0] + "/locations/" + loc + "/recording",
		route: "/conversations/messages/{messageId}/locations/{locationId}/recording", accept: acceptAny})
}

var (
	acceptAny       = []string{"*/*"}
	acceptPlainText = []string{"text/plain, */*"}
)

// DownloadTranscription streams a call's transcript as the text file GHL serves
// (text/plain). The caller reads and closes it.
func (s *ConversationsService) DownloadTranscription(ctx context.Context, messageID string) (*Media, *Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, nil, err
	}
	loc, err := s.locationPathID()
	if err != nil {
		return nil, nil, err
	}
	return s.media(ctx, &request{method: http.MethodGet, path: "/conversations/locations/" + loc + "/messages/" + ids[0] + "/transcription/download",
		route: "/conversations/locations/{locationId}/messages/{messageId}/transcription/download", accept: acceptPlainText})
}

// TranscriptSentence is one sentence of a call's transcript.
type TranscriptSentence struct {
	// MediaChannel is the side of the call that spoke.
	MediaChannel  int `json:"mediaChannel"`
	SentenceIndex int `json:"sentenceIndex"`
	// StartTime and EndTime are offsets into the recording in milliseconds.
	StartTime  int64   `json:"startTime"`
	EndTime    int64   `json:"endTime"`
	Transcript string  `json:"transcript"`
	Confidence float64 `json:"confidence"`

	Extra Extra `json:"-"`
}

var transcriptSentenceFields = jsonx.FieldsOf[TranscriptSentence]()

// UnmarshalJSON decodes a sentence; its numbers may come as numeric strings, as in GHL's
// spec examples. Fields it does not name are kept in Extra.
func (t *TranscriptSentence) UnmarshalJSON(data []byte) error {
	var raw struct {
		MediaChannel  json.RawMessage `json:"mediaChannel"`
		SentenceIndex json.RawMessage `json:"sentenceIndex"`
		StartTime     json.RawMessage `json:"startTime"`
		EndTime       json.RawMessage `json:"endTime"`
		Transcript    string          `json:"transcript"`
		Confidence    json.RawMessage `json:"confidence"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var out TranscriptSentence
	var err error
	num := func(name string, b json.RawMessage) float64 {
		f, e := flexNumber(b)
		if e != nil && err == nil {
			err = fmt.Errorf("ghl: transcript %s: %w", name, e)
		}
		return f
	}
	out.MediaChannel = int(num("mediaChannel", raw.MediaChannel))
	out.SentenceIndex = int(num("sentenceIndex", raw.SentenceIndex))
	out.StartTime = int64(num("startTime", raw.StartTime))
	out.EndTime = int64(num("endTime", raw.EndTime))
	out.Confidence = num("confidence", raw.Confidence)
	out.Transcript = raw.Transcript
	if err != nil {
		return err
	}
	if out.Extra, err = jsonx.Unknown(data, transcriptSentenceFields); err != nil {
		return err
	}
	*t = out
	return nil
}

// MarshalJSON encodes the sentence with its Extra fields.
func (t TranscriptSentence) MarshalJSON() ([]byte, error) {
	type plain TranscriptSentence
	return encodeWithExtra(plain(t), transcriptSentenceFields, t.Extra, nil)
}

// flexNumber reads a JSON number, a numeric string or null (0).
func flexNumber(b json.RawMessage) (float64, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	text := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return 0, err
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s is not a number", b)
	}
	return f, nil
}

// transcript decodes the sentences GHL sends as a list, or one sentence bare as its spec
// documents.
type transcript struct{ sentences []*TranscriptSentence }

func (t *transcript) decodeResponse(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		s := new(TranscriptSentence)
		if err := json.Unmarshal(data, s); err != nil {
			return err
		}
		t.sentences = []*TranscriptSentence{s}
		return nil
	}
	return json.Unmarshal(data, &t.sentences)
}

// Transcription returns a call's transcript, sentence by sentence.
func (s *ConversationsService) Transcription(ctx context.Context, messageID string) ([]*TranscriptSentence, *Response, error) {
	ids, err := escapeIDs("messageID", messageID)
	if err != nil {
		return nil, nil, err
	}
	loc, err := s.locationPathID()
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodGet, path: "/conversations/locations/" + loc + "/messages/" + ids[0] + "/transcription",
		route: "/conversations/locations/{locationId}/messages/{messageId}/transcription", family: APIConversations}
	return fetch(ctx, s.client, req, func(t *transcript) []*TranscriptSentence { return t.sentences })
}
