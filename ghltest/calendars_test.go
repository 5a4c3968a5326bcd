package ghltest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// State tests of the Calendars, Users and Locations fake, driven through the SDK.

// newCalFake starts a fake whose clock reads `at` when the test starts and runs on from there
// (a frozen clock would also freeze the rate-limit window), in New York time, and a client.
func newCalFake(t *testing.T, at time.Time) (*Server, *ghl.Client) {
	t.Helper()
	began := time.Now()
	srv := NewServer(WithClock(func() time.Time { return at.Add(time.Since(began)) }))
	t.Cleanup(srv.Close)
	require.NoError(t, srv.SetLocationDetails(srv.LocationID(), LocationDetails{Name: "Acme Dental", Timezone: "America/New_York"}))
	c, err := ghl.NewClient(ghl.WithBaseURL(srv.URL), ghl.WithAccessToken(srv.Token()), ghl.WithLocationID(srv.LocationID()), ghl.WithMaxRetries(0))
	require.NoError(t, err)
	return srv, c
}

func mustNY(t *testing.T) *time.Location {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	return ny
}

func newContactVia(t *testing.T, c *ghl.Client, email string) string {
	t.Helper()
	ct, _, err := c.Contacts.Create(context.Background(), &ghl.ContactCreateRequest{FirstName: "Ada", LastName: "Lovelace", Email: email})
	require.NoError(t, err)
	return ct.ID
}

func slotStrings(slots []time.Time) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.Format(time.RFC3339)
	}
	return out
}

