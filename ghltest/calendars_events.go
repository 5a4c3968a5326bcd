package ghltest

import (
	"slices"
	"time"
)

// Appointment webhooks, as GHL sends them (docs/webhook events/Appointment*.md):
// AppointmentCreate when an appointment is booked, AppointmentUpdate whenever one is changed
// (moved, reassigned, retitled, cancelled: appointmentStatus "cancelled"), AppointmentDelete
// when one is deleted. Each carries the appointment nested under "appointment".

// apptEventLocked is the payload of an appointment event: {appointment: {id, address, title,
// calendarId, contactId, groupId, appointmentStatus, assignedUserId, users, notes, source,
// startTime, endTime, dateAdded, dateUpdated}}, its times RFC 3339 with the offset of the
// location's timezone, as in GHL's example ("2023-09-25T16:00:00+05:30").
func apptEventLocked(cl *calLocation, a *appointmentDoc) map[string]any {
	tz := cl.tz()
	updated := a.added
	if m := cl.events[a.id]; m != nil && !m.updated.IsZero() {
		updated = m.updated
	}
	users := slices.Clone(a.a.Users)
	if users == nil {
		users = []string{}
	}
	return map[string]any{"appointment": map[string]any{
		"id": a.id, "address": a.a.Address, "title": a.a.Title, "calendarId": a.a.CalendarID,
		"contactId": a.contactID, "groupId": a.a.GroupID, "appointmentStatus": a.a.AppointmentStatus,
		"assignedUserId": a.a.AssignedUserID, "users": users, "notes": a.a.Notes, "source": a.a.Source,
		"startTime": a.a.StartTime.In(tz).Format(time.RFC3339), "endTime": a.a.EndTime.In(tz).Format(time.RFC3339),
		"dateAdded": a.added.In(tz).Format(time.RFC3339), "dateUpdated": updated.In(tz).Format(time.RFC3339),
	}}
}

// locked runs f under s.mu and then, with the lock released, what f returns: the webhooks to
// emit and the answer to write, as the contact handlers do (respond.go, subresource.go).
func (s *Server) locked(f func() (after func())) {
	after := func() func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		return f()
	}()
	after()
}
