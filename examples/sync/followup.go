package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// Follow-ups: a call whose outcome asks for one (Call.FollowUp) is booked in GHL in the first
// free slot of the follow-up calendar, with the GHL user whose phone extension took the call
// (Users.ByExtension), at a time computed in the location's timezone (Locations.Get,
// LoadTimezone), so "Tuesday 9:00" is 9:00 local time on either side of a DST change.

// defaultFollowUpCalendar is the name of the calendar follow-ups are booked in.
const defaultFollowUpCalendar = "Follow-ups"

// followUpHorizon is how far ahead a free slot is looked for; GHL answers at most 31 days
// per request.
const followUpHorizon = 7 * 24 * time.Hour

// FollowUp is a follow-up booked for a call.
type FollowUp struct {
	AppointmentID string
	Start         time.Time // in the location's timezone
	Status        string    // GHL's appointmentStatus, e.g. "confirmed"
	UserID        string
	UserName      string
	Extension     string
	Calendar      string
}

// bookingState is what booking reads once and keeps: the calendar and the location's
// timezone. A failed read is not kept.
type bookingState struct {
	mu       sync.Mutex
	calendar string // name of the calendar; "" means defaultFollowUpCalendar
	cal      *ghl.Calendar
	tz       *time.Location
	booked   int
}

// bookFollowUps books a follow-up for every call of the record that asks for one and has
// none yet, for the contact contactID. A call's appointment ID is kept with the call, so a
// rerun after a failure part-way books only what is missing.
func (s *Syncer) bookFollowUps(ctx context.Context, id, contactID string) ([]FollowUp, error) {
	rec, ok := s.store.Get(id)
	if !ok {
		return nil, fmt.Errorf("no LinkedPhone record %s", id)
	}
	var out []FollowUp
	for _, call := range rec.Calls {
		if !call.FollowUp || call.AppointmentID != "" {
			continue
		}
		fu, err := s.bookFollowUp(ctx, rec, contactID, call)
		if err != nil {
			return out, fmt.Errorf("booking the follow-up of the call at %s: %w", call.At.UTC().Format(time.RFC3339), err)
		}
		out = append(out, *fu)
	}
	return out, nil
}

func (s *Syncer) bookFollowUp(ctx context.Context, rec *Record, contactID string, call Call) (*FollowUp, error) {
	if call.Extension == "" {
		return nil, errors.New("no extension took the call, so there is no one to book it with")
	}
	title := followUpTitleFor(rec.Name, call.At)
	// The timezone first: reading the location also gives the SDK the company ID that the
	// user lookup needs, so that costs no second read.
	tz, err := s.locationTimezone(ctx)
	if err != nil {
		return nil, err
	}
	if call.FollowUpSent {
		// The last booking was sent but its answer never came: GHL may have made it.
		a, err := s.findBooked(ctx, contactID, title)
		if err != nil {
			return nil, err
		}
		if a != nil {
			return s.recordBooking(rec.ID, call, a, &ghl.User{ID: a.AssignedUserID}, ""), nil
		}
	}
	user, _, err := s.client.Users.ByExtension(ctx, call.Extension)
	if err != nil {
		return nil, fmt.Errorf("finding the GHL user on extension %s: %w", call.Extension, err)
	}
	if user == nil {
		return nil, fmt.Errorf("no GHL user of the location has extension %s: give it to the user who answers it (the user's phone settings in GHL)", call.Extension)
	}
	cal, err := s.followUpCalendar(ctx)
	if err != nil {
		return nil, err
	}
	if len(cal.TeamMembers) > 0 && !slices.ContainsFunc(cal.TeamMembers, func(m ghl.CalendarTeamMember) bool { return m.UserID == user.ID }) {
		return nil, fmt.Errorf("%s (extension %s) is not on the team of calendar %q: add them to it in GHL", userName(user), call.Extension, cal.Name)
	}
	now := s.now()
	slots, _, err := s.client.Calendars.FreeSlots(ctx, cal.ID, &ghl.FreeSlotsOptions{
		Start: now, End: now.Add(followUpHorizon), Timezone: tz.String(), UserID: user.ID,
	})
	if err != nil {
		return nil, fmt.Errorf("reading the free slots of calendar %q: %w", cal.Name, err)
	}
	i := slices.IndexFunc(slots, func(t time.Time) bool { return !t.Before(now) })
	if i < 0 {
		return nil, fmt.Errorf("calendar %q has no free slot for %s in the next %d days", cal.Name, userName(user), int(followUpHorizon/(24*time.Hour)))
	}

	// Marked before sending: a booking whose answer is lost is looked for, not made twice
	// (GHL has no idempotency key, and the SDK does not resend a booking after a 5xx).
	s.markFollowUpSent(rec.ID, call, true)
	if err := s.store.Save(); err != nil {
		return nil, err
	}
	ev, _, err := s.client.Calendars.Book(ctx, &ghl.AppointmentRequest{
		CalendarID: cal.ID, ContactID: contactID, StartTime: slots[i], AssignedUserID: user.ID,
		Title: title, Description: callSummary(call),
	})
	if err != nil {
		var apiErr *ghl.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode < 500 {
			// GHL refused it (say, the slot was taken meanwhile): nothing was booked.
			s.markFollowUpSent(rec.ID, call, false)
		}
		return nil, errors.Join(err, s.store.Save())
	}
	return s.recordBooking(rec.ID, call, &ghl.Appointment{ID: ev.ID, Title: ev.Title, StartTime: ev.StartTime,
		AppointmentStatus: ev.AppointmentStatus, AssignedUserID: ev.AssignedUserID}, user, cal.Name), nil
}