// The booking flow of a phone system, across the start of daylight saving time in New York
// (Sunday 2026-03-08): free slots -> book -> the slot is gone (and cannot be booked twice) ->
// move over the DST change -> cancel (the appointment stays, its slot is free again).
func TestBookingFlowAcrossDST(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	ctx := context.Background()
	alice, err := srv.AddUser(User{FirstName: "Alice", LastName: "Agent", Extension: "201"})
	require.NoError(t, err)
	calID, err := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Follow-ups", TeamMembers: []string{alice}})
	require.NoError(t, err)
	contact := newContactVia(t, c, "ada@example.com")

	loc, _, err := c.Locations.Get(ctx, srv.LocationID())
	require.NoError(t, err)
	tz, err := loc.LoadTimezone()
	require.NoError(t, err)
	assert.Equal(t, ny.String(), tz.String())
	assert.Equal(t, DefaultCompanyID, loc.CompanyID)

	// Friday 6 March (EST, UTC-5) to Tuesday 10 March (EDT, UTC-4).
	opts := &ghl.FreeSlotsOptions{Start: time.Date(2026, 3, 6, 0, 0, 0, 0, tz), End: time.Date(2026, 3, 10, 0, 0, 0, 0, tz), Timezone: tz.String()}
	slots, _, err := c.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	require.Len(t, slots, 32, "16 half-hour slots on Friday and 16 on Monday, none on the weekend")
	friday9, monday9 := slots[0], slots[16]
	assert.Equal(t, "2026-03-06T09:00:00-05:00", friday9.Format(time.RFC3339))
	assert.Equal(t, "2026-03-06T16:30:00-05:00", slots[15].Format(time.RFC3339))
	assert.Equal(t, "2026-03-09T09:00:00-04:00", monday9.Format(time.RFC3339))
	// The same wall-clock hour is an hour less apart in UTC after the change.
	assert.Equal(t, "2026-03-06T14:00:00Z", friday9.UTC().Format(time.RFC3339))
	assert.Equal(t, "2026-03-09T13:00:00Z", monday9.UTC().Format(time.RFC3339))

	// Book Friday 9:00.
	ev, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: friday9, Title: "Call back"})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-06T09:00:00-05:00", ev.StartTime.Raw)
	assert.Equal(t, "2026-03-06T09:30:00-05:00", ev.EndTime.Raw)
	assert.Equal(t, alice, ev.AssignedUserID, "the calendar's team member takes it")
	assert.Equal(t, ghl.AppointmentStatusConfirmed, ev.AppointmentStatus)

	// The slot is gone, and booking it again is refused as GHL refuses it.
	slots, _, err = c.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.Len(t, slots, 31)
	assert.NotContains(t, slotStrings(slots), "2026-03-06T09:00:00-05:00")
	assert.Contains(t, slotStrings(slots), "2026-03-06T09:30:00-05:00")
	_, resp, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: newContactVia(t, c, "bob@example.com"), StartTime: friday9})
	var apiErr *ghl.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ghl.ErrValidation)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "The slot you have selected is no longer available.", apiErr.Message)

	// Move it over the DST change to Monday 9:00 (now UTC-4): it keeps its 30 minutes.
	ev, _, err = c.Calendars.UpdateAppointment(ctx, ev.ID, &ghl.AppointmentUpdateRequest{StartTime: &monday9})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-09T09:00:00-04:00", ev.StartTime.Raw)
	assert.Equal(t, "2026-03-09T09:30:00-04:00", ev.EndTime.Raw)
	slots, _, err = c.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.Contains(t, slotStrings(slots), "2026-03-06T09:00:00-05:00", "Friday 9:00 is free again")
	assert.NotContains(t, slotStrings(slots), "2026-03-09T09:00:00-04:00")

	got, _, err := c.Calendars.GetAppointment(ctx, ev.ID)
	require.NoError(t, err)
	assert.True(t, got.StartTime.Equal(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)))
	assert.Equal(t, "Call back", got.Title)
	contactAppts, _, err := c.Appointments.List(ctx, contact)
	require.NoError(t, err)
	require.Len(t, contactAppts, 1)
	assert.True(t, contactAppts[0].StartTime.Equal(monday9), "the contact's appointment list sees the move")

	// Slots asked in another timezone are the same instants.
	london, _, err := c.Calendars.FreeSlots(ctx, calID, &ghl.FreeSlotsOptions{Start: opts.Start, End: opts.End, Timezone: "Europe/London"})
	require.NoError(t, err)
	require.Len(t, london, 31)
	assert.Equal(t, "2026-03-06T14:00:00Z", london[0].Format(time.RFC3339))
	assert.Equal(t, "Europe/London", london[0].Location().String())

	// Cancel: the appointment stays (history), its slot is free again.
	ev, _, err = c.Calendars.CancelAppointment(ctx, ev.ID)
	require.NoError(t, err)
	assert.Equal(t, ghl.AppointmentStatusCancelled, ev.AppointmentStatus)
	slots, _, err = c.Calendars.FreeSlots(ctx, calID, opts)
	require.NoError(t, err)
	assert.Len(t, slots, 32)
	var listed []*ghl.CalendarEvent
	for e, err := range c.Calendars.Events(ctx, &ghl.EventListOptions{CalendarID: calID, Start: opts.Start, End: opts.End}) {
		require.NoError(t, err)
		listed = append(listed, e)
	}
	require.Len(t, listed, 1)
	assert.Equal(t, ghl.AppointmentStatusCancelled, listed[0].AppointmentStatus)
	assert.Equal(t, "2026-03-09T09:00:00-04:00", listed[0].StartTime.Raw)

	// Delete removes it outright.
	_, err = c.Calendars.DeleteEvent(ctx, ev.ID)
	require.NoError(t, err)
	_, _, err = c.Calendars.GetAppointment(ctx, ev.ID)
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Appointment not found", apiErr.Message)
}

