package main

import (
	"slices"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Appointments in GHL, kept on the record so the person taking a call sees them ("booked for
// Tuesday 9:00 with Alice"): read on refresh, and kept current by GHL's AppointmentCreate,
// AppointmentUpdate and AppointmentDelete webhooks, which also report the follow-ups the sync
// books itself.

// onAppointment applies an appointment webhook to the record of the appointment's contact.
// An event older than what the record holds is ignored (GHL does not promise order).
func (s *Syncer) onAppointment(eventType string, ev *ghl.AppointmentPayload) {
	a := ev.Appointment
	if a == nil || a.ID == "" {
		return
	}
	rec, ok := s.store.ByContactID(a.ContactID)
	if !ok {
		return
	}
	next := Appointment{ID: a.ID, Title: a.Title, Start: a.StartTime.Time, Status: a.AppointmentStatus, UserID: a.AssignedUserID,
		Updated: a.DateUpdated.Time}
	var verb string
	s.store.Update(rec.ID, func(r *Record) bool {
		i := slices.IndexFunc(r.Appointments, func(x Appointment) bool { return x.ID == a.ID })
		switch {
		case i >= 0 && !next.Updated.IsZero() && next.Updated.Before(r.Appointments[i].Updated):
			verb = "older than what LinkedPhone has, ignored"
			return false
		case eventType == ghl.EventAppointmentDelete:
			if i < 0 {
				verb = "not in LinkedPhone"
				return false
			}
			r.Appointments = slices.Delete(r.Appointments, i, i+1)
			verb = "removed"
		case i >= 0 && sameAppointment(r.Appointments[i], next):
			r.Appointments[i].Updated = next.Updated
			verb = "already up to date"
		default:
			if i < 0 {
				verb = "added"
			} else {
				verb = "updated"
			}
			setAppointment(r, next)
		}
		r.SyncedAt = s.now()
		return true
	})
	s.booking.mu.Lock()
	tz := s.booking.tz
	s.booking.mu.Unlock()
	s.report("webhook: %s %s %s %s -> %s %s", eventType, a.ID, appointmentTime(a.StartTime.Time, tz), a.AppointmentStatus, rec.ID, verb)
}

// setAppointment adds or replaces an appointment of the record, keeping them by start time.
func setAppointment(r *Record, a Appointment) {
	if i := slices.IndexFunc(r.Appointments, func(x Appointment) bool { return x.ID == a.ID }); i >= 0 {
		if a.Updated.IsZero() {
			a.Updated = r.Appointments[i].Updated
		}
		r.Appointments[i] = a
	} else {
		r.Appointments = append(r.Appointments, a)
	}
	slices.SortStableFunc(r.Appointments, func(x, y Appointment) int { return x.Start.Compare(y.Start) })
}

// sameAppointment reports whether two views of an appointment show the same thing.
func sameAppointment(x, y Appointment) bool {
	return x.ID == y.ID && x.Title == y.Title && x.Start.Equal(y.Start) && x.Status == y.Status && x.UserID == y.UserID
}

// appointmentTime is how LinkedPhone shows an appointment's start: in the location's
// timezone when known.
func appointmentTime(t time.Time, tz *time.Location) string {
	if tz != nil {
		t = t.In(tz)
	}
	return t.Format("Mon 2006-01-02 15:04 MST")
}
