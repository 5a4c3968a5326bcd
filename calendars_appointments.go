package ghl

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// The appointment statuses GHL documents (AppointmentStatus is a plain string: GHL also
// reports "active" and "completed" on some calendars).
const (
	AppointmentStatusNew       = "new"
	AppointmentStatusConfirmed = "confirmed"
	AppointmentStatusCancelled = "cancelled"
	AppointmentStatusShowed    = "showed"
	AppointmentStatusNoShow    = "noshow"
	AppointmentStatusInvalid   = "invalid"
)

// CalendarEvent is an appointment (or another event) in a calendar, as Book, UpdateAppointment,
// GetAppointment and Events return it. The endpoints differ only in which fields they send.
// GHL sends times in RFC 3339 with the offset of the calendar's timezone; Time keeps the text.
type CalendarEvent struct {
	ID                string   `json:"id,omitempty"`
	Title             string   `json:"title,omitempty"`
	CalendarID        string   `json:"calendarId,omitempty"`
	LocationID        string   `json:"locationId,omitempty"`
	ContactID         string   `json:"contactId,omitempty"`
	GroupID           string   `json:"groupId,omitempty"`
	AppointmentStatus string   `json:"appointmentStatus,omitempty"`
	AssignedUserID    string   `json:"assignedUserId,omitempty"` // the primary owner
	Users             []string `json:"users,omitempty"`          // the secondary owners
	Notes             string   `json:"notes,omitempty"`
	Description       string   `json:"description,omitempty"`
	Address           string   `json:"address,omitempty"`
	// MeetingLocationType is e.g. "custom", "phone" or "zoom".
	MeetingLocationType string `json:"meetingLocationType,omitempty"`
	// RRule is the recurrence rule of a recurring event; MasterEventID names the series of a
	// recurring instance. (GHL's isRecurring flag stays in Extra: its documented example is a
	// string, not a boolean.)
	RRule             string          `json:"rrule,omitempty"`
	MasterEventID     string          `json:"masterEventId,omitempty"`
	StartTime         *Time           `json:"startTime,omitempty"`
	EndTime           *Time           `json:"endTime,omitempty"`
	DateAdded         *Time           `json:"dateAdded,omitempty"`
	DateUpdated       *Time           `json:"dateUpdated,omitempty"`
	AssignedResources []string        `json:"assignedResources,omitempty"`
	CreatedBy         *EventCreatedBy `json:"createdBy,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var calendarEventFields = jsonx.FieldsOf[CalendarEvent]()

// UnmarshalJSON decodes an event and keeps the fields it does not name in Extra.
func (e *CalendarEvent) UnmarshalJSON(data []byte) error { return decodeModel(data, e) }

// MarshalJSON encodes the event with its Extra fields and its times as received.
func (e CalendarEvent) MarshalJSON() ([]byte, error) {
	type plain CalendarEvent
	return encodeWithExtra(plain(e), calendarEventFields, e.Extra, nil)
}

// EventCreatedBy says who booked an appointment.
type EventCreatedBy struct {
	UserID string `json:"userId,omitempty"`
	Source string `json:"source,omitempty"`
}

// AppointmentRequest is the body of Book. CalendarID, ContactID and StartTime are required;
// LocationID defaults to the client's location.
type AppointmentRequest struct {
	CalendarID string `json:"calendarId"`
	LocationID string `json:"locationId"`
	ContactID  string `json:"contactId"`
	// StartTime is sent in RFC 3339 with its own offset: pass a slot from FreeSlots as it is.
	StartTime time.Time `json:"startTime"`
	// EndTime, if nil, is left to GHL (StartTime plus the calendar's slot duration).
	EndTime *time.Time `json:"endTime,omitempty"`

	Title             string `json:"title,omitempty"`
	Description       string `json:"description,omitempty"`
	AppointmentStatus string `json:"appointmentStatus,omitempty"`
	AssignedUserID    string `json:"assignedUserId,omitempty"`
	Address           string `json:"address,omitempty"`
	// MeetingLocationType is custom, zoom, gmeet, phone, address, ms_teams or google.
	MeetingLocationType    string `json:"meetingLocationType,omitempty"`
	MeetingLocationID      string `json:"meetingLocationId,omitempty"`
	OverrideLocationConfig *bool  `json:"overrideLocationConfig,omitempty"`
	// IgnoreDateRange skips the minimum scheduling notice and the date range.
	IgnoreDateRange *bool `json:"ignoreDateRange,omitempty"`
	// ToNotify, when false, keeps GHL's automations from running.
	ToNotify *bool `json:"toNotify,omitempty"`
	// IgnoreFreeSlotValidation books even when the time is not a free slot.
	IgnoreFreeSlotValidation *bool  `json:"ignoreFreeSlotValidation,omitempty"`
	RRule                    string `json:"rrule,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var appointmentRequestFields = jsonx.FieldsOf[AppointmentRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r AppointmentRequest) MarshalJSON() ([]byte, error) {
	type plain AppointmentRequest
	return encodeWithExtra(plain(r), appointmentRequestFields, r.Extra, nil)
}