// Working hours are wall-clock times: on the day clocks go forward the missing hour offers no
// slot, and on the day they go back the repeated hour is offered once.
func TestFreeSlotsOnDSTDays(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 1, 12, 0, 0, 0, ny))
	ctx := context.Background()
	calID, err := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Night line",
		OpenHours: []OpenHours{{Days: []time.Weekday{time.Sunday}, OpenHour: 0, CloseHour: 4}}})
	require.NoError(t, err)

	day := func(y int, m time.Month, d int) *ghl.FreeSlotsOptions {
		start := time.Date(y, m, d, 0, 0, 0, 0, ny)
		return &ghl.FreeSlotsOptions{Start: start, End: start.Add(23 * time.Hour), Timezone: "America/New_York"}
	}
	spring, _, err := c.Calendars.FreeSlots(ctx, calID, day(2026, 3, 8))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2026-03-08T00:00:00-05:00", "2026-03-08T00:30:00-05:00", "2026-03-08T01:00:00-05:00", "2026-03-08T01:30:00-05:00",
		// 2:00 and 2:30 do not exist that night.
		"2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00",
	}, slotStrings(spring))

	autumn, _, err := c.Calendars.FreeSlots(ctx, calID, day(2026, 11, 1))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2026-11-01T00:00:00-04:00", "2026-11-01T00:30:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00",
		"2026-11-01T02:00:00-05:00", "2026-11-01T02:30:00-05:00", "2026-11-01T03:00:00-05:00", "2026-11-01T03:30:00-05:00",
	}, slotStrings(autumn))

	// A slot after the change books and blocks by the instant.
	contact := newContactVia(t, c, "night@example.com")
	_, _, err = c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: spring[4]})
	require.NoError(t, err)
	after, _, err := c.Calendars.FreeSlots(ctx, calID, &ghl.FreeSlotsOptions{Start: spring[0], End: spring[5], Timezone: "UTC"})
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-03-08T05:00:00Z", "2026-03-08T05:30:00Z", "2026-03-08T06:00:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z"}, slotStrings(after))
}

// A time that is not one of the calendar's slots is refused like a taken one, unless the
// booking asks GHL to skip the check; past slots are not offered.
func TestBookingOutsideTheSlots(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 9, 10, 5, 0, 0, ny))
	ctx := context.Background()
	calID, err := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Desk"})
	require.NoError(t, err)
	contact := newContactVia(t, c, "off@example.com")
	slots, _, err := c.Calendars.FreeSlots(ctx, calID, &ghl.FreeSlotsOptions{Start: time.Date(2026, 3, 9, 0, 0, 0, 0, ny), End: time.Date(2026, 3, 9, 23, 0, 0, 0, ny)})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-09T10:30:00-04:00", slots[0].Format(time.RFC3339), "slots before now are not offered")

	for _, start := range []time.Time{
		time.Date(2026, 3, 9, 10, 45, 0, 0, ny), // off the half-hour grid
		time.Date(2026, 3, 9, 18, 0, 0, 0, ny),  // after hours
		time.Date(2026, 3, 9, 9, 0, 0, 0, ny),   // in the past
	} {
		_, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: start})
		var apiErr *ghl.APIError
		require.ErrorAs(t, err, &apiErr, start)
		assert.Equal(t, "The slot you have selected is no longer available.", apiErr.Message)
	}
	end := time.Date(2026, 3, 9, 21, 0, 0, 0, ny)
	ev, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact,
		StartTime: time.Date(2026, 3, 9, 18, 0, 0, 0, ny), EndTime: &end, IgnoreFreeSlotValidation: ghl.Ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-09T21:00:00-04:00", ev.EndTime.Raw)
}

