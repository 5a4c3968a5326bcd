package ghltest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Calendars, Users and Locations APIs of the fake: calendars with working hours in the
// location's timezone, free slots that shrink as appointments are booked, booking, moving and
// cancelling, appointment notes, users with extensions, location details, contact custom
// fields and the tag catalogue. FIDELITY.md gives each behaviour's source.

// calState is the fake's Calendars, Users and Locations data, guarded by Server.mu.
type calState struct {
	locs      map[string]*calLocation // by location ID, made on first use
	users     map[string]*userDoc     // company-wide, by user ID
	userOrder []string
	seq       int // orders users and calendars by creation
}

// calLocation is one location's calendars, appointment extras, custom fields and tags.
type calLocation struct {
	details    LocationDetails
	calendars  map[string]*calendarDoc
	calOrder   []string
	events     map[string]*eventMeta  // by appointment ID: what the Calendars API adds
	apptNotes  map[string][]*apptNote // by appointment ID
	fields     map[string]*customFieldDoc
	fieldOrder []string
	tags       []*tagDoc
}

// DefaultTimezone is the timezone of a location that SetLocationDetails has not given one.
const DefaultTimezone = "America/New_York"

// calLocLocked returns the location's calendar data, making it on first use.
func (s *Server) calLocLocked(id string) *calLocation {
	if s.cal.locs == nil {
		s.cal.locs = map[string]*calLocation{}
	}
	cl := s.cal.locs[id]
	if cl == nil {
		cl = &calLocation{
			details:   LocationDetails{Name: "ghltest " + id, Timezone: DefaultTimezone},
			calendars: map[string]*calendarDoc{},
			events:    map[string]*eventMeta{},
			apptNotes: map[string][]*apptNote{},
			fields:    map[string]*customFieldDoc{},
		}
		s.cal.locs[id] = cl
	}
	return cl
}

