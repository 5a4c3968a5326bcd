package main

import (
	"context"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/linkedphone/ghl-go/ghltest/ghlclient"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// followUpFake is a fake location in New York whose clock reads at when the test starts and
// runs on, with a Syncer on the same clock.
type followUpFake struct {
	srv    *ghltest.Server
	client *ghl.Client
	store  *Store
	syncer *Syncer
	clock  func() time.Time
}

func newFollowUpFake(t *testing.T, at time.Time, opts ...ghltest.ServerOption) *followUpFake {
	t.Helper()
	began := time.Now()
	clock := func() time.Time { return at.Add(time.Since(began)) }
	srv := ghltest.New(t, append([]ghltest.ServerOption{ghltest.WithClock(clock)}, opts...)...)
	client, err := ghlclient.New(srv)
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)
	syncer.now = clock
	return &followUpFake{srv: srv, client: client, store: store, syncer: syncer, clock: clock}
}

// team adds users with the given extensions and a Follow-ups calendar with them on its team,
// and returns the users' IDs by extension.
func (f *followUpFake) team(t *testing.T, extensions ...string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	var team []string
	for _, ext := range extensions {
		id, err := f.srv.AddUser(ghltest.User{FirstName: "User", LastName: ext, Extension: ext})
		require.NoError(t, err)
		ids[ext] = id
		team = append(team, id)
	}
	_, err := f.srv.AddCalendar(f.srv.LocationID(), ghltest.Calendar{Name: defaultFollowUpCalendar, TeamMembers: team})
	require.NoError(t, err)
	return ids
}

// call records an answered call on ext that asks for a follow-up.
func (f *followUpFake) call(t *testing.T, phone, ext string) string {
	t.Helper()
	id, err := f.syncer.RecordCall(phone, "Ada Caller", "", Call{At: f.clock().Add(-5 * time.Minute).Truncate(time.Second),
		Direction: "inbound", Seconds: 60, Extension: ext, FollowUp: true})
	require.NoError(t, err)
	return id
}

// A call on the Friday afternoon before New York's clocks go back is followed up on Monday at
// 9:00 local time, which is 14:00 UTC after the change (13:00 before it).
func TestFollowUpAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	f := newFollowUpFake(t, time.Date(2026, 10, 30, 16, 45, 0, 0, ny))
	users := f.team(t, "201", "202")
	id := f.call(t, "+14155550100", "202")

	res, err := f.syncer.PushContact(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, res.FollowUps, 1)
	fu := res.FollowUps[0]
	assert.Equal(t, "2026-11-02T09:00:00-05:00", fu.Start.Format(time.RFC3339))
	assert.Equal(t, users["202"], fu.UserID)
	appts := f.srv.Appointments(f.srv.LocationID(), res.ContactID)
	require.Len(t, appts, 1)
	assert.Equal(t, "2026-11-02T14:00:00Z", appts[0].StartTime.UTC().Format(time.RFC3339))
	assert.Equal(t, users["202"], appts[0].AssignedUserID)
	rec, _ := f.store.Get(id)
	assert.Equal(t, fu.AppointmentID, rec.Calls[0].AppointmentID)
	assert.Equal(t, 1, f.syncer.Tally().FollowUps)

	// Pushing again books nothing more.
	again, err := f.syncer.PushContact(context.Background(), id)
	require.NoError(t, err)
	assert.Empty(t, again.FollowUps)
	assert.Len(t, f.srv.Appointments(f.srv.LocationID(), res.ContactID), 1)
	assert.Equal(t, 1, f.srv.Requests(http.MethodPost, "/calendars/events/appointments"))
}