// With two team members a slot is gone only when both are booked; reassigning checks the new
// member's time.
func TestTeamCalendarCapacity(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	ctx := context.Background()
	alice, _ := srv.AddUser(User{FirstName: "Alice", Extension: "201"})
	bob, _ := srv.AddUser(User{FirstName: "Bob", Extension: "202"})
	calID, err := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Sales", TeamMembers: []string{alice, bob}})
	require.NoError(t, err)
	at := time.Date(2026, 3, 6, 9, 0, 0, 0, ny)
	window := &ghl.FreeSlotsOptions{Start: at, End: at}
	first, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: newContactVia(t, c, "a@example.com"), StartTime: at})
	require.NoError(t, err)
	assert.Equal(t, alice, first.AssignedUserID)
	slots, _, err := c.Calendars.FreeSlots(ctx, calID, window)
	require.NoError(t, err)
	assert.Len(t, slots, 1, "Bob is still free at 9:00")
	bobOnly, _, err := c.Calendars.FreeSlots(ctx, calID, &ghl.FreeSlotsOptions{Start: at, End: at, UserID: alice})
	require.NoError(t, err)
	assert.Empty(t, bobOnly, "Alice is not")

	second, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: newContactVia(t, c, "b@example.com"), StartTime: at})
	require.NoError(t, err)
	assert.Equal(t, bob, second.AssignedUserID)
	slots, _, err = c.Calendars.FreeSlots(ctx, calID, window)
	require.NoError(t, err)
	assert.Empty(t, slots)

	// Reassigning Bob's appointment to Alice would double-book her.
	_, _, err = c.Calendars.UpdateAppointment(ctx, second.ID, &ghl.AppointmentUpdateRequest{AssignedUserID: alice})
	assert.ErrorIs(t, err, ghl.ErrValidation)
	// At 9:30 she is free.
	later := at.Add(30 * time.Minute)
	moved, _, err := c.Calendars.UpdateAppointment(ctx, second.ID, &ghl.AppointmentUpdateRequest{AssignedUserID: alice, StartTime: &later})
	require.NoError(t, err)
	assert.Equal(t, alice, moved.AssignedUserID)

	var byUser []string
	for e, err := range c.Calendars.Events(ctx, &ghl.EventListOptions{UserID: alice, Start: at, End: at.Add(time.Hour)}) {
		require.NoError(t, err)
		byUser = append(byUser, e.ID)
	}
	assert.Equal(t, []string{first.ID, second.ID}, byUser)
}

func TestAppointmentNotesState(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	ctx := context.Background()
	alice, _ := srv.AddUser(User{FirstName: "Alice", LastName: "Agent"})
	calID, _ := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Desk"})
	contact := newContactVia(t, c, "notes@example.com")
	ev, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: time.Date(2026, 3, 6, 9, 0, 0, 0, ny)})
	require.NoError(t, err)
	for i := range 23 {
		_, _, err := c.Calendars.CreateAppointmentNote(ctx, ev.ID, &ghl.AppointmentNoteRequest{Body: "note " + string(rune('a'+i)), UserID: alice})
		require.NoError(t, err)
	}
	var bodies []string
	for n, err := range c.Calendars.AppointmentNotes(ctx, ev.ID) {
		require.NoError(t, err)
		bodies = append(bodies, n.Body)
		assert.Equal(t, contact, n.ContactID)
		assert.JSONEq(t, `{"id":"`+alice+`","name":"Alice Agent"}`, string(n.Extra["createdBy"]))
	}
	require.Len(t, bodies, 23)
	page, _, err := c.Calendars.ListAppointmentNotes(ctx, ev.ID, &ghl.AppointmentNoteListOptions{Limit: 20, Offset: 20})
	require.NoError(t, err)
	assert.Len(t, page.Notes, 3)
	assert.False(t, page.HasMore)
	n, _, err := c.Calendars.UpdateAppointmentNote(ctx, ev.ID, page.Notes[0].ID, &ghl.AppointmentNoteRequest{Body: "edited"})
	require.NoError(t, err)
	assert.Equal(t, "edited", n.Body)
	_, err = c.Calendars.DeleteAppointmentNote(ctx, ev.ID, n.ID)
	require.NoError(t, err)
	_, err = c.Calendars.DeleteAppointmentNote(ctx, ev.ID, n.ID)
	assert.ErrorIs(t, err, ghl.ErrValidation, "the note is gone")
	page, _, err = c.Calendars.ListAppointmentNotes(ctx, ev.ID, &ghl.AppointmentNoteListOptions{Offset: 20})
	require.NoError(t, err)
	assert.Len(t, page.Notes, 2)
}