// recordBooking keeps the appointment with the call and in the record's appointments. The
// caller saves the store; until then, the call's FollowUpSent mark (saved before the booking
// was sent) makes a restarted sync look the booking up instead of making another.
func (s *Syncer) recordBooking(id string, call Call, a *ghl.Appointment, user *ghl.User, calendar string) *FollowUp {
	appt := Appointment{ID: a.ID, Title: a.Title, Start: timeOf(a.StartTime), Status: a.AppointmentStatus, UserID: a.AssignedUserID}
	s.store.Update(id, func(r *Record) bool {
		for j := range r.Calls {
			if sameCall(r.Calls[j], call) && r.Calls[j].AppointmentID == "" {
				r.Calls[j].AppointmentID, r.Calls[j].FollowUpSent = a.ID, false
			}
		}
		setAppointment(r, appt)
		r.UpdatedAt = s.now()
		return true
	})
	s.booking.mu.Lock()
	s.booking.booked++
	tz := s.booking.tz
	s.booking.mu.Unlock()
	start := appt.Start
	if tz != nil {
		start = start.In(tz)
	}
	return &FollowUp{AppointmentID: a.ID, Start: start, Status: a.AppointmentStatus, UserID: user.ID, UserName: userName(user),
		Extension: call.Extension, Calendar: calendar}
}

func (s *Syncer) markFollowUpSent(id string, call Call, sent bool) {
	s.store.Update(id, func(r *Record) bool {
		for j := range r.Calls {
			if sameCall(r.Calls[j], call) && r.Calls[j].AppointmentID == "" {
				r.Calls[j].FollowUpSent = sent
			}
		}
		return true
	})
}

// sameCall reports whether a and b are the same call: by ID, which every call recorded or
// loaded has, and by time only for a call without one, so two calls in the same second each
// keep their own follow-up.
func sameCall(a, b Call) bool {
	if a.ID != "" || b.ID != "" {
		return a.ID == b.ID
	}
	return a.At.Equal(b.At)
}

// findBooked looks for a booking of ours among the contact's appointments, by its title.
func (s *Syncer) findBooked(ctx context.Context, contactID, title string) (*ghl.Appointment, error) {
	appts, _, err := s.client.Appointments.List(ctx, contactID)
	if err != nil {
		return nil, fmt.Errorf("looking for a follow-up booked before: %w", err)
	}
	for _, a := range appts {
		if a != nil && a.Title == title && a.AppointmentStatus != ghl.AppointmentStatusCancelled {
			return a, nil
		}
	}
	return nil, nil
}

// followUpCalendar returns the calendar follow-ups are booked in, read once.
func (s *Syncer) followUpCalendar(ctx context.Context) (*ghl.Calendar, error) {
	s.booking.mu.Lock()
	cal, name := s.booking.cal, s.booking.calendar
	s.booking.mu.Unlock()
	if cal != nil {
		return cal, nil
	}
	if name == "" {
		name = defaultFollowUpCalendar
	}
	list, _, err := s.client.Calendars.List(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the location's calendars: %w", err)
	}
	i := slices.IndexFunc(list, func(c *ghl.Calendar) bool { return c != nil && strings.EqualFold(c.Name, name) })
	if i < 0 {
		return nil, fmt.Errorf("the location has no calendar named %q to book follow-ups in: create one in GHL (Calendars), with the users who take calls on its team", name)
	}
	s.booking.mu.Lock()
	s.booking.cal = list[i]
	s.booking.mu.Unlock()
	return list[i], nil
}

// locationTimezone returns the location's timezone, read once.
func (s *Syncer) locationTimezone(ctx context.Context) (*time.Location, error) {
	s.booking.mu.Lock()
	tz := s.booking.tz
	s.booking.mu.Unlock()
	if tz != nil {
		return tz, nil
	}
	loc, _, err := s.client.Locations.Get(ctx, s.client.LocationID())
	if err != nil {
		return nil, fmt.Errorf("reading the location's timezone: %w", err)
	}
	if tz, err = loc.LoadTimezone(); err != nil {
		return nil, fmt.Errorf("the location's timezone: %w", err)
	}
	s.booking.mu.Lock()
	s.booking.tz = tz
	s.booking.mu.Unlock()
	return tz, nil
}

// followUpTitleFor is the title of the appointment booked for a call: it names the call, so
// a booking whose answer was lost is found again by it.
func followUpTitleFor(name string, at time.Time) string {
	return fmt.Sprintf("Follow-up: %s, call of %s", displayName(name, ""), at.UTC().Format("2006-01-02 15:04 UTC"))
}

func userName(u *ghl.User) string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.ID
}

// printPushExtras prints the fields and follow-ups of a push.
func printPushExtras(out *output, r *PushResult) {
	if len(r.Fields) > 0 {
		out.printf("  fields by key: %s\n", describeFields(r.Fields))
	}
	for _, f := range r.FollowUps {
		out.printf("  follow-up booked: %s with %s (ext %s) in calendar %q, appointment %s %s\n",
			appointmentTime(f.Start, nil), f.UserName, f.Extension, f.Calendar, f.AppointmentID, f.Status)
	}
}

// Tally counts the follow-ups booked and LinkedPhone's field values written, for the summary.
type Tally struct {
	FollowUps   int
	FieldValues int
	Fields      []string // the fields written, by key
}

// Tally returns what the Syncer booked and wrote so far.
func (s *Syncer) Tally() Tally {
	s.booking.mu.Lock()
	t := Tally{FollowUps: s.booking.booked}
	s.booking.mu.Unlock()
	s.fields.mu.Lock()
	t.FieldValues, t.Fields = s.fields.wrote, slices.Clone(s.fields.keys)
	s.fields.mu.Unlock()
	return t
}