// A booking GHL made but whose answer was lost (a 500 or a reset after the write) is found
// again on the next push, not booked twice.
func TestFollowUpLostAnswerIsNotBookedTwice(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	var bookings atomic.Int32
	f := newFollowUpFake(t, time.Date(2026, 11, 3, 10, 0, 0, 0, ny), ghltest.WithFaults(ghltest.FaultConfig{AfterWrite: 1,
		Match: func(r *http.Request) bool {
			return r.Method == http.MethodPost && r.URL.Path == "/calendars/events/appointments" && bookings.Add(1) == 1
		}}))
	f.team(t, "201")
	id := f.call(t, "+14155550100", "201")
	ctx := context.Background()

	_, err = f.syncer.PushContact(ctx, id)
	require.Error(t, err, "the booking's answer was lost")
	rec, _ := f.store.Get(id)
	require.Len(t, rec.Calls, 1)
	assert.True(t, rec.Calls[0].FollowUpSent)
	assert.Empty(t, rec.Calls[0].AppointmentID)
	appts := f.srv.Appointments(f.srv.LocationID(), rec.ContactID)
	require.Len(t, appts, 1, "GHL made it")
	assert.Equal(t, 1, f.srv.Faults().AfterWriteErrors+f.srv.Faults().AfterWriteResets)

	res, err := f.syncer.PushContact(ctx, id)
	require.NoError(t, err)
	require.Len(t, res.FollowUps, 1)
	assert.Equal(t, appts[0].ID, res.FollowUps[0].AppointmentID)
	assert.True(t, res.FollowUps[0].Start.Equal(appts[0].StartTime))
	assert.Equal(t, "America/New_York", res.FollowUps[0].Start.Location().String())
	assert.Len(t, f.srv.Appointments(f.srv.LocationID(), rec.ContactID), 1, "not booked twice")
	assert.Equal(t, 1, f.srv.Requests(http.MethodPost, "/calendars/events/appointments"))
	assert.Equal(t, 1, f.srv.Requests(http.MethodGet, "/contacts/"+rec.ContactID+"/appointments"), "looked for once")
	rec, _ = f.store.Get(id)
	assert.Equal(t, appts[0].ID, rec.Calls[0].AppointmentID)
	assert.False(t, rec.Calls[0].FollowUpSent)
}

