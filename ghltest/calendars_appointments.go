package ghltest

import (
	"net/http"
	"slices"
	"sort"
	"time"
)

// Appointments through the Calendars API: book, move, reassign, cancel, delete, get, list.
// They are kept with the contact's appointments (appointments.go), so GET
// /contacts/{id}/appointments and free slots see the same bookings.

// slotTaken is GHL's answer to a booking at a time that is not a free slot (observed; see
// FIDELITY.md).
const slotTaken = "The slot you have selected is no longer available."

// eventMeta is what the Calendars API keeps beside a stored appointment.
type eventMeta struct {
	description, meetingLocationType, meetingLocationID, rrule string
	updated                                                    time.Time
}

// appointment body fields, by the type GHL validates them as.
var (
	apptStringFields = []string{"calendarId", "locationId", "contactId", "startTime", "endTime", "title", "description",
		"appointmentStatus", "assignedUserId", "address", "meetingLocationType", "meetingLocationId", "rrule"}
	apptBoolFields    = []string{"overrideLocationConfig", "ignoreDateRange", "toNotify", "ignoreFreeSlotValidation"}
	apptStatuses      = []string{"new", "confirmed", "cancelled", "showed", "noshow", "invalid"}
	meetingLocationTs = []string{"custom", "zoom", "gmeet", "phone", "address", "ms_teams", "google"}
)

// checkApptBody validates an appointment body as GHL's DTO does: no unknown property, the
// documented types and enums. create adds the create-only fields.
func checkApptBody(in map[string]any, create bool) []string {
	var msgs []string
	for k, v := range in {
		switch {
		case slices.Contains(apptStringFields, k):
			if !create && (k == "locationId" || k == "contactId") {
				msgs = append(msgs, "property "+k+" should not exist")
			} else if _, ok := v.(string); !ok {
				msgs = append(msgs, k+" must be a string")
			}
		case slices.Contains(apptBoolFields, k):
			if _, ok := v.(bool); !ok {
				msgs = append(msgs, k+" must be a boolean value")
			}
		default:
			msgs = append(msgs, "property "+k+" should not exist")
		}
	}
	if st, ok := in["appointmentStatus"].(string); ok && !slices.Contains(apptStatuses, st) {
		msgs = append(msgs, "appointmentStatus must be one of the following values: new, confirmed, cancelled, showed, noshow, invalid")
	}
	if mt, ok := in["meetingLocationType"].(string); ok && !slices.Contains(meetingLocationTs, mt) {
		msgs = append(msgs, "meetingLocationType must be one of the following values: custom, zoom, gmeet, phone, address, ms_teams, google")
	}
	if create {
		for _, k := range []string{"calendarId", "locationId", "contactId", "startTime"} {
			if str(in, k) == "" {
				msgs = append(msgs, k+" should not be empty")
			}
		}
	}
	for _, k := range []string{"startTime", "endTime"} {
		if v := str(in, k); v != "" {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				msgs = append(msgs, k+" must be a valid ISO 8601 date string")
			}
		}
	}
	sort.Strings(msgs)
	return msgs
}

func parsedTime(in map[string]any, k string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, str(in, k))
	return t, err == nil
}

func (s *Server) bookAppointment(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	if msgs := checkApptBody(in, true); len(msgs) > 0 {
		writeBadRequest(w, msgs...)
		return
	}
	if !checkLocationID(w, l, str(in, "locationId")) {
		return
	}
	start, _ := parsedTime(in, "startTime")
	ignore, _ := in["ignoreFreeSlotValidation"].(bool)
	s.locked(func() func() {
		cl := s.calLocLocked(l.id)
		d := cl.calendars[str(in, "calendarId")]
		c := l.contacts[str(in, "contactId")]
		assignee := str(in, "assignedUserId")
		switch {
		case d == nil:
			return func() { writeBadRequest(w, "Calendar not found") }
		case c == nil:
			return func() { writeBadRequest(w, "Contact not found") }
		case assignee != "" && !s.userInLocationLocked(assignee, l.id):
			return func() { writeBadRequest(w, "User not found") }
		}
		end := start.Add(d.c.SlotDuration)
		if e, ok := parsedTime(in, "endTime"); ok {
			end = e
		}
		if !end.After(start) {
			return func() { writeBadRequest(w, "endTime must be after startTime") }
		}
		status := str(in, "appointmentStatus")
		if status == "" {
			status = "confirmed" // the calendar confirms automatically (autoConfirm)
		}
		if blocking(status) && !ignore {
			user, ok := s.slotLocked(l, cl, d, start, assignee, "")
			if !ok {
				return func() { writeBadRequest(w, slotTaken) }
			}
			if assignee == "" {
				assignee = user
			}
		} else if assignee == "" && len(d.c.TeamMembers) > 0 {
			assignee = d.c.TeamMembers[0]
		}
		title := str(in, "title")
		if title == "" {
			title = c.str("name") // the calendar's event title, "{{contact.name}}"
		}
		tz := cl.tz()
		a := &appointmentDoc{id: newID(), contactID: c.id(), loc: l.id, added: s.clock(), a: Appointment{
			CalendarID: d.id, Title: title, Status: statusOf(status), AppointmentStatus: status, AssignedUserID: assignee,
			GroupID: d.c.GroupID, Users: []string{}, Address: str(in, "address"), Source: "third_party",
			StartTime: start.In(tz), EndTime: end.In(tz),
		}}
		l.appts[c.id()] = append(l.appts[c.id()], a)
		cl.events[a.id] = &eventMeta{description: str(in, "description"), meetingLocationType: str(in, "meetingLocationType"),
			meetingLocationID: str(in, "meetingLocationId"), rrule: str(in, "rrule"), updated: a.added}
		body, ev := s.apptJSONLocked(cl, a), apptEventLocked(cl, a)
		return func() {
			s.emit(l.id, "AppointmentCreate", ev)
			writeJSON(w, http.StatusOK, body)
		}
	})
}

