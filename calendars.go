package ghl

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// CalendarsService reaches the Calendars API (Version 2021-04-15): calendars, their free
// slots, and the appointments booked in them. Appointment methods live in
// calendars_appointments.go, appointment notes in calendars_notes.go.
type CalendarsService service

// Calendar is a booking calendar of a location.
type Calendar struct {
	ID          string `json:"id,omitempty"`
	LocationID  string `json:"locationId,omitempty"`
	GroupID     string `json:"groupId,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Slug        string `json:"slug,omitempty"`
	// CalendarType is one of round_robin, event, class_booking, collective, service_booking
	// or personal (kept as a string, since GHL adds types).
	CalendarType string `json:"calendarType,omitempty"`
	// IsActive is false for a draft calendar.
	IsActive    *bool                `json:"isActive,omitempty"`
	TeamMembers []CalendarTeamMember `json:"teamMembers,omitempty"`
	// SlotDuration is the length of an appointment, in SlotDurationUnit ("mins" or "hours").
	SlotDuration     int    `json:"slotDuration,omitempty"`
	SlotDurationUnit string `json:"slotDurationUnit,omitempty"`
	// SlotInterval is the step between the start times offered, in SlotIntervalUnit.
	SlotInterval     int    `json:"slotInterval,omitempty"`
	SlotIntervalUnit string `json:"slotIntervalUnit,omitempty"`
	// AppointmentsPerSlot is how many bookings one slot takes (per user); GHL spells the
	// member "appoinmentPerSlot".
	AppointmentsPerSlot int `json:"appoinmentPerSlot,omitempty"`
	// OpenHours are the weekly working hours, in the location's timezone.
	OpenHours []OpenHours `json:"openHours,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var calendarFields = jsonx.FieldsOf[Calendar]()

// UnmarshalJSON decodes a calendar and keeps the fields it does not name in Extra.
func (c *Calendar) UnmarshalJSON(data []byte) error { return decodeModel(data, c) }

// MarshalJSON encodes the calendar with its Extra fields.
func (c Calendar) MarshalJSON() ([]byte, error) {
	type plain Calendar
	return encodeWithExtra(plain(c), calendarFields, c.Extra, nil)
}

// CalendarTeamMember is a user who takes the bookings of a calendar.
type CalendarTeamMember struct {
	UserID string `json:"userId"`
	// Priority is 0, 0.5 or 1 (round robin weight).
	Priority  float64 `json:"priority,omitempty"`
	IsPrimary bool    `json:"isPrimary,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var teamMemberFields = jsonx.FieldsOf[CalendarTeamMember]()

// UnmarshalJSON decodes a team member and keeps the fields it does not name in Extra.
func (m *CalendarTeamMember) UnmarshalJSON(data []byte) error { return decodeModel(data, m) }

// MarshalJSON encodes the team member with its Extra fields.
func (m CalendarTeamMember) MarshalJSON() ([]byte, error) {
	type plain CalendarTeamMember
	return encodeWithExtra(plain(m), teamMemberFields, m.Extra, nil)
}

// OpenHours are the working hours of some days of the week.
type OpenHours struct {
	// DaysOfTheWeek are 0 (Sunday) to 6 (Saturday).
	DaysOfTheWeek []int       `json:"daysOfTheWeek"`
	Hours         []HourRange `json:"hours"`
}

// HourRange is one stretch of working time in a day, in local wall-clock time.
type HourRange struct {
	OpenHour    int `json:"openHour"`
	OpenMinute  int `json:"openMinute"`
	CloseHour   int `json:"closeHour"`
	CloseMinute int `json:"closeMinute"`
}

// CalendarListOptions filters List.
type CalendarListOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	GroupID    string `url:"groupId,omitempty"`
	// ShowDrafted, when false, leaves out draft calendars (GHL's default is true).
	ShowDrafted *bool `url:"showDrafted,omitempty"`
}

// List returns the location's calendars (GET /calendars/, with GHL's trailing slash).
func (s *CalendarsService) List(ctx context.Context, opts *CalendarListOptions) ([]*Calendar, *Response, error) {
	var o CalendarListOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/calendars/", route: "/calendars/", query: q, family: APICalendars},
		func(e *calendarList) []*Calendar { return e.Calendars })
}

// calendarList is the answer of List.
type calendarList struct {
	Calendars []*Calendar `json:"calendars"`
}

// MaxFreeSlotsRange is the longest range FreeSlots may ask for: GHL refuses more than 31 days.
const MaxFreeSlotsRange = 31 * 24 * time.Hour

// FreeSlotsOptions says which free slots FreeSlots asks for.
type FreeSlotsOptions struct {
	// Start and End bound the range (sent as epoch milliseconds); both are required and the
	// range may not exceed MaxFreeSlotsRange.
	Start, End time.Time
	// Timezone is the IANA name (e.g. "America/New_York") the slots are computed and returned
	// in. Empty leaves it to GHL (the calendar's timezone); the slots then keep the offsets GHL
	// sent.
	Timezone string
	// UserID or UserIDs restrict the slots to those users' availability.
	UserID  string
	UserIDs []string
}

// FreeSlots returns the start times still free in a calendar between opts.Start and opts.End,
// in ascending order, each in opts.Timezone when one is given. Book one of them as it is:
// GHL checks a booking against its own slot list.
func (s *CalendarsService) FreeSlots(ctx context.Context, calendarID string, opts *FreeSlotsOptions) ([]time.Time, *Response, error) {
	ids, err := escapeIDs("calendarID", calendarID)
	if err != nil {
		return nil, nil, err
	}
	if opts == nil {
		return nil, nil, &InvalidParamError{Param: "opts", Reason: "must not be nil: Start and End are required"}
	}
	if err := checkRange("opts", opts.Start, opts.End, MaxFreeSlotsRange); err != nil {
		return nil, nil, err
	}
	q := url.Values{
		"startDate": {strconv.FormatInt(opts.Start.UnixMilli(), 10)},
		"endDate":   {strconv.FormatInt(opts.End.UnixMilli(), 10)},
	}
	var loc *time.Location
	if opts.Timezone != "" {
		if loc, err = time.LoadLocation(opts.Timezone); err != nil || opts.Timezone == "Local" {
			return nil, nil, &InvalidParamError{Param: "opts.Timezone", Reason: fmt.Sprintf("%q is not an IANA timezone name", opts.Timezone)}
		}
		q.Set("timezone", opts.Timezone)
	}
	if opts.UserID != "" {
		if err := checkID("opts.UserID", opts.UserID); err != nil {
			return nil, nil, err
		}
		q.Set("userId", opts.UserID)
	}
	for i, id := range opts.UserIDs {
		if err := checkID(fmt.Sprintf("opts.UserIDs[%d]", i), id); err != nil {
			return nil, nil, err
		}
		q.Add("userIds", id)
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/calendars/" + ids[0] + "/free-slots", route: "/calendars/{calendarId}/free-slots", query: q, family: APICalendars},
		func(e *freeSlots) []time.Time {
			if loc != nil {
				for i, t := range e.slots {
					e.slots[i] = t.In(loc)
				}
			}
			return e.slots
		})
}

// checkRange checks a required time range: both ends set, end not before start, at most max
// long (0: no limit).
func checkRange(param string, start, end time.Time, max time.Duration) error {
	switch {
	case start.IsZero():
		return &InvalidParamError{Param: param + ".Start", Reason: "must be set"}
	case end.IsZero():
		return &InvalidParamError{Param: param + ".End", Reason: "must be set"}
	case end.Before(start):
		return &InvalidParamError{Param: param + ".End", Reason: "is before Start"}
	case max > 0 && end.Sub(start) > max:
		return &InvalidParamError{Param: param + ".End", Reason: fmt.Sprintf("the range of %v is longer than GHL's limit of %v", end.Sub(start), max)}
	}
	return nil
}

// freeSlots decodes GHL's free-slots answer: an object keyed by date ("2024-10-28") whose
// values hold the day's slots, beside which GHL puts a "traceId" (and may put other
// metadata), which is skipped.
type freeSlots struct{ slots []time.Time }

func (f *freeSlots) UnmarshalJSON(data []byte) error {
	var days map[string]json.RawMessage
	if err := json.Unmarshal(data, &days); err != nil {
		return err
	}
	f.slots = f.slots[:0]
	for key, raw := range days {
		if _, err := time.Parse(time.DateOnly, key); err != nil {
			continue // traceId and other metadata
		}
		var day struct {
			Slots []string `json:"slots"`
		}
		if err := json.Unmarshal(raw, &day); err != nil {
			return fmt.Errorf("free slots of %s: %w", key, err)
		}
		for _, s := range day.Slots {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return fmt.Errorf("free slot %q of %s: %w", s, key, err)
			}
			f.slots = append(f.slots, t)
		}
	}
	sort.Slice(f.slots, func(i, j int) bool { return f.slots[i].Before(f.slots[j]) })
	return nil
}