// AppointmentUpdateRequest is the body of UpdateAppointment: only the fields set are sent.
// StartTime and EndTime move the appointment, CalendarID moves it to another calendar,
// AssignedUserID reassigns it. To send an explicit null, list the field's JSON name in Null.
type AppointmentUpdateRequest struct {
	CalendarID        string     `json:"calendarId,omitempty"`
	StartTime         *time.Time `json:"startTime,omitempty"`
	EndTime           *time.Time `json:"endTime,omitempty"`
	Title             string     `json:"title,omitempty"`
	Description       string     `json:"description,omitempty"`
	AppointmentStatus string     `json:"appointmentStatus,omitempty"`
	AssignedUserID    string     `json:"assignedUserId,omitempty"`
	Address           string     `json:"address,omitempty"`

	MeetingLocationType      string `json:"meetingLocationType,omitempty"`
	MeetingLocationID        string `json:"meetingLocationId,omitempty"`
	OverrideLocationConfig   *bool  `json:"overrideLocationConfig,omitempty"`
	IgnoreDateRange          *bool  `json:"ignoreDateRange,omitempty"`
	ToNotify                 *bool  `json:"toNotify,omitempty"`
	IgnoreFreeSlotValidation *bool  `json:"ignoreFreeSlotValidation,omitempty"`
	RRule                    string `json:"rrule,omitempty"`

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var appointmentUpdateFields = jsonx.FieldsOf[AppointmentUpdateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r AppointmentUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain AppointmentUpdateRequest
	return encodeWithExtra(plain(r), appointmentUpdateFields, r.Extra, r.Null)
}

// Book creates an appointment (POST /calendars/events/appointments). Unless
// IgnoreFreeSlotValidation is set, GHL refuses a time that is not a free slot of the calendar
// (400 "The slot you have selected is no longer available."), so two bookings of one slot
// cannot both succeed. A booking that fails with a 5xx or a broken connection is not resent,
// since GHL might have made it.
func (s *CalendarsService) Book(ctx context.Context, req *AppointmentRequest) (*CalendarEvent, *Response, error) {
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	body := *req
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	for _, p := range [][2]string{{"req.CalendarID", body.CalendarID}, {"req.LocationID", body.LocationID}, {"req.ContactID", body.ContactID}} {
		if err := checkID(p[0], p[1]); err != nil {
			return nil, nil, err
		}
	}
	if body.StartTime.IsZero() {
		return nil, nil, &InvalidParamError{Param: "req.StartTime", Reason: "must be set"}
	}
	if body.EndTime != nil && !body.EndTime.After(body.StartTime) {
		return nil, nil, &InvalidParamError{Param: "req.EndTime", Reason: "must be after StartTime"}
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/calendars/events/appointments", route: "/calendars/events/appointments", body: &body, family: APICalendars}, self[CalendarEvent])
}

// UpdateAppointment changes an appointment: moves it (StartTime, EndTime, CalendarID),
// reassigns it (AssignedUserID) or changes its status. For a recurring series, pass the
// master event's ID to change the whole series.
func (s *CalendarsService) UpdateAppointment(ctx context.Context, eventID string, req *AppointmentUpdateRequest) (*CalendarEvent, *Response, error) {
	ids, err := escapeIDs("eventID", eventID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	if req.StartTime != nil && req.EndTime != nil && !req.EndTime.After(*req.StartTime) {
		return nil, nil, &InvalidParamError{Param: "req.EndTime", Reason: "must be after StartTime"}
	}
	return s.putAppointment(ctx, ids[0], req)
}

// CancelAppointment cancels an appointment by setting its status to "cancelled": the
// appointment stays in GHL with its history (and GHL reports an AppointmentUpdate), and its
// slot is free again. DeleteEvent removes it instead.
func (s *CalendarsService) CancelAppointment(ctx context.Context, eventID string) (*CalendarEvent, *Response, error) {
	ids, err := escapeIDs("eventID", eventID)
	if err != nil {
		return nil, nil, err
	}
	return s.putAppointment(ctx, ids[0], &AppointmentUpdateRequest{AppointmentStatus: AppointmentStatusCancelled})
}

func (s *CalendarsService) putAppointment(ctx context.Context, escapedID string, body *AppointmentUpdateRequest) (*CalendarEvent, *Response, error) {
	return fetch(ctx, s.client, &request{method: http.MethodPut, path: "/calendars/events/appointments/" + escapedID, route: "/calendars/events/appointments/{eventId}", body: body, family: APICalendars}, self[CalendarEvent])
}

// GetAppointment fetches one appointment.
func (s *CalendarsService) GetAppointment(ctx context.Context, eventID string) (*CalendarEvent, *Response, error) {
	ids, err := escapeIDs("eventID", eventID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/calendars/events/appointments/" + ids[0], route: "/calendars/events/appointments/{eventId}", family: APICalendars},
		func(e *calendarEventEnvelope) *CalendarEvent { return e.Event })
}

// calendarEventEnvelope is the answer of GetAppointment.
type calendarEventEnvelope struct {
	Event *CalendarEvent `json:"event"`
}

// DeleteEvent deletes an event (an appointment or a blocked slot) outright, leaving no
// history; CancelAppointment keeps it.
func (s *CalendarsService) DeleteEvent(ctx context.Context, eventID string) (*Response, error) {
	ids, err := escapeIDs("eventID", eventID)
	if err != nil {
		return nil, err
	}
	// GHL's spec requires a body, an empty object.
	return s.client.doAck(ctx, &request{method: http.MethodDelete, path: "/calendars/events/" + ids[0], route: "/calendars/events/{eventId}", body: struct{}{}, family: APICalendars})
}

// EventListOptions says which events Events yields: those of one calendar, one user or one
// group (exactly one of CalendarID, UserID and GroupID) between Start and End.
type EventListOptions struct {
	// LocationID defaults to the client's location.
	LocationID string
	CalendarID string
	UserID     string // the appointments this user owns
	GroupID    string
	// Start and End are required; they are sent as epoch milliseconds.
	Start, End time.Time
}

func (o *EventListOptions) query(defaultLocation string) (url.Values, error) {
	loc := o.LocationID
	if loc == "" {
		loc = defaultLocation
	}
	if err := checkID("opts.LocationID", loc); err != nil {
		return nil, err
	}
	q := url.Values{"locationId": {loc}}
	var set []string
	for _, p := range [][3]string{{"calendarId", "CalendarID", o.CalendarID}, {"userId", "UserID", o.UserID}, {"groupId", "GroupID", o.GroupID}} {
		if p[2] == "" {
			continue
		}
		if err := checkID("opts."+p[1], p[2]); err != nil {
			return nil, err
		}
		q.Set(p[0], p[2])
		set = append(set, p[1])
	}
	if len(set) != 1 {
		reason := "none is set"
		if len(set) > 1 {
			reason = strings.Join(set, " and ") + " are set"
		}
		return nil, &InvalidParamError{Param: "opts", Reason: "exactly one of CalendarID, UserID and GroupID is required; " + reason}
	}
	if err := checkRange("opts", o.Start, o.End, 0); err != nil {
		return nil, err
	}
	q.Set("startTime", strconv.FormatInt(o.Start.UnixMilli(), 10))
	q.Set("endTime", strconv.FormatInt(o.End.UnixMilli(), 10))
	return q, nil
}

// Events yields the events of a calendar, a user or a group in a time range, as GHL orders
// them. GHL does not page this endpoint: the range is fetched in one request when iteration
// starts; the iterator lets a caller stop early and reads like the other list methods. Bad
// options are yielded as an error before anything is sent.
func (s *CalendarsService) Events(ctx context.Context, opts *EventListOptions) iter.Seq2[*CalendarEvent, error] {
	if opts == nil {
		return errSeq[*CalendarEvent](&InvalidParamError{Param: "opts", Reason: "must not be nil: a calendar, user or group and a range are required"})
	}
	q, err := opts.query(s.client.locationID)
	if err != nil {
		return errSeq[*CalendarEvent](err)
	}
	const route = "/calendars/events"
	return paginate(ctx, route, 0, func(ctx context.Context, _, _ int) (pageOf[*CalendarEvent, int], error) {
		events, _, err := fetch(ctx, s.client, &request{method: http.MethodGet, path: route, route: route, query: q, family: APICalendars},
			func(e *calendarEventList) []*CalendarEvent { return e.Events })
		return pageOf[*CalendarEvent, int]{items: events}, err
	})
}

// calendarEventList is the answer of GET /calendars/events.
type calendarEventList struct {
	Events []*CalendarEvent `json:"events"`
}