// statusOf is the event status the contact's appointment list reports.
func statusOf(appointmentStatus string) string {
	if appointmentStatus == "cancelled" {
		return "cancelled"
	}
	return "booked"
}

func (s *Server) updateAppointment(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	if msgs := checkApptBody(in, false); len(msgs) > 0 {
		writeBadRequest(w, msgs...)
		return
	}
	s.locked(func() func() {
		cl := s.calLocLocked(l.id)
		a := findApptLocked(l, r.PathValue("eventId"))
		if a == nil {
			return func() { writeBadRequest(w, "Appointment not found") }
		}
		old := a.a
		next := a.a
		d := cl.calendars[old.CalendarID]
		if id, ok := in["calendarId"].(string); ok {
			if d = cl.calendars[id]; d == nil {
				return func() { writeBadRequest(w, "Calendar not found") }
			}
			next.CalendarID, next.GroupID = d.id, d.c.GroupID
		}
		if u, ok := in["assignedUserId"].(string); ok {
			if u != "" && !s.userInLocationLocked(u, l.id) {
				return func() { writeBadRequest(w, "User not found") }
			}
			next.AssignedUserID = u
		}
		if t, ok := parsedTime(in, "startTime"); ok {
			next.StartTime, next.EndTime = t, t.Add(old.EndTime.Sub(old.StartTime))
		}
		if t, ok := parsedTime(in, "endTime"); ok {
			next.EndTime = t
		}
		if !next.EndTime.After(next.StartTime) {
			return func() { writeBadRequest(w, "endTime must be after startTime") }
		}
		if st, ok := in["appointmentStatus"].(string); ok {
			next.AppointmentStatus, next.Status = st, statusOf(st)
		}
		ignore, _ := in["ignoreFreeSlotValidation"].(bool)
		moved := !next.StartTime.Equal(old.StartTime) || next.CalendarID != old.CalendarID || next.AssignedUserID != old.AssignedUserID
		revived := !blocking(old.AppointmentStatus)
		if blocking(next.AppointmentStatus) && !ignore && (moved || revived) && d != nil {
			user, ok := s.slotLocked(l, cl, d, next.StartTime, next.AssignedUserID, a.id)
			if !ok {
				return func() { writeBadRequest(w, slotTaken) }
			}
			if next.AssignedUserID == "" {
				next.AssignedUserID = user
			}
		}
		for k, dst := range map[string]*string{"title": &next.Title, "address": &next.Address} {
			if v, ok := in[k].(string); ok {
				*dst = v
			}
		}
		tz := cl.tz()
		next.StartTime, next.EndTime = next.StartTime.In(tz), next.EndTime.In(tz)
		a.a = next
		m := cl.meta(a.id)
		for k, dst := range map[string]*string{"description": &m.description, "meetingLocationType": &m.meetingLocationType,
			"meetingLocationId": &m.meetingLocationID, "rrule": &m.rrule} {
			if v, ok := in[k].(string); ok {
				*dst = v
			}
		}
		m.updated = s.clock()
		// Every update is reported, a cancellation included (appointmentStatus "cancelled").
		body, ev := s.apptJSONLocked(cl, a), apptEventLocked(cl, a)
		return func() {
			s.emit(l.id, "AppointmentUpdate", ev)
			writeJSON(w, http.StatusOK, body)
		}
	})
}

// meta returns the Calendars API's record of an appointment, making one for an appointment
// booked otherwise (BookAppointment).
func (cl *calLocation) meta(id string) *eventMeta {
	m := cl.events[id]
	if m == nil {
		m = &eventMeta{}
		cl.events[id] = m
	}
	return m
}

func findApptLocked(l *location, id string) *appointmentDoc {
	for _, list := range l.appts {
		for _, a := range list {
			if a.id == id {
				return a
			}
		}
	}
	return nil
}

