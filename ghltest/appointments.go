package ghltest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Appointment is a calendar appointment to book for a contact with BookAppointment (the
// Contacts API only lists appointments; booking belongs to the Calendars API).
type Appointment struct {
	CalendarID        string
	Title             string
	Status            string // the event status, e.g. "booked" (the default)
	AppointmentStatus string // e.g. "confirmed" (the default), "new", "cancelled", "showed"
	AssignedUserID    string
	GroupID           string
	Users             []string
	Address           string
	Notes             string
	Source            string // reported in the AppointmentCreate webhook, e.g. "booking_widget"
	StartTime         time.Time
	EndTime           time.Time // zero: 30 minutes after StartTime
}

// appointmentDoc is a stored appointment.
type appointmentDoc struct {
	a                  Appointment
	id, contactID, loc string
	added              time.Time
}

// contactAPITime is how GET /contacts/{contactId}/appointments writes times: no "T", no zone
// (the fake reports UTC).
const contactAPITime = "2006-01-02 15:04:05"

func (d *appointmentDoc) json() map[string]any {
	return map[string]any{
		"id": d.id, "calendarId": d.a.CalendarID, "status": d.a.Status, "title": d.a.Title,
		"assignedUserId": d.a.AssignedUserID, "notes": d.a.Notes, "address": d.a.Address,
		"startTime": d.a.StartTime.UTC().Format(contactAPITime), "endTime": d.a.EndTime.UTC().Format(contactAPITime),
		"locationId": d.loc, "contactId": d.contactID, "groupId": d.a.GroupID,
		"appointmentStatus": d.a.AppointmentStatus, "users": slices.Clone(d.a.Users),
		"dateAdded": d.added.UTC().Format(contactAPITime), "dateUpdated": d.added.UTC().Format(contactAPITime),
		"assignedResources": []string{},
	}
}

func (s *Server) listAppointments(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		list := make([]map[string]any, 0, len(l.appts[c.id()]))
		for _, d := range l.appts[c.id()] {
			list = append(list, d.json())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"events": list}) }
	})
}

// BookAppointment books a for a contact, as if through a calendar, and emits AppointmentCreate.
// It returns the appointment's ID.
func (s *Server) BookAppointment(locationID, contactID string, a Appointment) (string, error) {
	if a.StartTime.IsZero() {
		return "", errors.New("ghltest: appointment has no start time")
	}
	if a.EndTime.IsZero() {
		a.EndTime = a.StartTime.Add(30 * time.Minute)
	}
	if a.EndTime.Before(a.StartTime) {
		return "", errors.New("ghltest: appointment ends before it starts")
	}
	if a.Status == "" {
		a.Status = "booked"
	}
	if a.AppointmentStatus == "" {
		a.AppointmentStatus = "confirmed"
	}
	a.Users = slices.Clone(a.Users)
	if a.Users == nil {
		a.Users = []string{}
	}
	s.mu.Lock()
	l, ok := s.locations[locationID]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: unknown location %q", locationID)
	}
	if _, ok := l.contacts[contactID]; !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("ghltest: unknown contact %q in location %q", contactID, locationID)
	}
	d := &appointmentDoc{a: a, id: newID(), contactID: contactID, loc: locationID, added: s.clock()}
	l.appts[contactID] = append(l.appts[contactID], d)
	ev := apptEventLocked(s.calLocLocked(locationID), d)
	s.mu.Unlock()
	s.emit(locationID, "AppointmentCreate", ev)
	return d.id, nil
}
