package ghl

import (
	"context"
	"net/http"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// NotesService reaches the /contacts/{contactId}/notes endpoints.
type NotesService service

// Note is a note on a contact.
type Note struct {
	ID        string `json:"id,omitempty"`
	Body      string `json:"body,omitempty"`
	UserID    string `json:"userId,omitempty"`
	DateAdded *Time  `json:"dateAdded,omitempty"`
	ContactID string `json:"contactId,omitempty"`
	Title     string `json:"title,omitempty"`
	Color     string `json:"color,omitempty"` // e.g. "#FFAA00"
	Pinned    bool   `json:"pinned,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var noteFields = jsonx.FieldsOf[Note]()

// UnmarshalJSON decodes a note and keeps the fields it does not name in Extra.
func (n *Note) UnmarshalJSON(data []byte) error { return decodeModel(data, n) }

// MarshalJSON encodes the note with its Extra fields.
func (n Note) MarshalJSON() ([]byte, error) {
	type plain Note
	return encodeWithExtra(plain(n), noteFields, n.Extra, nil)
}

// NoteCreateRequest is the body of Notes.Create; Body is required.
type NoteCreateRequest struct {
	Body   string `json:"body"`
	UserID string `json:"userId,omitempty"`
	Title  string `json:"title,omitempty"`
	Color  string `json:"color,omitempty"` // e.g. "#FFAA00"
	Pinned *bool  `json:"pinned,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var noteCreateFields = jsonx.FieldsOf[NoteCreateRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r NoteCreateRequest) MarshalJSON() ([]byte, error) {
	type plain NoteCreateRequest
	return encodeWithExtra(plain(r), noteCreateFields, r.Extra, nil)
}

// NoteUpdateRequest is the body of Notes.Update. As in every update request, a nil field is
// not sent (use Ptr to set one), and a field named in Null is sent as null.
type NoteUpdateRequest struct {
	Body   *string `json:"body,omitempty"`
	UserID *string `json:"userId,omitempty"`
	Title  *string `json:"title,omitempty"`
	Color  *string `json:"color,omitempty"`
	Pinned *bool   `json:"pinned,omitempty"`

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var noteUpdateFields = jsonx.FieldsOf[NoteUpdateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r NoteUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain NoteUpdateRequest
	return encodeWithExtra(plain(r), noteUpdateFields, r.Extra, r.Null)
}

type noteEnvelope struct {
	Note *Note `json:"note"`
}

type noteListEnvelope struct {
	Notes []*Note `json:"notes"`
}

// List returns the contact's notes.
func (s *NotesService) List(ctx context.Context, contactID string) ([]*Note, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/" + ids[0] + "/notes", route: "/contacts/{contactId}/notes"}, func(e *noteListEnvelope) []*Note { return e.Notes })
}

// Get fetches one note.
func (s *NotesService) Get(ctx context.Context, contactID, noteID string) (*Note, *Response, error) {
	ids, err := escapeIDs("contactID", contactID, "noteID", noteID)
	if err != nil {
		return nil, nil, err
	}
	return s.one(ctx, &request{method: http.MethodGet, path: notePath(ids), route: "/contacts/{contactId}/notes/{id}"})
}

// Create adds a note to the contact; req.Body is required. It is not resent after a 5xx or
// a dropped connection, since GHL might have created it.
func (s *NotesService) Create(ctx context.Context, contactID string, req *NoteCreateRequest) (*Note, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case req == nil:
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case strings.TrimSpace(req.Body) == "":
		return nil, nil, &InvalidParamError{Param: "req.Body", Reason: "must not be empty"}
	}
	return s.one(ctx, &request{method: http.MethodPost, path: "/contacts/" + ids[0] + "/notes", route: "/contacts/{contactId}/notes", body: req})
}

// Update changes a note; only the fields set in req are sent.
func (s *NotesService) Update(ctx context.Context, contactID, noteID string, req *NoteUpdateRequest) (*Note, *Response, error) {
	ids, err := escapeIDs("contactID", contactID, "noteID", noteID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	return s.one(ctx, &request{method: http.MethodPut, path: notePath(ids), route: "/contacts/{contactId}/notes/{id}", body: req})
}

// Delete deletes a note.
func (s *NotesService) Delete(ctx context.Context, contactID, noteID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID, "noteID", noteID)
	if err != nil {
		return nil, err
	}
	return s.client.doAck(ctx, &request{method: http.MethodDelete, path: notePath(ids), route: "/contacts/{contactId}/notes/{id}"})
}

func notePath(ids []string) string { return "/contacts/" + ids[0] + "/notes/" + ids[1] }

func (s *NotesService) one(ctx context.Context, req *request) (*Note, *Response, error) {
	return fetch(ctx, s.client, req, func(e *noteEnvelope) *Note { return e.Note })
}
