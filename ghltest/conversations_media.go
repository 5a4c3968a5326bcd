package ghltest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Media: recordings, transcripts and uploads.

// Recording is a call's recording as the fake serves it (GHL serves audio/x-wav).
type Recording struct {
	// Data is the recording. A large one is better given as Size and Open, so it is produced as
	// it is served instead of held in memory.
	Data []byte
	// Size is the length of what Open returns.
	Size int64
	// Open returns a fresh reader of exactly Size bytes each time the recording is served.
	Open func() io.Reader
	// ContentType defaults to "audio/x-wav".
	ContentType string
}

func (rec *Recording) open() (io.Reader, int64) {
	if rec.Open != nil {
		return rec.Open(), rec.Size
	}
	return bytes.NewReader(rec.Data), int64(len(rec.Data))
}

// wavHeaderSize is the size of a canonical PCM WAV header.
const wavHeaderSize = 44

// SyntheticWAV returns a valid WAV recording of size bytes (at least 44): 8 kHz 16-bit mono
// PCM whose samples follow a fixed pattern, produced as it is read, so a recording of any
// size costs no memory. WAVPattern gives the same bytes for checking.
func SyntheticWAV(size int64) Recording {
	size = max(size, wavHeaderSize)
	return Recording{Size: size, Open: func() io.Reader {
		return io.LimitReader(io.MultiReader(bytes.NewReader(wavHeader(size)), &wavSamples{}), size)
	}}
}

// WAVPattern returns a reader of the same bytes SyntheticWAV(size) serves.
func WAVPattern(size int64) io.Reader {
	rec := SyntheticWAV(size)
	return rec.Open()
}

func wavHeader(size int64) []byte {
	data := uint32(min(size-wavHeaderSize, 1<<32-1-36))
	h := make([]byte, 0, wavHeaderSize)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)   // fmt chunk size
	h = binary.LittleEndian.AppendUint16(h, 1)    // PCM
	h = binary.LittleEndian.AppendUint16(h, 1)    // mono
	h = binary.LittleEndian.AppendUint32(h, 8000) // sample rate
	h = binary.LittleEndian.AppendUint32(h, 16000)
	h = binary.LittleEndian.AppendUint16(h, 2) // block align
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	return binary.LittleEndian.AppendUint32(h, data)
}

// wavSamples is an endless stream of a repeating 251-byte pattern (0, 1, ... 250).
type wavSamples struct {
	pattern []byte
	off     int
}

func (w *wavSamples) Read(p []byte) (int, error) {
	if w.pattern == nil {
		w.pattern = make([]byte, 251)
		for i := range w.pattern {
			w.pattern[i] = byte(i)
		}
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], w.pattern[w.off:])
		n += c
		w.off = (w.off + c) % len(w.pattern)
	}
	return n, nil
}

// TranscriptSentence is one sentence of a call's transcript, as GHL returns it.
type TranscriptSentence struct {
	MediaChannel  int `json:"mediaChannel"`
	SentenceIndex int `json:"sentenceIndex"`
	// StartTime and EndTime are milliseconds into the recording.
	StartTime  int64   `json:"startTime"`
	EndTime    int64   `json:"endTime"`
	Transcript string  `json:"transcript"`
	Confidence float64 `json:"confidence"`
}

// SetRecording gives a call message its recording, as GHL's phone service would.
func (s *Server) SetRecording(locationID, messageID string, rec Recording) error {
	return s.withStoredMessage(locationID, messageID, func(m *messageDoc) { m.recording = &rec })
}

// SetTranscript gives a call message its transcript.
func (s *Server) SetTranscript(locationID, messageID string, sentences []TranscriptSentence) error {
	return s.withStoredMessage(locationID, messageID, func(m *messageDoc) { m.transcript = append([]TranscriptSentence{}, sentences...) })
}

func (s *Server) withStoredMessage(locationID, messageID string, fn func(*messageDoc)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.conv.locLocked(locationID).msgs[messageID]
	if m == nil {
		return fmt.Errorf("ghltest: no message %q in location %q", messageID, locationID)
	}
	if !m.isCall() && m.messageType != "TYPE_CAMPAIGN_VOICEMAIL" {
		return fmt.Errorf("ghltest: message %q is a %s, not a call", messageID, m.messageType)
	}
	fn(m)
	return nil
}

// UploadedFile returns a file uploaded through POST /conversations/messages/upload, by the URL
// the upload returned.
func (s *Server) UploadedFile(fileURL string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.conv.uploads[fileURL]
	return bytes.Clone(b), ok
}

// mediaMessage finds the message of a media path, checking the location in the path.
func (s *Server) mediaMessage(w http.ResponseWriter, r *http.Request, l *location, what string, has func(*messageDoc) bool) (*messageDoc, bool) {
	if !checkLocationID(w, l, r.PathValue("locationId")) {
		return nil, false
	}
	s.mu.Lock()
	m := s.messageLocked(l, r.PathValue("messageId"))
	ok := m != nil && has(m)
	s.mu.Unlock()
	if !ok {
		// The spec documents 400, not 404, for these operations.
		writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": what + " not found", "error": "Bad Request"})
	}
	return m, ok
}