// rawCall sends a request to the fake with the given Version, bypassing the SDK.
func calRawCall(t *testing.T, srv *Server, method, path, version string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	req.Header.Set("Version", version)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestCalendarsValidation(t *testing.T) {
	ny := mustNY(t)
	srv, _ := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	calID, _ := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Desk"})
	loc := srv.LocationID()
	cases := []struct {
		name, method, path, version string
		body                        any
		status                      int
		message                     any
	}{
		{"wrong version", "GET", "/calendars/?locationId=" + loc, "2021-07-28", nil, 400, "Version header must be 2021-04-15 for this operation"},
		{"no trailing slash", "GET", "/calendars?locationId=" + loc, "2021-04-15", nil, 404, "Cannot GET /calendars"},
		{"unknown query parameter", "GET", "/calendars/?locationId=" + loc + "&limit=5", "2021-04-15", nil, 400, "property limit should not exist"},
		{"other location", "GET", "/calendars/?locationId=elsewhere", "2021-04-15", nil, 403, "The token does not have access to this location."},
		{"range over 31 days", "GET", "/calendars/" + calID + "/free-slots?startDate=0&endDate=2678400001", "2021-04-15", nil, 400, "Date range cannot be more than 31 days"},
		{"31 days exactly", "GET", "/calendars/" + calID + "/free-slots?startDate=0&endDate=2678400000", "2021-04-15", nil, 200, nil},
		{"no range", "GET", "/calendars/" + calID + "/free-slots", "2021-04-15", nil, 400,
			[]any{"startDate must be a number conforming to the specified constraints", "endDate must be a number conforming to the specified constraints"}},
		{"bad timezone", "GET", "/calendars/" + calID + "/free-slots?startDate=0&endDate=1&timezone=Mars%2FBase", "2021-04-15", nil, 400, "Invalid timezone: Mars/Base"},
		{"unknown calendar", "GET", "/calendars/" + missingID + "/free-slots?startDate=0&endDate=1", "2021-04-15", nil, 400, "Calendar not found"},
		{"malformed calendar ID", "GET", "/calendars/nope/free-slots?startDate=0&endDate=1", "2021-04-15", nil, 400, "Invalid calendarId"},
		{"book without fields", "POST", "/calendars/events/appointments", "2021-04-15", map[string]any{"title": 5, "color": "red"}, 400,
			[]any{"calendarId should not be empty", "contactId should not be empty", "locationId should not be empty", "property color should not exist", "startTime should not be empty", "title must be a string"}},
		{"book bad time", "POST", "/calendars/events/appointments", "2021-04-15",
			map[string]any{"calendarId": calID, "locationId": loc, "contactId": "c", "startTime": "tomorrow 9am", "appointmentStatus": "maybe"}, 400,
			[]any{"appointmentStatus must be one of the following values: new, confirmed, cancelled, showed, noshow, invalid", "startTime must be a valid ISO 8601 date string"}},
		{"book unknown contact", "POST", "/calendars/events/appointments", "2021-04-15",
			map[string]any{"calendarId": calID, "locationId": loc, "contactId": "nobody", "startTime": "2026-03-06T09:00:00-05:00"}, 400, "Contact not found"},
		{"events without owner", "GET", "/calendars/events?locationId=" + loc + "&startTime=0&endTime=1", "2021-04-15", nil, 400, "Either of calendarId, userId or groupId is required"},
		{"events with two owners", "GET", "/calendars/events?locationId=" + loc + "&startTime=0&endTime=1&calendarId=a&userId=b", "2021-04-15", nil, 400, "Only one of calendarId, userId or groupId may be given"},
		{"notes without paging", "GET", "/calendars/appointments/" + missingID + "/notes", "2021-04-15", nil, 400,
			[]any{"limit must not be greater than 20", "limit must be a number conforming to the specified constraints", "offset must not be less than 0", "offset must be a number conforming to the specified constraints"}},
		{"notes of unknown appointment", "GET", "/calendars/appointments/" + missingID + "/notes?limit=20&offset=0", "2021-04-15", nil, 400, "Appointment not found"},
		{"delete with a body member", "DELETE", "/calendars/events/" + missingID, "2021-04-15", map[string]any{"force": true}, 400, "property force should not exist"},
		{"delete of an unknown event", "DELETE", "/calendars/events/" + missingID, "2021-04-15", nil, 400, "Event not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := calRawCall(t, srv, tc.method, tc.path, tc.version, tc.body)
			assert.Equal(t, tc.status, status, "%v", body)
			if tc.message != nil {
				assert.Equal(t, tc.message, body["message"])
			}
		})
	}
}

