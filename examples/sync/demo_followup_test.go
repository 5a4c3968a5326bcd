package main

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo's follow-ups and fields, checked on both sides by TestDemoSyncsBothSides.

// followUpCalls are the demo's two answered calls that ask for a follow-up, with the
// extension that took each.
func followUpCalls(res *demoResult) []struct {
	id   string
	push *PushResult
	ext  string
} {
	return []struct {
		id   string
		push *PushResult
		ext  string
	}{{res.KnownCallerID, res.KnownCaller, "201"}, {res.FollowUpCallerID, res.FollowUpCaller, "202"}}
}

// checkDemoFollowUps: each answered call's follow-up is booked once, in the first free slot of
// the user on the call's extension, in the follow-up calendar, confirmed, in the location's
// timezone; LinkedPhone's record knows it. The missed call books none.
func checkDemoFollowUps(t *testing.T, srv *ghltest.Server, store *Store, res *demoResult) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	client, err := ghlclient.New(srv)
	require.NoError(t, err)
	ctx := context.Background()
	for _, c := range followUpCalls(res) {
		require.NotNil(t, c.push, c.ext)
		require.Len(t, c.push.FollowUps, 1, c.ext)
		fu := c.push.FollowUps[0]
		user := res.Setup.user(c.ext)
		require.NotEmpty(t, user.ID)
		assert.Equal(t, FollowUp{AppointmentID: fu.AppointmentID, Start: fu.Start, Status: ghl.AppointmentStatusConfirmed,
			UserID: user.ID, UserName: user.Name, Extension: c.ext, Calendar: defaultFollowUpCalendar}, fu)
		assert.Equal(t, ny.String(), fu.Start.Location().String(), "shown in the location's timezone")
		start := fu.Start
		if res.Moved.AppointmentID == fu.AppointmentID {
			start = res.Moved.To
		}

		// GHL: one follow-up for the contact, in that slot, with that user.
		var booked []*ghltest.StoredAppointment
		for _, a := range srv.Appointments(res.LocationID, c.push.ContactID) {
			if a.CalendarID == res.Setup.CalendarID {
				booked = append(booked, a)
			}
		}
		require.Len(t, booked, 1, "booked once for %s", c.id)
		a := booked[0]
		rec, ok := store.Get(c.id)
		require.True(t, ok)
		// The call that asked for the follow-up (the known caller's call back came after it).
		i := slices.IndexFunc(rec.Calls, func(k Call) bool { return k.FollowUp })
		require.GreaterOrEqual(t, i, 0, "%s has a call that asks for a follow-up", c.id)
		call := rec.Calls[i]
		assert.Equal(t, fu.AppointmentID, a.ID)
		assert.Equal(t, user.ID, a.AssignedUserID)
		assert.Equal(t, ghl.AppointmentStatusConfirmed, a.AppointmentStatus)
		assert.True(t, a.StartTime.Equal(start), "%s, want %s", a.StartTime, start)
		assert.Equal(t, 30*time.Minute, a.EndTime.Sub(a.StartTime))
		assert.Equal(t, followUpTitleFor(rec.Name, call.At), a.Title)
		assert.True(t, !fu.Start.Before(call.At), "after the call")
		// The first free slot: no slot of the user between the call and the booking was free.
		earlier, _, err := client.Calendars.FreeSlots(ctx, res.Setup.CalendarID, &ghl.FreeSlotsOptions{
			Start: call.At, End: fu.Start.Add(-time.Minute), Timezone: ny.String(), UserID: user.ID})
		require.NoError(t, err)
		assert.Empty(t, earlier)

		// The same call is in the contact's conversation too, as a Call message.
		msgs := srv.Messages(res.LocationID, c.push.ContactID)
		j := slices.IndexFunc(msgs, func(m ghltest.Message) bool { return m.AltID == call.ID })
		require.GreaterOrEqual(t, j, 0, "the call of %s is a Call message", c.id)
		assert.Equal(t, call.MessageID, msgs[j].ID)
		assert.Equal(t, "TYPE_CALL", msgs[j].MessageType)
		assert.Equal(t, "completed", msgs[j].CallStatus)

		// LinkedPhone: the call knows its appointment, and the record shows it.
		assert.True(t, call.FollowUp)
		assert.Equal(t, c.ext, call.Extension)
		assert.Equal(t, fu.AppointmentID, call.AppointmentID)
		assert.False(t, call.FollowUpSent)
		i = slices.IndexFunc(rec.Appointments, func(x Appointment) bool { return x.ID == fu.AppointmentID })
		require.GreaterOrEqual(t, i, 0)
		assert.True(t, rec.Appointments[i].Start.Equal(start))
		assert.Equal(t, ghl.AppointmentStatusConfirmed, rec.Appointments[i].Status)
		assert.Equal(t, user.ID, rec.Appointments[i].UserID)
		assert.Equal(t, a.Title, rec.Appointments[i].Title)
	}
	assert.Empty(t, res.NewCaller.FollowUps, "a missed call asks for none")
	assert.Empty(t, srv.Appointments(res.LocationID, res.NewCaller.ContactID))
	assert.Equal(t, 2, res.Tally.FollowUps)
}

