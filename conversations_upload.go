package ghl

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path"
	"strings"
	"sync"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// UploadFile is one file of an Upload.
type UploadFile struct {
	// Name is the file's name. Its extension must be one GHL accepts: jpg, jpeg, png, mp4,
	// mpeg, zip, rar, pdf, doc, docx, txt, mp3 or wav.
	Name string
	// ContentType defaults to the extension's type (audio/x-wav for .wav).
	ContentType string
	// Content is streamed, never read into memory whole. An io.Seeker (an *os.File, a
	// *bytes.Reader) is rewound when the upload must be sent again, after a 429; an upload of
	// any other reader fails instead of being resent.
	Content io.Reader
}

// uploadTypes are the extensions GHL accepts, with the content type sent for each.
var uploadTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".mp4": "video/mp4",
	".mpeg": "video/mpeg", ".zip": "application/zip", ".rar": "application/vnd.rar",
	".pdf": "application/pdf", ".doc": "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".txt":  "text/plain", ".mp3": "audio/mpeg", ".wav": "audio/x-wav",
}

// UploadRequest uploads files to a conversation (POST /conversations/messages/upload, a
// multipart form), e.g. a call recording to attach to the call's message afterwards.
type UploadRequest struct {
	ConversationID string
	ContactID      string
	// LocationID defaults to the client's location.
	LocationID string
	// AttachmentURLs are files GHL fetches itself, sent alongside Files.
	AttachmentURLs []string
	Files          []UploadFile
}

// UploadResult is what Upload stored: each file's name and its URL at GHL.
type UploadResult struct {
	UploadedFiles map[string]string `json:"uploadedFiles"`

	Extra Extra `json:"-"`
}

var uploadResultFields = jsonx.FieldsOf[UploadResult]()

// UnmarshalJSON decodes the result and keeps the fields it does not name in Extra.
func (r *UploadResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the result with its Extra fields.
func (r UploadResult) MarshalJSON() ([]byte, error) {
	type plain UploadResult
	return encodeWithExtra(plain(r), uploadResultFields, r.Extra, nil)
}

// Upload sends files to GHL's storage for a conversation, as a multipart stream: a file is
// read once per attempt and never held in memory whole. Use the URLs it returns with
// SetAttachments to attach a recording to a call's message. Like every POST, an upload is
// resent only after a 429 or when the connection could not be opened.
func (s *ConversationsService) Upload(ctx context.Context, req *UploadRequest) (*UploadResult, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	loc := req.LocationID
	if loc == "" {
		loc = s.client.locationID
	}
	if err := checkID("req.LocationID", loc); err != nil {
		return nil, nil, err
	}
	if err := checkID("req.ConversationID", req.ConversationID); err != nil {
		return nil, nil, err
	}
	if err := checkID("req.ContactID", req.ContactID); err != nil {
		return nil, nil, err
	}
	if err := checkURLs("req.AttachmentURLs", req.AttachmentURLs, -1); err != nil {
		return nil, nil, err
	}
	if len(req.Files) == 0 && len(req.AttachmentURLs) == 0 {
		return nil, nil, &InvalidParamError{Param: "req.Files", Reason: "nothing to upload: no Files and no AttachmentURLs"}
	}
	body := &multipartBody{fields: [][2]string{{"conversationId", req.ConversationID}, {"contactId", req.ContactID}, {"locationId", loc}}}
	for _, u := range req.AttachmentURLs {
		body.fields = append(body.fields, [2]string{"attachmentUrls", u})
	}
	for i, f := range req.Files {
		param := fmt.Sprintf("req.Files[%d]", i)
		ext := strings.ToLower(path.Ext(f.Name))
		ct, ok := uploadTypes[ext]
		switch {
		case strings.TrimSpace(f.Name) == "" || strings.ContainsAny(f.Name, "\r\n\x00"):
			return nil, nil, &InvalidParamError{Param: param + ".Name", Reason: "must be a file name"}
		case !ok:
			return nil, nil, &InvalidParamError{Param: param + ".Name", Reason: fmt.Sprintf("extension %q is not one GHL accepts (jpg, jpeg, png, mp4, mpeg, zip, rar, pdf, doc, docx, txt, mp3, wav)", ext)}
		case f.Content == nil:
			return nil, nil, &InvalidParamError{Param: param + ".Content", Reason: "must not be nil"}
		case strings.ContainsAny(f.ContentType, "\r\n"):
			return nil, nil, &InvalidParamError{Param: param + ".ContentType", Reason: "contains a line break"}
		}
		if f.ContentType != "" {
			ct = f.ContentType
		}
		body.files = append(body.files, uploadPart{name: f.Name, contentType: ct, content: f.Content})
	}
	if err := body.prepare(); err != nil {
		return nil, nil, err
	}
	r := &request{method: http.MethodPost, path: "/conversations/messages/upload", route: "/conversations/messages/upload",
		rawBody: body.open, contentType: "multipart/form-data; boundary=" + body.boundary, family: APIConversations}
	res, resp, err := fetch(ctx, s.client, r, func(e *UploadResult) *UploadResult { return e })
	if err != nil {
		return nil, resp, err
	}
	return res, resp, nil
}

type uploadPart struct {
	name, contentType string
	content           io.Reader
	// size is the content's length, known when it is seekable (-1: unknown).
	size     int64
	seekable bool
}

// multipartBody produces the upload's multipart form afresh for every attempt, writing it
// through a pipe as the transport reads it.
type multipartBody struct {
	boundary string
	fields   [][2]string
	files    []uploadPart
	// size is the exact length of the form, or -1 when a file's size is unknown (the body is
	// then sent chunked).
	size int64

	mu      sync.Mutex
	started bool // a stream has read the files once
}

// prepare picks the boundary and measures the form when every file's size can be known
// without reading it.
func (b *multipartBody) prepare() error {
	b.boundary = multipart.NewWriter(io.Discard).Boundary()
	var files int64
	known := true
	for i := range b.files {
		f := &b.files[i]
		f.size = -1
		if sk, ok := f.content.(io.Seeker); ok {
			// A Seeker that cannot seek (a pipe behind an *os.File) is streamed as a plain
			// reader; one that fails after seeking has lost its place.
			if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
				end, err := sk.Seek(0, io.SeekEnd)
				if err == nil {
					_, err = sk.Seek(cur, io.SeekStart)
				}
				if err != nil {
					return fmt.Errorf("ghl: upload %s: %w", f.name, err)
				}
				f.size, f.seekable = end-cur, true
			}
		}
		if f.size < 0 {
			known = false
		}
		files += max(f.size, 0)
	}
	b.size = -1
	if known {
		var c countingWriter
		if err := b.write(&c, func(int, io.Writer) error { return nil }); err != nil {
			return err
		}
		b.size = c.n + files
	}
	return nil
}