// Without a user on the call's extension, or without the calendar, the push says what to set
// up in GHL and books nothing; once it is set up, the next push books the follow-up.
func TestFollowUpNeedsUserAndCalendar(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	f := newFollowUpFake(t, time.Date(2026, 11, 3, 10, 0, 0, 0, ny))
	ctx := context.Background()
	id := f.call(t, "+14155550100", "203")

	_, err = f.syncer.PushContact(ctx, id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no GHL user of the location has extension 203")
	user, err := f.srv.AddUser(ghltest.User{FirstName: "Carol", Extension: "203"})
	require.NoError(t, err)
	_, err = f.syncer.PushContact(ctx, id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the location has no calendar named "Follow-ups"`)
	rec, _ := f.store.Get(id)
	assert.Empty(t, f.srv.Appointments(f.srv.LocationID(), rec.ContactID))
	assert.False(t, rec.Calls[0].FollowUpSent, "nothing was sent")

	_, err = f.srv.AddCalendar(f.srv.LocationID(), ghltest.Calendar{Name: defaultFollowUpCalendar, TeamMembers: []string{user}})
	require.NoError(t, err)
	res, err := f.syncer.PushContact(ctx, id)
	require.NoError(t, err)
	require.Len(t, res.FollowUps, 1)
	assert.Equal(t, user, res.FollowUps[0].UserID)
	assert.Equal(t, "Tue 2026-11-03 10:30 EST", appointmentTime(res.FollowUps[0].Start, nil), "the first slot after the call's time")
}

// A location that lacks some of LinkedPhone's fields gets the others; the check says what is
// missing and how to create it.
func TestFieldsMissingAreLeftOut(t *testing.T) {
	srv := ghltest.New(t)
	_, err := srv.AddCustomField(srv.LocationID(), ghltest.CustomField{Name: "Call count", DataType: "NUMERICAL"})
	require.NoError(t, err)
	client, err := ghlclient.New(srv)
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	syncer := NewSyncer(client, store, quietLogger(), true, nil)
	ctx := context.Background()

	check, err := syncer.CheckFields(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{fieldCallCount}, check.Found)
	assert.Equal(t, []contactField{linkedPhoneFields[0], linkedPhoneFields[2]}, check.Missing)
	assert.Equal(t, "\n  contact.last_call: create a Date Picker field named \"Last call\" (Settings > Custom Fields, object Contact)"+
		"\n  contact.linkedphone_id: create a Single Line field named \"LinkedPhone ID\" (Settings > Custom Fields, object Contact)",
		missingFieldsText(check.Missing))

	id, err := syncer.RecordCall("+14155550100", "Ada", "", Call{At: time.Now().UTC().Truncate(time.Second), Direction: "inbound"})
	require.NoError(t, err)
	_, err = syncer.RecordCall("+14155550100", "", "", Call{At: time.Now().UTC().Truncate(time.Second).Add(time.Second), Direction: "inbound"})
	require.NoError(t, err)
	res, err := syncer.PushContact(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []ghl.CustomFieldInput{{Key: fieldCallCount, Value: 2}}, res.Fields)
	countID, _ := srv.CustomFieldID(srv.LocationID(), fieldCallCount)
	c, _ := srv.Contact(srv.LocationID(), res.ContactID)
	assert.Equal(t, []ghltest.CustomFieldValue{{ID: countID, Value: float64(2)}}, c.CustomFields)
	assert.Equal(t, Tally{FieldValues: 1, Fields: []string{fieldCallCount}}, syncer.Tally())
	assert.Equal(t, 1, srv.Requests(http.MethodGet, "/locations/"+srv.LocationID()+"/customFields"))

	// A Syncer that never checked writes none.
	id2, err := NewSyncer(client, store, quietLogger(), true, nil).RecordCall("+14155550101", "Bo", "", Call{At: time.Now(), Direction: "inbound"})
	require.NoError(t, err)
	res, err = NewSyncer(client, store, quietLogger(), true, nil).PushContact(ctx, id2)
	require.NoError(t, err)
	assert.Empty(t, res.Fields)
}

// Appointment webhooks keep the record's appointments current: added, updated, a late event
// ignored, removed.
func TestAppointmentWebhooksKeepTheRecordCurrent(t *testing.T) {
	client, err := ghl.NewClient(ghl.WithBaseURL("http://127.0.0.1:1"), ghl.WithLocationID("loc-a"))
	require.NoError(t, err)
	store, err := OpenStore(filepath.Join(t.TempDir(), "lp.json"))
	require.NoError(t, err)
	var lines []string
	syncer := NewSyncer(client, store, quietLogger(), true, func(format string, args ...any) {
		lines = append(lines, format)
	})
	id := store.UpsertByContactID("c1", "", func(r *Record) { r.Name = "Ada" })
	ctx := context.Background()
	deliver := func(typ, webhookID, start, status, updated string) {
		t.Helper()
		ev, err := ghl.ParseEvent([]byte(`{"type":"` + typ + `","locationId":"loc-a","webhookId":"` + webhookID + `",
			"appointment":{"id":"a1","title":"Call back","calendarId":"cal","contactId":"c1","appointmentStatus":"` + status + `",
			"assignedUserId":"u1","startTime":"` + start + `","endTime":"` + start + `","dateUpdated":"` + updated + `"}}`))
		require.NoError(t, err)
		require.NoError(t, syncer.HandleEvent(ctx, ev))
	}
	appts := func() []Appointment {
		rec, _ := store.Get(id)
		return rec.Appointments
	}

	deliver("AppointmentCreate", "w1", "2026-11-02T09:00:00-05:00", "confirmed", "2026-10-30T16:50:00-04:00")
	require.Len(t, appts(), 1)
	assert.Equal(t, Appointment{ID: "a1", Title: "Call back", Start: appts()[0].Start, Status: "confirmed", UserID: "u1", Updated: appts()[0].Updated}, appts()[0])
	assert.Equal(t, "2026-11-02T14:00:00Z", appts()[0].Start.UTC().Format(time.RFC3339))

	deliver("AppointmentUpdate", "w2", "2026-11-02T09:30:00-05:00", "confirmed", "2026-10-30T16:55:00-04:00")
	deliver("AppointmentUpdate", "w3", "2026-11-02T10:00:00-05:00", "confirmed", "2026-10-30T16:52:00-04:00") // late: older
	require.Len(t, appts(), 1)
	assert.Equal(t, "2026-11-02T14:30:00Z", appts()[0].Start.UTC().Format(time.RFC3339))

	deliver("AppointmentUpdate", "w4", "2026-11-02T09:30:00-05:00", "cancelled", "2026-10-30T17:00:00-04:00")
	assert.Equal(t, "cancelled", appts()[0].Status)
	deliver("AppointmentDelete", "w5", "2026-11-02T09:30:00-05:00", "cancelled", "2026-10-30T17:05:00-04:00")
	assert.Empty(t, appts())
	deliver("AppointmentDelete", "w6", "2026-11-02T09:30:00-05:00", "cancelled", "2026-10-30T17:05:00-04:00")
	assert.Len(t, lines, 6)
	for _, w := range []string{"w1", "w2", "w3", "w4", "w5", "w6"} {
		assert.Equal(t, 1, syncer.TimesProcessed(w))
	}
}

func TestSameCallIsMatchedByID(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	assert.True(t, sameCall(Call{ID: "call-1", At: at}, Call{ID: "call-1", At: at.Add(time.Hour)}))
	assert.False(t, sameCall(Call{ID: "call-1", At: at}, Call{ID: "call-2", At: at}), "two calls in the same second")
	assert.False(t, sameCall(Call{ID: "call-1", At: at}, Call{At: at}))
	assert.True(t, sameCall(Call{At: at}, Call{At: at}))
}
