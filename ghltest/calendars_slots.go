package ghltest

import (
	"slices"
	"time"
)

// Free slots: the start times a calendar offers, from its working hours in the location's
// timezone, minus the times its team is already booked.

// freeSlot is a bookable start time and the team member who would take it ("" for a
// calendar without a team).
type freeSlot struct {
	start time.Time
	user  string
}

// blocking reports whether an appointment status holds its time.
func blocking(status string) bool { return status != "cancelled" && status != "invalid" }

// freeSlotsLocked returns the free slots of calendar d that start in [from, to], in order.
// users, if any, restricts them to those team members. The appointment ignoreID does not
// count (it is the one being moved). Slots in the past are not offered.
//
// Working hours are wall-clock times in the location's timezone, so a 9:00 slot is at 9:00
// local time on both sides of a DST change; a wall-clock time that does not exist on the day
// clocks go forward is skipped, and on the day they go back a repeated time is offered once
// (its first occurrence).
func (s *Server) freeSlotsLocked(l *location, cl *calLocation, d *calendarDoc, from, to time.Time, users []string, ignoreID string) []freeSlot {
	tz := cl.tz()
	now := s.clock()
	dur := d.c.SlotDuration
	step := int(d.c.SlotInterval / time.Minute)
	if step <= 0 {
		step = int(dur / time.Minute)
	}
	members := d.c.TeamMembers
	if len(users) > 0 && len(members) > 0 {
		members = slices.DeleteFunc(slices.Clone(members), func(u string) bool { return !slices.Contains(users, u) })
		if len(members) == 0 {
			return nil
		}
	}
	busy := s.busyLocked(l, d, from.Add(-24*time.Hour), to.Add(24*time.Hour+dur), ignoreID)

	var out []freeSlot
	seen := map[int64]bool{}
	first := from.In(tz)
	last := to.In(tz)
	for day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, tz); !day.After(last); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, tz) {
		for _, h := range d.c.OpenHours {
			if !slices.Contains(h.Days, day.Weekday()) {
				continue
			}
			openM, closeM := h.OpenHour*60+h.OpenMinute, h.CloseHour*60+h.CloseMinute
			for m := openM; m+int(dur/time.Minute) <= closeM; m += step {
				t := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, tz)
				if t.Hour() != m/60 || t.Minute() != m%60 || t.Day() != day.Day() {
					continue // skipped by the clocks going forward
				}
				if t.Before(from) || t.After(to) || t.Before(now) || seen[t.Unix()] {
					continue
				}
				user, ok := busy.free(d, members, t, t.Add(dur))
				if !ok {
					continue
				}
				seen[t.Unix()] = true
				out = append(out, freeSlot{start: t, user: user})
			}
		}
	}
	slices.SortFunc(out, func(a, b freeSlot) int { return a.start.Compare(b.start) })
	return out
}

// bookings are the appointments that hold time near a range.
type bookings []*appointmentDoc

// busyLocked collects the blocking appointments that touch [from, to]: those of calendar d,
// and those of d's team members on any calendar of the location (a user is not booked twice).
func (s *Server) busyLocked(l *location, d *calendarDoc, from, to time.Time, ignoreID string) bookings {
	var out bookings
	for _, list := range l.appts {
		for _, a := range list {
			if a.id == ignoreID || !blocking(a.a.AppointmentStatus) || !a.a.StartTime.Before(to) || !from.Before(a.a.EndTime) {
				continue
			}
			if a.a.CalendarID == d.id || (a.a.AssignedUserID != "" && slices.Contains(d.c.TeamMembers, a.a.AssignedUserID)) {
				out = append(out, a)
			}
		}
	}
	return out
}

// free reports whether [start, end) can take one more booking, and by whom: the first of
// members with room (an unassigned appointment of the calendar takes room from every member),
// or the calendar itself when it has no team.
func (b bookings) free(d *calendarDoc, members []string, start, end time.Time) (string, bool) {
	per := d.c.AppointmentsPerSlot
	if len(d.c.TeamMembers) == 0 {
		n := 0
		for _, a := range b {
			if a.a.CalendarID == d.id && a.a.StartTime.Before(end) && start.Before(a.a.EndTime) {
				n++
			}
		}
		return "", n < per
	}
	for _, u := range members {
		n := 0
		for _, a := range b {
			if !a.a.StartTime.Before(end) || !start.Before(a.a.EndTime) {
				continue
			}
			if a.a.AssignedUserID == u || (a.a.AssignedUserID == "" && a.a.CalendarID == d.id) {
				n++
			}
		}
		if n < per {
			return u, true
		}
	}
	return "", false
}

// slotLocked reports whether start is a free slot of d (for user, if given), and who takes it.
func (s *Server) slotLocked(l *location, cl *calLocation, d *calendarDoc, start time.Time, user, ignoreID string) (string, bool) {
	var users []string
	if user != "" {
		users = []string{user}
	}
	for _, sl := range s.freeSlotsLocked(l, cl, d, start, start, users, ignoreID) {
		if sl.start.Equal(start) {
			return sl.user, true
		}
	}
	return "", false
}
