package ghl

import (
	"context"
	"net/http"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// AppointmentsService reaches /contacts/{contactId}/appointments.
type AppointmentsService service

// Appointment is a calendar event booked for a contact. Its times come as
// "2006-01-02 15:04:05" (no zone) from this endpoint and as RFC 3339 elsewhere; Time parses
// both and keeps the original text.
type Appointment struct {
	ID                string   `json:"id,omitempty"`
	CalendarID        string   `json:"calendarId,omitempty"`
	Status            string   `json:"status,omitempty"` // e.g. "booked"
	Title             string   `json:"title,omitempty"`
	AssignedUserID    string   `json:"assignedUserId,omitempty"`
	Notes             string   `json:"notes,omitempty"`
	StartTime         *Time    `json:"startTime,omitempty"`
	EndTime           *Time    `json:"endTime,omitempty"`
	Address           string   `json:"address,omitempty"`
	LocationID        string   `json:"locationId,omitempty"`
	ContactID         string   `json:"contactId,omitempty"`
	GroupID           string   `json:"groupId,omitempty"`
	AppointmentStatus string   `json:"appointmentStatus,omitempty"`
	Users             []string `json:"users,omitempty"`
	DateAdded         *Time    `json:"dateAdded,omitempty"`
	DateUpdated       *Time    `json:"dateUpdated,omitempty"`
	AssignedResources []string `json:"assignedResources,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var appointmentFields = jsonx.FieldsOf[Appointment]()

// UnmarshalJSON decodes an appointment and keeps the fields it does not name in Extra.
func (a *Appointment) UnmarshalJSON(data []byte) error { return decodeModel(data, a) }

// MarshalJSON encodes the appointment with its Extra fields and its times as received.
func (a Appointment) MarshalJSON() ([]byte, error) {
	type plain Appointment
	return encodeWithExtra(plain(a), appointmentFields, a.Extra, nil)
}

// List returns the contact's appointments (the API does not page them).
func (s *AppointmentsService) List(ctx context.Context, contactID string) ([]*Appointment, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/" + ids[0] + "/appointments", route: "/contacts/{contactId}/appointments"},
		func(e *appointmentList) []*Appointment { return e.Events })
}

// appointmentList is the answer of List.
type appointmentList struct {
	Events []*Appointment `json:"events"`
}