// Of concurrent bookings of one slot, exactly one wins (observed of GHL).
func TestConcurrentBookingsOfOneSlot(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	ctx := context.Background()
	calID, _ := srv.AddCalendar(srv.LocationID(), Calendar{Name: "Desk"})
	contact := newContactVia(t, c, "race@example.com")
	at := time.Date(2026, 3, 6, 9, 0, 0, 0, ny)
	results := make(chan error, 8)
	for range 8 {
		go func() {
			_, _, err := c.Calendars.Book(ctx, &ghl.AppointmentRequest{CalendarID: calID, ContactID: contact, StartTime: at})
			results <- err
		}()
	}
	won := 0
	for range 8 {
		if err := <-results; err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, ghl.ErrValidation)
		}
	}
	assert.Equal(t, 1, won)
	appts, _, err := c.Appointments.List(ctx, contact)
	require.NoError(t, err)
	require.Len(t, appts, 1)
	assert.Equal(t, "Ada Lovelace", appts[0].Title, "the title defaults to the contact's name")
}

// The calendar list filters by group and leaves drafts out only when asked; a recurring
// booking keeps its rrule (with ignoreFreeSlotValidation, as GHL applies it) and is not
// expanded into instances.
func TestCalendarListAndRecurringBookings(t *testing.T) {
	ny := mustNY(t)
	srv, c := newCalFake(t, time.Date(2026, 3, 5, 12, 0, 0, 0, ny))
	loc := srv.LocationID()
	desk, _ := srv.AddCalendar(loc, Calendar{Name: "Desk", GroupID: "g1"})
	draft, _ := srv.AddCalendar(loc, Calendar{Name: "Later", GroupID: "g1", Draft: true})
	other, _ := srv.AddCalendar(loc, Calendar{Name: "Other", GroupID: "g2"})
	names := func(path string) []string {
		t.Helper()
		status, body := calRawCall(t, srv, "GET", path, "2021-04-15", nil)
		require.Equal(t, http.StatusOK, status, "%v", body)
		var out []string
		for _, cal := range body["calendars"].([]any) {
			out = append(out, cal.(map[string]any)["id"].(string))
		}
		return out
	}
	assert.Equal(t, []string{desk, draft, other}, names("/calendars/?locationId="+loc), "drafts are shown by default")
	assert.Equal(t, []string{desk}, names("/calendars/?locationId="+loc+"&groupId=g1&showDrafted=false"))
	status, body := calRawCall(t, srv, "GET", "/calendars/?locationId="+loc+"&showDrafted=maybe", "2021-04-15", nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "showDrafted must be a boolean value", body["message"])

	contact := newContactVia(t, c, "weekly@example.com")
	const rrule = "RRULE:FREQ=WEEKLY;COUNT=4"
	status, body = calRawCall(t, srv, "POST", "/calendars/events/appointments", "2021-04-15", map[string]any{"calendarId": desk,
		"locationId": loc, "contactId": contact, "startTime": "2026-03-06T10:00:00-05:00", "rrule": rrule, "ignoreFreeSlotValidation": true})
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, true, body["isRecurring"])
	assert.Equal(t, rrule, body["rrule"])
	appts, _, err := c.Appointments.List(context.Background(), contact)
	require.NoError(t, err)
	assert.Len(t, appts, 1, "not expanded into instances")
}