// checkDemoFields: every contact LinkedPhone pushed carries LinkedPhone's fields, which read
// back by key from GHL with the values of LinkedPhone's record; others carry none.
func checkDemoFields(t *testing.T, srv *ghltest.Server, store *Store, res *demoResult, out string) {
	fieldList := "/locations/" + res.LocationID + "/customFields"
	assert.Equal(t, 1, srv.Requests("GET", fieldList), "one field list for the whole run")
	assert.Equal(t, &FieldCheck{Found: []string{fieldLastCall, fieldCallCount, fieldLinkedPhoneID}}, res.Fields)
	client, err := ghlclient.New(srv)
	require.NoError(t, err)
	fields := client.Locations.ContactFields()
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		push *PushResult
	}{{res.NewCallerID, res.NewCaller}, {res.KnownCallerID, res.KnownCaller}, {res.FollowUpCallerID, res.FollowUpCaller}} {
		rec, ok := store.Get(c.id)
		require.True(t, ok)
		want := map[string]string{
			fieldLastCall:      lastCall(rec).UTC().Format(time.RFC3339),
			fieldCallCount:     strconv.Itoa(len(rec.Calls)),
			fieldLinkedPhoneID: rec.ID,
		}
		assert.Equal(t, []ghl.CustomFieldInput{{Key: fieldLastCall, Value: want[fieldLastCall]}, {Key: fieldCallCount, Value: len(rec.Calls)},
			{Key: fieldLinkedPhoneID, Value: rec.ID}}, c.push.Fields, "sent by key")
		contact, _, err := client.Contacts.Get(ctx, c.push.ContactID)
		require.NoError(t, err)
		for key, w := range want {
			v, ok, err := fields.Value(ctx, contact, key)
			require.NoError(t, err)
			require.True(t, ok, "%s has %s", c.id, key)
			got, _ := v.String()
			assert.Equal(t, w, got, "%s %s", c.id, key)
		}
		stored, _ := srv.Contact(res.LocationID, c.push.ContactID)
		assert.Len(t, stored.CustomFields, 3)
	}
	untouched, _ := srv.Contact(res.LocationID, res.SeededIDs[0])
	assert.Empty(t, untouched.CustomFields, "a contact LinkedPhone did not push")
	// The known caller is pushed a second time with the text it sent (workflow 7): that upsert
	// carries its fields again, unchanged, so four pushes wrote three values each.
	require.NotNil(t, res.Texts.Push)
	assert.Equal(t, res.KnownCaller.Fields, res.Texts.Push.Fields, "the text's push sends the same fields")
	assert.Equal(t, 12, res.Tally.FieldValues)
	assert.Equal(t, []string{fieldLastCall, fieldCallCount, fieldLinkedPhoneID}, res.Tally.Fields)
	assert.Contains(t, out, "custom fields        12 values written by key (contact.last_call, contact.call_count, contact.linkedphone_id)")
	assert.Contains(t, out, "follow-ups booked    2 ")
}

// checkDemoMove: a GHL user moved the second follow-up to the user's next free slot; the
// AppointmentUpdate webhook moved it in LinkedPhone too.
func checkDemoMove(t *testing.T, srv *ghltest.Server, store *Store, res *demoResult, out string) {
	require.NotEmpty(t, res.Moved.AppointmentID)
	assert.Equal(t, res.FollowUpCaller.FollowUps[0].AppointmentID, res.Moved.AppointmentID)
	assert.Equal(t, 30*time.Minute, res.Moved.To.Sub(res.Moved.From), "the next half-hour slot")
	rec, _ := store.Get(res.Moved.RecordID)
	i := slices.IndexFunc(rec.Appointments, func(a Appointment) bool { return a.ID == res.Moved.AppointmentID })
	require.GreaterOrEqual(t, i, 0)
	assert.True(t, rec.Appointments[i].Start.Equal(res.Moved.To))
	assert.False(t, rec.Appointments[i].Updated.IsZero(), "from the webhook's dateUpdated")
	assert.Contains(t, out, "  webhook: AppointmentUpdate "+res.Moved.AppointmentID+" "+appointmentTime(res.Moved.To, nil)+" confirmed -> "+res.Moved.RecordID+" updated")
	var updates int
	for _, d := range srv.Deliveries() {
		if d.Type == ghl.EventAppointmentUpdate {
			updates++
			assert.Equal(t, 200, d.StatusCode)
		}
	}
	assert.Equal(t, 1, updates)
}