func (s *Server) getAppointment(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := findApptLocked(l, r.PathValue("eventId"))
	if a == nil {
		writeBadRequest(w, "Appointment not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": s.eventJSONLocked(s.calLocLocked(l.id), a), "traceId": newID()})
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	if r.ContentLength != 0 {
		var in map[string]any
		if !decodeBody(w, r, &in) {
			return
		}
		var extra []string
		for k := range in {
			extra = append(extra, "property "+k+" should not exist")
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			writeBadRequest(w, extra...)
			return
		}
	}
	s.locked(func() func() {
		a := findApptLocked(l, r.PathValue("eventId"))
		if a == nil {
			return func() { writeBadRequest(w, "Event not found") }
		}
		cl := s.calLocLocked(l.id)
		ev := apptEventLocked(cl, a) // the appointment as it was
		l.appts[a.contactID] = slices.DeleteFunc(l.appts[a.contactID], func(x *appointmentDoc) bool { return x == a })
		delete(cl.events, a.id)
		delete(cl.apptNotes, a.id)
		return func() {
			s.emit(l.id, "AppointmentDelete", ev)
			writeJSON(w, http.StatusCreated, map[string]any{"succeeded": true})
		}
	})
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	q := r.URL.Query()
	if q.Get("locationId") == "" {
		writeBadRequest(w, "locationId should not be empty")
		return
	}
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	from, okFrom := parseMillis(q.Get("startTime"))
	to, okTo := parseMillis(q.Get("endTime"))
	if !okFrom || !okTo {
		writeBadRequest(w, "startTime and endTime must be epoch milliseconds")
		return
	}
	var by []string
	for _, k := range []string{"calendarId", "userId", "groupId"} {
		if q.Get(k) != "" {
			by = append(by, k)
		}
	}
	switch len(by) {
	case 0:
		writeBadRequest(w, "Either of calendarId, userId or groupId is required")
		return
	case 1:
	default:
		writeBadRequest(w, "Only one of calendarId, userId or groupId may be given")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.calLocLocked(l.id)
	var found []*appointmentDoc
	for _, list := range l.appts {
		for _, a := range list {
			if a.a.StartTime.Before(from) || a.a.StartTime.After(to) {
				continue
			}
			var match bool
			switch by[0] {
			case "calendarId":
				match = a.a.CalendarID == q.Get("calendarId")
			case "userId":
				match = a.a.AssignedUserID == q.Get("userId") || slices.Contains(a.a.Users, q.Get("userId"))
			case "groupId":
				d := cl.calendars[a.a.CalendarID]
				match = (d != nil && d.c.GroupID == q.Get("groupId")) || a.a.GroupID == q.Get("groupId")
			}
			if match {
				found = append(found, a)
			}
		}
	}
	slices.SortFunc(found, func(a, b *appointmentDoc) int {
		if c := a.a.StartTime.Compare(b.a.StartTime); c != 0 {
			return c
		}
		return a.added.Compare(b.added)
	})
	events := make([]map[string]any, len(found))
	for i, a := range found {
		events[i] = s.eventJSONLocked(cl, a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "traceId": newID()})
}

// apptJSONLocked is an appointment as create and update return it (AppointmentSchemaResponse).
func (s *Server) apptJSONLocked(cl *calLocation, a *appointmentDoc) map[string]any {
	m := cl.meta(a.id)
	mt := m.meetingLocationType
	if mt == "" {
		mt = "default"
	}
	tz := cl.tz()
	out := map[string]any{
		"id": a.id, "calendarId": a.a.CalendarID, "locationId": a.loc, "contactId": a.contactID,
		"startTime": a.a.StartTime.In(tz).Format(time.RFC3339), "endTime": a.a.EndTime.In(tz).Format(time.RFC3339),
		"title": a.a.Title, "meetingLocationType": mt, "appointmentStatus": a.a.AppointmentStatus,
		"assignedUserId": a.a.AssignedUserID, "address": a.a.Address, "isRecurring": m.rrule != "",
	}
	if m.rrule != "" {
		out["rrule"] = m.rrule
	}
	return out
}

// eventJSONLocked is an appointment as get and list return it (CalendarEventDTO).
func (s *Server) eventJSONLocked(cl *calLocation, a *appointmentDoc) map[string]any {
	m := cl.meta(a.id)
	tz := cl.tz()
	updated := m.updated
	if updated.IsZero() {
		updated = a.added
	}
	source := a.a.Source
	if source == "" {
		source = "third_party"
	}
	out := map[string]any{
		"id": a.id, "address": a.a.Address, "title": a.a.Title, "calendarId": a.a.CalendarID, "locationId": a.loc,
		"contactId": a.contactID, "groupId": a.a.GroupID, "appointmentStatus": a.a.AppointmentStatus,
		"assignedUserId": a.a.AssignedUserID, "users": slices.Clone(a.a.Users), "notes": a.a.Notes,
		"description": m.description, "isRecurring": m.rrule != "",
		"startTime": a.a.StartTime.In(tz).Format(time.RFC3339), "endTime": a.a.EndTime.In(tz).Format(time.RFC3339),
		"dateAdded": a.added.In(tz).Format(time.RFC3339), "dateUpdated": updated.In(tz).Format(time.RFC3339),
		"assignedResources": []string{}, "createdBy": map[string]any{"source": source},
	}
	if m.rrule != "" {
		out["rrule"] = m.rrule
	}
	return out
}
