package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// The demo's follow-up steps: a third caller whose call asks for a follow-up, and a GHL user
// moving that follow-up, which reaches LinkedPhone as an AppointmentUpdate webhook.

// teamText lists the users who take calls, with their extensions.
func (d *demoSetup) teamText() string {
	parts := make([]string, len(d.Users))
	for i, u := range d.Users {
		parts[i] = fmt.Sprintf("%s (ext %s)", u.Name, u.Extension)
	}
	return strings.Join(parts, ", ")
}

// demoFollowUpCall records an answered call on extension 202 from an imported contact's
// number that asks for a follow-up, and pushes the contact's record.
func demoFollowUpCall(ctx context.Context, syncer *Syncer, store *Store, contactID string, now time.Time) (string, *PushResult, error) {
	rec, ok := store.ByContactID(contactID)
	if !ok {
		return "", nil, fmt.Errorf("imported contact %s is missing from LinkedPhone", contactID)
	}
	id, err := syncer.RecordCall(rec.Phone, rec.Name, rec.Email, Call{At: now.Add(-30 * time.Second), Direction: "inbound", Seconds: 95, Line: demoLine,
		Summary: "Wants a quote for the annual plan.", Extension: "202", FollowUp: true})
	if err != nil {
		return "", nil, err
	}
	res, err := syncer.PushContact(ctx, id)
	return id, res, err
}

// moveFollowUp is a GHL user moving the third caller's follow-up to the next free slot of the
// same user.
func moveFollowUp(ctx context.Context, ghlUser *ghl.Client, res *demoResult, out *output) error {
	fu := res.FollowUpCaller.FollowUps[0]
	slots, _, err := ghlUser.Calendars.FreeSlots(ctx, res.Setup.CalendarID, &ghl.FreeSlotsOptions{
		Start: fu.Start, End: fu.Start.Add(followUpHorizon), Timezone: res.Setup.Timezone, UserID: fu.UserID})
	if err != nil {
		return fmt.Errorf("reading free slots as a GHL user: %w", err)
	}
	i := slices.IndexFunc(slots, func(t time.Time) bool { return t.After(fu.Start) })
	if i < 0 {
		return fmt.Errorf("no later free slot for %s", fu.UserName)
	}
	to := slots[i]
	if _, _, err := ghlUser.Calendars.UpdateAppointment(ctx, fu.AppointmentID, &ghl.AppointmentUpdateRequest{StartTime: &to}); err != nil {
		return fmt.Errorf("moving an appointment as a GHL user: %w", err)
	}
	res.Moved.RecordID, res.Moved.AppointmentID, res.Moved.From, res.Moved.To = res.FollowUpCallerID, fu.AppointmentID, fu.Start, to
	out.printf("a GHL user moved follow-up %s from %s to %s\n", fu.AppointmentID, appointmentTime(fu.Start, nil), appointmentTime(to, nil))
	return nil
}