// tz returns the location's timezone (validated when it was set).
func (cl *calLocation) tz() *time.Location {
	loc, err := time.LoadLocation(cl.details.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Calendar describes a calendar to add with AddCalendar.
type Calendar struct {
	Name    string
	GroupID string
	// CalendarType is GHL's type; "" means "round_robin" with TeamMembers, else "event".
	CalendarType string
	// TeamMembers are the user IDs who take the bookings, in round-robin order.
	TeamMembers []string
	// SlotDuration is an appointment's length (default 30 minutes); SlotInterval the step
	// between the start times offered (default SlotDuration). Both are whole minutes.
	SlotDuration time.Duration
	SlotInterval time.Duration
	// AppointmentsPerSlot is how many bookings one slot takes per user (default 1).
	AppointmentsPerSlot int
	// OpenHours are the weekly working hours in the location's timezone; nil means Monday to
	// Friday, 9:00 to 17:00.
	OpenHours []OpenHours
	// Draft calendars are left out of GET /calendars/?showDrafted=false.
	Draft bool
}

// OpenHours is one stretch of working time on some days of the week, in local wall-clock
// time (the close time is exclusive for an appointment's end).
type OpenHours struct {
	Days                   []time.Weekday
	OpenHour, OpenMinute   int
	CloseHour, CloseMinute int
}

type calendarDoc struct {
	id, loc string
	c       Calendar
}

// AddCalendar adds a calendar to a location and returns its ID.
func (s *Server) AddCalendar(locationID string, c Calendar) (string, error) {
	if c.SlotDuration == 0 {
		c.SlotDuration = 30 * time.Minute
	}
	if c.SlotInterval == 0 {
		c.SlotInterval = c.SlotDuration
	}
	if c.AppointmentsPerSlot == 0 {
		c.AppointmentsPerSlot = 1
	}
	if c.SlotDuration%time.Minute != 0 || c.SlotInterval%time.Minute != 0 || c.SlotDuration < 0 || c.SlotInterval < 0 {
		return "", errors.New("ghltest: slot duration and interval must be whole minutes")
	}
	if c.OpenHours == nil {
		c.OpenHours = []OpenHours{{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, OpenHour: 9, CloseHour: 17}}
	}
	for _, h := range c.OpenHours {
		if h.OpenHour < 0 || h.OpenHour > 23 || h.CloseHour < 0 || h.CloseHour > 24 || h.OpenMinute < 0 || h.OpenMinute > 59 || h.CloseMinute < 0 || h.CloseMinute > 59 {
			return "", fmt.Errorf("ghltest: open hours %+v out of range", h)
		}
	}
	if c.CalendarType == "" {
		c.CalendarType = "event"
		if len(c.TeamMembers) > 0 {
			c.CalendarType = "round_robin"
		}
	}
	c.TeamMembers = slices.Clone(c.TeamMembers)
	c.OpenHours = slices.Clone(c.OpenHours)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.locations[locationID]; !ok {
		return "", fmt.Errorf("ghltest: unknown location %q", locationID)
	}
	for _, u := range c.TeamMembers {
		if d := s.cal.users[u]; d == nil || !slices.Contains(d.u.LocationIDs, locationID) {
			return "", fmt.Errorf("ghltest: team member %q is not a user of location %q", u, locationID)
		}
	}
	cl := s.calLocLocked(locationID)
	d := &calendarDoc{id: newID(), loc: locationID, c: c}
	cl.calendars[d.id] = d
	cl.calOrder = append(cl.calOrder, d.id)
	return d.id, nil
}

func (d *calendarDoc) json() map[string]any {
	members := make([]map[string]any, len(d.c.TeamMembers))
	for i, u := range d.c.TeamMembers {
		members[i] = map[string]any{"userId": u, "priority": 0.5, "isPrimary": i == 0, "meetingLocationType": "custom"}
	}
	hours := make([]map[string]any, len(d.c.OpenHours))
	for i, h := range d.c.OpenHours {
		days := make([]int, len(h.Days))
		for j, wd := range h.Days {
			days[j] = int(wd)
		}
		hours[i] = map[string]any{"daysOfTheWeek": days, "hours": []map[string]any{{
			"openHour": h.OpenHour, "openMinute": h.OpenMinute, "closeHour": h.CloseHour, "closeMinute": h.CloseMinute}}}
	}
	slug := strings.ToLower(strings.Join(strings.Fields(d.c.Name), "-"))
	return map[string]any{
		"id": d.id, "locationId": d.loc, "groupId": d.c.GroupID, "name": d.c.Name, "description": "",
		"slug": slug, "widgetSlug": slug, "calendarType": d.c.CalendarType, "widgetType": "classic",
		"eventTitle": "{{contact.name}}", "eventColor": "#039be5", "isActive": !d.c.Draft,
		"teamMembers": members, "slotDuration": int(d.c.SlotDuration / time.Minute), "slotDurationUnit": "mins",
		"slotInterval": int(d.c.SlotInterval / time.Minute), "slotIntervalUnit": "mins",
		"appoinmentPerSlot": d.c.AppointmentsPerSlot, "openHours": hours, "autoConfirm": true,
	}
}

func (s *Server) listCalendars(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	showDrafted := true
	switch v := q.Get("showDrafted"); v {
	case "", "true":
	case "false":
		showDrafted = false
	default:
		writeBadRequest(w, "showDrafted must be a boolean value")
		return
	}
	group := q.Get("groupId")
	s.mu.Lock()
	cl := s.calLocLocked(l.id)
	list := []map[string]any{}
	for _, id := range cl.calOrder {
		d := cl.calendars[id]
		if (group != "" && d.c.GroupID != group) || (d.c.Draft && !showDrafted) {
			continue
		}
		list = append(list, d.json())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"calendars": list})
}

// maxSlotRange is GHL's limit on a free-slots range.
const maxSlotRange = 31 * 24 * time.Hour

func (s *Server) freeSlots(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	var msgs []string
	from, okFrom := parseMillis(q.Get("startDate"))
	if !okFrom {
		msgs = append(msgs, "startDate must be a number conforming to the specified constraints")
	}
	to, okTo := parseMillis(q.Get("endDate"))
	if !okTo {
		msgs = append(msgs, "endDate must be a number conforming to the specified constraints")
	}
	if len(msgs) > 0 {
		writeBadRequest(w, msgs...)
		return
	}
	if to.Before(from) {
		writeBadRequest(w, "endDate must be after startDate")
		return
	}
	if to.Sub(from) > maxSlotRange {
		writeBadRequest(w, "Date range cannot be more than 31 days")
		return
	}
	var out *time.Location
	if name := q.Get("timezone"); name != "" {
		loc, err := time.LoadLocation(name)
		if err != nil || name == "Local" {
			writeBadRequest(w, "Invalid timezone: "+name)
			return
		}
		out = loc
	}
	users := q["userIds"]
	if u := q.Get("userId"); u != "" {
		users = append(users, u)
	}
	s.mu.Lock()
	cl := s.calLocLocked(l.id)
	d := cl.calendars[r.PathValue("calendarId")]
	if d == nil {
		s.mu.Unlock()
		writeBadRequest(w, "Calendar not found")
		return
	}
	if out == nil {
		out = cl.tz()
	}
	slots := s.freeSlotsLocked(l, cl, d, from, to, users, "")
	s.mu.Unlock()
	body := map[string]any{"traceId": newID()}
	for _, sl := range slots {
		t := sl.start.In(out)
		day := t.Format(time.DateOnly)
		m, _ := body[day].(map[string]any)
		if m == nil {
			m = map[string]any{"slots": []string{}}
			body[day] = m
		}
		m["slots"] = append(m["slots"].([]string), t.Format(time.RFC3339))
	}
	writeJSON(w, http.StatusOK, body)
}

// parseMillis reads an epoch-milliseconds number.
func parseMillis(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
