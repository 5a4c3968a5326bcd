package ghl

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Appointment notes: /calendars/appointments/{appointmentId}/notes. They are Notes, as on
// contacts (GHL shows an appointment's notes on its contact too).

// MaxAppointmentNotesPage is the largest page of appointment notes GHL serves.
const MaxAppointmentNotesPage = 20

// maxAppointmentNoteBody is GHL's limit on a note's body, in UTF-16 code units (its
// validator's string length).
const maxAppointmentNoteBody = 5000

// AppointmentNoteListOptions pages through an appointment's notes.
type AppointmentNoteListOptions struct {
	// Limit is the page size, 1 to MaxAppointmentNotesPage; 0 means the maximum.
	Limit int
	// Offset is how many notes to skip.
	Offset int
}

// AppointmentNoteList is one page of an appointment's notes.
type AppointmentNoteList struct {
	Notes   []*Note `json:"notes"`
	HasMore bool    `json:"hasMore"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var appointmentNoteListFields = jsonx.FieldsOf[AppointmentNoteList]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (l *AppointmentNoteList) UnmarshalJSON(data []byte) error { return decodeModel(data, l) }

// MarshalJSON encodes the page with its Extra fields.
func (l AppointmentNoteList) MarshalJSON() ([]byte, error) {
	type plain AppointmentNoteList
	return encodeWithExtra(plain(l), appointmentNoteListFields, l.Extra, nil)
}

// AppointmentNoteRequest is the body of CreateAppointmentNote and UpdateAppointmentNote.
// Body is required (at most 5,000 characters); UserID names the author.
type AppointmentNoteRequest struct {
	Body   string `json:"body"`
	UserID string `json:"userId,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var appointmentNoteRequestFields = jsonx.FieldsOf[AppointmentNoteRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r AppointmentNoteRequest) MarshalJSON() ([]byte, error) {
	type plain AppointmentNoteRequest
	return encodeWithExtra(plain(r), appointmentNoteRequestFields, r.Extra, nil)
}

func (r *AppointmentNoteRequest) validate() error {
	switch {
	case r == nil:
		return &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case strings.TrimSpace(r.Body) == "":
		return &InvalidParamError{Param: "req.Body", Reason: "must not be empty"}
	}
	if n := len(utf16.Encode([]rune(r.Body))); n > maxAppointmentNoteBody {
		return &InvalidParamError{Param: "req.Body", Reason: fmt.Sprintf("is %d characters long; GHL takes at most %d", n, maxAppointmentNoteBody)}
	}
	return nil
}

const appointmentNotesRoute = "/calendars/appointments/{appointmentId}/notes"

// ListAppointmentNotes returns one page of an appointment's notes.
func (s *CalendarsService) ListAppointmentNotes(ctx context.Context, appointmentID string, opts *AppointmentNoteListOptions) (*AppointmentNoteList, *Response, error) {
	ids, err := escapeIDs("appointmentID", appointmentID)
	if err != nil {
		return nil, nil, err
	}
	var o AppointmentNoteListOptions
	if opts != nil {
		o = *opts
	}
	if o.Limit == 0 {
		o.Limit = MaxAppointmentNotesPage
	}
	if o.Limit < 0 || o.Limit > MaxAppointmentNotesPage {
		return nil, nil, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, MaxAppointmentNotesPage)}
	}
	if o.Offset < 0 {
		return nil, nil, &InvalidParamError{Param: "opts.Offset", Reason: fmt.Sprintf("%d is negative", o.Offset)}
	}
	// Both are required by GHL, so both are always sent.
	q := url.Values{"limit": {strconv.Itoa(o.Limit)}, "offset": {strconv.Itoa(o.Offset)}}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/calendars/appointments/" + ids[0] + "/notes", route: appointmentNotesRoute, query: q, family: APICalendars}, self[AppointmentNoteList])
}

// AppointmentNotes yields every note of an appointment, a page of MaxAppointmentNotesPage at
// a time. Iteration stops at the first error, which is yielded.
func (s *CalendarsService) AppointmentNotes(ctx context.Context, appointmentID string) iter.Seq2[*Note, error] {
	if err := checkID("appointmentID", appointmentID); err != nil {
		return errSeq[*Note](err)
	}
	// The cursor is offset+1, so that the zero cursor still means "none" to the pager.
	return paginate(ctx, appointmentNotesRoute, 1, func(ctx context.Context, cursor, _ int) (pageOf[*Note, int], error) {
		offset := cursor - 1
		page, _, err := s.ListAppointmentNotes(ctx, appointmentID, &AppointmentNoteListOptions{Limit: MaxAppointmentNotesPage, Offset: offset})
		if err != nil {
			return pageOf[*Note, int]{}, err
		}
		p := pageOf[*Note, int]{items: page.Notes}
		if page.HasMore {
			// A page that claims more but is empty would never advance: the pager reports the
			// repeated cursor.
			p.more, p.next = true, offset+len(page.Notes)+1
		}
		return p, nil
	})
}

// CreateAppointmentNote adds a note to an appointment. It is not resent after a 5xx or a
// dropped connection, since GHL might have created it.
func (s *CalendarsService) CreateAppointmentNote(ctx context.Context, appointmentID string, req *AppointmentNoteRequest) (*Note, *Response, error) {
	ids, err := escapeIDs("appointmentID", appointmentID)
	if err != nil {
		return nil, nil, err
	}
	if err := req.validate(); err != nil {
		return nil, nil, err
	}
	return s.oneNote(ctx, &request{method: http.MethodPost, path: "/calendars/appointments/" + ids[0] + "/notes", route: appointmentNotesRoute, body: req, family: APICalendars})
}

// UpdateAppointmentNote replaces a note's body (and author).
func (s *CalendarsService) UpdateAppointmentNote(ctx context.Context, appointmentID, noteID string, req *AppointmentNoteRequest) (*Note, *Response, error) {
	ids, err := escapeIDs("appointmentID", appointmentID, "noteID", noteID)
	if err != nil {
		return nil, nil, err
	}
	if err := req.validate(); err != nil {
		return nil, nil, err
	}
	return s.oneNote(ctx, &request{method: http.MethodPut, path: appointmentNotePath(ids), route: appointmentNotesRoute + "/{noteId}", body: req, family: APICalendars})
}

// DeleteAppointmentNote deletes a note of an appointment.
func (s *CalendarsService) DeleteAppointmentNote(ctx context.Context, appointmentID, noteID string) (*Response, error) {
	ids, err := escapeIDs("appointmentID", appointmentID, "noteID", noteID)
	if err != nil {
		return nil, err
	}
	// This endpoint acknowledges with {"success": true}, not the "succeded" of the others.
	return s.client.doSuccess(ctx, &request{method: http.MethodDelete, path: appointmentNotePath(ids), route: appointmentNotesRoute + "/{noteId}", family: APICalendars})
}

func appointmentNotePath(ids []string) string {
	return "/calendars/appointments/" + ids[0] + "/notes/" + ids[1]
}

func (s *CalendarsService) oneNote(ctx context.Context, req *request) (*Note, *Response, error) {
	return fetch(ctx, s.client, req, func(e *appointmentNoteEnvelope) *Note { return e.Note })
}

// appointmentNoteEnvelope is the answer of the single-note appointment note endpoints.
type appointmentNoteEnvelope struct {
	Note *Note `json:"note"`
}
