package ghltest

import (
	"slices"
	"time"
)

// StoredAppointment is a stored appointment, for tests to inspect: as booked (through the
// Calendars API or BookAppointment) and changed since.
type StoredAppointment struct {
	ID        string
	ContactID string
	Appointment
	DateAdded time.Time
	// DateUpdated is when the Calendars API last changed it (DateAdded if never).
	DateUpdated time.Time
}

// Appointments returns a contact's appointments, cancelled ones included, in booking order,
// their times in the location's timezone.
func (s *Server) Appointments(locationID, contactID string) []*StoredAppointment {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locations[locationID]
	if l == nil {
		return nil
	}
	cl := s.calLocLocked(locationID)
	tz := cl.tz()
	var out []*StoredAppointment
	for _, a := range l.appts[contactID] {
		st := &StoredAppointment{ID: a.id, ContactID: a.contactID, Appointment: a.a, DateAdded: a.added, DateUpdated: a.added}
		st.Users = slices.Clone(a.a.Users)
		st.StartTime, st.EndTime = a.a.StartTime.In(tz), a.a.EndTime.In(tz)
		if m := cl.events[a.id]; m != nil && !m.updated.IsZero() {
			st.DateUpdated = m.updated
		}
		out = append(out, st)
	}
	return out
}