// write writes the form to w; content writes file i's bytes.
func (b *multipartBody) write(w io.Writer, content func(i int, part io.Writer) error) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(b.boundary); err != nil {
		return err
	}
	for _, f := range b.fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	for i, f := range b.files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "fileAttachment", "filename": f.name}))
		h.Set("Content-Type", f.contentType)
		part, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if err := content(i, part); err != nil {
			return err
		}
	}
	return mw.Close()
}

// open returns a fresh stream of the form. Nothing is read until the transport reads it, so
// the probe go-retryablehttp makes for the length costs nothing. Once a stream has read the
// files, a new one needs every file to be seekable; otherwise open fails and the attempt is
// not sent at all.
func (b *multipartBody) open() (io.Reader, error) {
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if started {
		for _, f := range b.files {
			if !f.seekable {
				return nil, ErrUploadNotRewindable
			}
		}
	}
	return &multipartStream{body: b}, nil
}

// multipartStream is one attempt's copy of the form. It implements Len so the request
// carries a Content-Length when the size is known.
type multipartStream struct {
	body *multipartBody
	once sync.Once
	pr   *io.PipeReader
	err  error
}

// Len is the form's length, or 0 (unknown) when a file's size is unknown.
func (s *multipartStream) Len() int { return int(max(s.body.size, 0)) }

func (s *multipartStream) start() {
	b := s.body
	b.mu.Lock()
	again := b.started
	b.started = true
	b.mu.Unlock()
	if again {
		for _, f := range b.files {
			sk, ok := f.content.(io.Seeker)
			if !ok || !f.seekable {
				s.err = ErrUploadNotRewindable
				return
			}
			if _, err := sk.Seek(-f.size, io.SeekEnd); err != nil {
				s.err = fmt.Errorf("ghl: rewinding upload %s: %w", f.name, err)
				return
			}
		}
	}
	pr, pw := io.Pipe()
	s.pr = pr
	go func() {
		err := b.write(pw, func(i int, part io.Writer) error {
			_, err := io.Copy(part, b.files[i].content)
			return err
		})
		pw.CloseWithError(err) // nil: EOF for the reader
	}()
}

func (s *multipartStream) Read(p []byte) (int, error) {
	s.once.Do(s.start)
	if s.err != nil {
		return 0, s.err
	}
	return s.pr.Read(p)
}

// Close stops the writer of an attempt the transport abandoned.
func (s *multipartStream) Close() error {
	s.once.Do(func() { s.err = io.ErrClosedPipe }) // never started: nothing to stop
	if s.pr != nil {
		return s.pr.CloseWithError(io.ErrClosedPipe)
	}
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