// getRecording streams the recording with GHL's headers.
func (s *Server) getRecording(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	m, ok := s.mediaMessage(w, r, l, "Recording", func(m *messageDoc) bool { return m.recording != nil })
	if !ok {
		return
	}
	s.mu.Lock()
	rec := *m.recording
	s.mu.Unlock()
	body, size := rec.open()
	ct := rec.ContentType
	if ct == "" {
		ct = "audio/x-wav"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", "attachment; filename=audio.wav")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, _ = io.Copy(w, body)
}

func (s *Server) getTranscription(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	m, ok := s.mediaMessage(w, r, l, "Transcription", func(m *messageDoc) bool { return m.transcript != nil })
	if !ok {
		return
	}
	s.mu.Lock()
	list := append([]TranscriptSentence{}, m.transcript...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) downloadTranscription(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	m, ok := s.mediaMessage(w, r, l, "Transcription", func(m *messageDoc) bool { return m.transcript != nil })
	if !ok {
		return
	}
	var b strings.Builder
	s.mu.Lock()
	for _, t := range m.transcript {
		fmt.Fprintf(&b, "[%02d:%02d] Channel %d: %s\n", t.StartTime/60000, t.StartTime/1000%60, t.MediaChannel, t.Transcript)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="transcription.txt"`)
	_, _ = io.WriteString(w, b.String())
}

// MaxUploadSize is the largest file POST /conversations/messages/upload accepts here. GHL does
// not document it for this endpoint; its signed-URL upload exists for files over 5 MB (100 MB
// for WhatsApp), so the fake takes 5 MB.
const MaxUploadSize = 5 << 20

// uploadTypes are the file extensions GHL accepts.
var uploadTypes = []string{".jpg", ".jpeg", ".png", ".mp4", ".mpeg", ".zip", ".rar", ".pdf", ".doc", ".docx", ".txt", ".mp3", ".wav"}

func uploadError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "message": msg})
}

// uploadFiles serves POST /conversations/messages/upload: a multipart form, read as a stream.
func (s *Server) uploadFiles(w http.ResponseWriter, r *http.Request, l *location, _ *accessToken) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		uploadError(w, http.StatusUnsupportedMediaType, "The request must be multipart/form-data")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, "Malformed multipart body")
		return
	}
	fields := map[string]string{}
	var urls, msgs []string
	type file struct {
		name string
		data []byte
	}
	var files []file
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "Malformed multipart body")
			return
		}
		switch name := p.FormName(); name {
		case "conversationId", "contactId", "locationId", "chatServiceSid", "isGroupSms":
			b, _ := io.ReadAll(io.LimitReader(p, 4096))
			fields[name] = string(b)
		case "attachmentUrls":
			b, _ := io.ReadAll(io.LimitReader(p, 4096))
			urls = append(urls, string(b))
		case "fileAttachment":
			fn := p.FileName()
			ext := strings.ToLower(path.Ext(fn))
			if !containsString(uploadTypes, ext) {
				uploadError(w, http.StatusUnsupportedMediaType, "File type "+ext+" is not allowed")
				return
			}
			b, err := io.ReadAll(io.LimitReader(p, MaxUploadSize+1))
			if err != nil {
				writeError(w, http.StatusBadRequest, "Malformed multipart body")
				return
			}
			if len(b) > MaxUploadSize {
				uploadError(w, http.StatusRequestEntityTooLarge, "File "+fn+" is larger than 5 MB")
				return
			}
			files = append(files, file{fn, b})
		default:
			msgs = append(msgs, "property "+name+" should not exist")
		}
	}
	for _, k := range []string{"conversationId", "contactId", "locationId"} {
		if fields[k] == "" {
			msgs = append(msgs, k+" should not be empty")
		}
	}
	if len(files) == 0 && len(urls) == 0 {
		msgs = append(msgs, "fileAttachment or attachmentUrls should not be empty")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if !checkLocationID(w, l, fields["locationId"]) {
		return
	}
	s.mu.Lock()
	c := s.conv.locLocked(l.id).convs[fields["conversationId"]]
	if c == nil || c.contactID != fields["contactId"] {
		s.mu.Unlock()
		convNotFound(w)
		return
	}
	uploaded := map[string]string{}
	for _, f := range files {
		u := "https://storage.ghltest.invalid/" + url.PathEscape(l.id) + "/" + newID() + "/" + url.PathEscape(f.name)
		s.conv.uploads[u] = f.data
		uploaded[f.name] = u
	}
	for _, u := range urls {
		uploaded[path.Base(u)] = u
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"uploadedFiles": uploaded, "traceId": newID()})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
