package ghl

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The spec's AppointmentSchemaResponse example (isRecurring is documented as a string).
const bookedAppointmentJSON = `{"id":"0TkCdp9PfvLeWKYRRvIz","calendarId":"CVokAlI8fgw4WYWoCtQz","locationId":"C2QujeCh8ZnC7al2InWR",
	"contactId":"0007BWpSzSwfiuSl0tR2","startTime":"2021-06-23T03:30:00+05:30","endTime":"2021-06-23T04:30:00+05:30",
	"title":"Test Event","meetingLocationType":"custom","appointmentStatus":"confirmed",
	"assignedUserId":"0007BWpSzSwfiuSl0tR2","address":"Zoom","isRecurring":"true"}`

// The spec's CalendarEventDTO example.
const calendarEventJSON = `{"id":"ocQHyuzHvysMo5N5VsXc","address":"https://meet.google.com/yqp-gogr-wve",
	"title":"Appointment with GHL Dev team","calendarId":"BqTwX8QFwXzpegMve9EQ","locationId":"0007BWpSzSwfiuSl0tR2",
	"contactId":"9NkT25Vor1v4aQatFsv2","groupId":"9NkT25Vor1v4aQatFsv2","appointmentStatus":"confirmed",
	"assignedUserId":"YlWd2wuCAZQzh2cH1fVZ","users":["YlWd2wuCAZQzh2cH1fVZ","9NkT25Vor1v4aQatFsv2"],
	"notes":"Some dummy note","description":"Some dummy description","isRecurring":true,
	"rrule":"RRULE:FREQ=DAILY;INTERVAL=1;COUNT=5","startTime":"2023-09-25T16:00:00+05:30",
	"endTime":"2023-09-25T16:30:00+05:30","dateAdded":"2023-09-25T16:00:00+05:30","dateUpdated":"2023-09-25T16:00:00+05:30",
	"assignedResources":["room-1"],"createdBy":{"userId":"YlWd2wuCAZQzh2cH1fVZ","source":"third_party"},"masterEventId":"ocWd2wuBGAQzh2cH1fSZ"}`

func TestCalendarsBook(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ist := time.FixedZone("IST", 5*3600+1800)
	start := time.Date(2021, 6, 23, 3, 30, 0, 0, ist)
	calls := expect(t, mux, wire{
		method: http.MethodPost, path: "/calendars/events/appointments", version: versionCalendars,
		body: `{"calendarId":"CVokAlI8fgw4WYWoCtQz","locationId":"loc-test-1","contactId":"0007BWpSzSwfiuSl0tR2",
			"startTime":"2021-06-23T03:30:00+05:30","endTime":"2021-06-23T04:30:00+05:30","title":"Test Event",
			"description":"Booking a call to discuss the project","appointmentStatus":"confirmed",
			"assignedUserId":"0007BWpSzSwfiuSl0tR2","address":"Zoom","meetingLocationType":"custom",
			"meetingLocationId":"custom_0","overrideLocationConfig":true,"ignoreDateRange":false,"toNotify":false,
			"ignoreFreeSlotValidation":true,"rrule":"RRULE:FREQ=DAILY;INTERVAL=1;COUNT=5","source":"linkedphone"}`,
		resp: bookedAppointmentJSON,
	})
	ev, resp, err := client.Calendars.Book(context.Background(), &AppointmentRequest{
		CalendarID: "CVokAlI8fgw4WYWoCtQz", ContactID: "0007BWpSzSwfiuSl0tR2",
		StartTime: start, EndTime: Ptr(start.Add(time.Hour)),
		Title: "Test Event", Description: "Booking a call to discuss the project",
		AppointmentStatus: AppointmentStatusConfirmed, AssignedUserID: "0007BWpSzSwfiuSl0tR2", Address: "Zoom",
		MeetingLocationType: "custom", MeetingLocationID: "custom_0", OverrideLocationConfig: Ptr(true),
		IgnoreDateRange: Ptr(false), ToNotify: Ptr(false), IgnoreFreeSlotValidation: Ptr(true),
		RRule: "RRULE:FREQ=DAILY;INTERVAL=1;COUNT=5", Extra: Extra{"source": json.RawMessage(`"linkedphone"`)},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "0TkCdp9PfvLeWKYRRvIz", ev.ID)
	assert.Equal(t, AppointmentStatusConfirmed, ev.AppointmentStatus)
	assert.True(t, start.Equal(ev.StartTime.Time))
	assert.Equal(t, "2021-06-23T03:30:00+05:30", ev.StartTime.Raw)
	assert.Equal(t, "custom", ev.MeetingLocationType)
	assert.JSONEq(t, `"true"`, string(ev.Extra["isRecurring"]))
	out, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, bookedAppointmentJSON, string(out))
}

func TestCalendarsBookMinimalAndRejects(t *testing.T) {
	client, mux := setup(t)
	start := time.Date(2026, 3, 9, 9, 0, 0, 0, time.FixedZone("", -4*3600))
	expect(t, mux, wire{
		method: http.MethodPost, path: "/calendars/events/appointments", version: versionCalendars,
		body: `{"calendarId":"cal1","locationId":"loc-test-1","contactId":"con1","startTime":"2026-03-09T09:00:00-04:00"}`,
		resp: `{"id":"e1","calendarId":"cal1","locationId":"loc-test-1","contactId":"con1"}`,
	})
	req := &AppointmentRequest{CalendarID: "cal1", ContactID: "con1", StartTime: start}
	ev, _, err := client.Calendars.Book(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "e1", ev.ID)
	assert.Empty(t, req.LocationID, "Book must not change the caller's request")

	cases := []struct {
		req   *AppointmentRequest
		param string
	}{
		{nil, "req"},
		{&AppointmentRequest{ContactID: "c", StartTime: start}, "req.CalendarID"},
		{&AppointmentRequest{CalendarID: "c", StartTime: start}, "req.ContactID"},
		{&AppointmentRequest{CalendarID: "c", ContactID: "c"}, "req.StartTime"},
		{&AppointmentRequest{CalendarID: "c", ContactID: "c", StartTime: start, EndTime: &start}, "req.EndTime"},
	}
	for _, tc := range cases {
		_, resp, err := client.Calendars.Book(context.Background(), tc.req)
		assert.Nil(t, resp)
		assertInvalidParam(t, err, tc.param)
	}
	noLoc, _ := setup(t)
	noLoc.locationID = ""
	_, _, err = noLoc.Calendars.Book(context.Background(), &AppointmentRequest{CalendarID: "c", ContactID: "c", StartTime: start})
	assertInvalidParam(t, err, "req.LocationID")
}

// A refused slot is GHL's 400, typed as a validation error.
func TestCalendarsBookSlotTaken(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/calendars/events/appointments", version: versionCalendars,
		body:   `{"calendarId":"cal1","locationId":"loc-test-1","contactId":"con1","startTime":"2026-03-09T09:00:00Z"}`,
		status: http.StatusBadRequest, resp: `{"statusCode":400,"message":"The slot you have selected is no longer available.","error":"Bad Request"}`,
	})
	_, resp, err := client.Calendars.Book(context.Background(), &AppointmentRequest{CalendarID: "cal1", ContactID: "con1", StartTime: time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.ErrorIs(t, err, ErrValidation)
	assert.Equal(t, "The slot you have selected is no longer available.", apiErr.Message)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestCalendarsUpdateAppointment(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	newStart := time.Date(2021, 6, 24, 10, 0, 0, 0, time.FixedZone("", 5*3600+1800))
	calls := expect(t, mux, wire{
		method: http.MethodPut, path: "/calendars/events/appointments/ev%2F1", version: versionCalendars,
		body: `{"calendarId":"cal2","startTime":"2021-06-24T10:00:00+05:30","endTime":"2021-06-24T10:30:00+05:30",
			"assignedUserId":"u2","title":"Moved","toNotify":true,"address":null}`,
		resp: bookedAppointmentJSON,
	})
	ev, _, err := client.Calendars.UpdateAppointment(context.Background(), "ev/1", &AppointmentUpdateRequest{
		CalendarID: "cal2", StartTime: &newStart, EndTime: Ptr(newStart.Add(30 * time.Minute)),
		AssignedUserID: "u2", Title: "Moved", ToNotify: Ptr(true), Null: []string{"address"},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, "0TkCdp9PfvLeWKYRRvIz", ev.ID)

	for _, tc := range []struct {
		id    string
		req   *AppointmentUpdateRequest
		param string
	}{
		{"", &AppointmentUpdateRequest{}, "eventID"},
		{"..", &AppointmentUpdateRequest{}, "eventID"},
		{"e1", nil, "req"},
		{"e1", &AppointmentUpdateRequest{StartTime: &newStart, EndTime: &newStart}, "req.EndTime"},
	} {
		_, _, err := client.Calendars.UpdateAppointment(context.Background(), tc.id, tc.req)
		assertInvalidParam(t, err, tc.param)
	}
}

func TestCalendarsCancelAppointment(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{
		method: http.MethodPut, path: "/calendars/events/appointments/ev1", version: versionCalendars,
		body: `{"appointmentStatus":"cancelled"}`,
		resp: `{"id":"ev1","calendarId":"c","locationId":"l","contactId":"k","appointmentStatus":"cancelled"}`,
	})
	ev, _, err := client.Calendars.CancelAppointment(context.Background(), "ev1")
	require.NoError(t, err)
	assert.Equal(t, AppointmentStatusCancelled, ev.AppointmentStatus)
	_, _, err = client.Calendars.CancelAppointment(context.Background(), " ")
	assertInvalidParam(t, err, "eventID")
}

func TestCalendarsGetAppointment(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{
		method: http.MethodGet, path: "/calendars/events/appointments/ocQHyuzHvysMo5N5VsXc_1729821600000_1800", version: versionCalendars,
		resp: `{"event":` + calendarEventJSON + `,"traceId":"t"}`,
	})
	ev, _, err := client.Calendars.GetAppointment(context.Background(), "ocQHyuzHvysMo5N5VsXc_1729821600000_1800")
	require.NoError(t, err)
	assert.Equal(t, "ocQHyuzHvysMo5N5VsXc", ev.ID)
	assert.Equal(t, []string{"YlWd2wuCAZQzh2cH1fVZ", "9NkT25Vor1v4aQatFsv2"}, ev.Users)
	assert.Equal(t, "Some dummy note", ev.Notes)
	assert.Equal(t, "ocWd2wuBGAQzh2cH1fSZ", ev.MasterEventID)
	assert.Equal(t, &EventCreatedBy{UserID: "YlWd2wuCAZQzh2cH1fVZ", Source: "third_party"}, ev.CreatedBy)
	assert.Equal(t, time.Date(2023, 9, 25, 11, 0, 0, 0, time.UTC), ev.EndTime.UTC())
	out, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.JSONEq(t, calendarEventJSON, string(out))
}

func TestCalendarsDeleteEvent(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	// The spec documents a required empty body and a 201 with {"succeeded": true}.
	expect(t, mux, wire{method: http.MethodDelete, path: "/calendars/events/ev%3F1", version: versionCalendars, body: `{}`, status: http.StatusCreated, resp: `{"succeeded":true}`})
	resp, err := client.Calendars.DeleteEvent(context.Background(), "ev?1")
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)

	expect(t, mux, wire{method: http.MethodDelete, path: "/calendars/events/ev2", version: versionCalendars, body: `{}`, resp: `{"succeeded":false}`})
	_, err = client.Calendars.DeleteEvent(context.Background(), "ev2")
	var ns *NotSucceededError
	require.ErrorAs(t, err, &ns)
	assert.ErrorIs(t, err, ErrNotSucceeded)
	assert.Equal(t, "/calendars/events/{eventId}", ns.Route)

	_, err = client.Calendars.DeleteEvent(context.Background(), "")
	assertInvalidParam(t, err, "eventID")
}

func TestCalendarsEvents(t *testing.T) {
	ctx := context.Background()
	start, end := time.UnixMilli(1680373800000), time.UnixMilli(1680978599999)
	for _, tc := range []struct {
		name  string
		opts  EventListOptions
		query string
	}{
		{"by calendar", EventListOptions{CalendarID: "BqTwX8QFwXzpegMve9EQ"}, "calendarId=BqTwX8QFwXzpegMve9EQ&endTime=1680978599999&locationId=loc-test-1&startTime=1680373800000"},
		{"by user", EventListOptions{UserID: "CVokAlI8fgw4WYWoCtQz", LocationID: "0007BWpSzSwfiuSl0tR2"}, "endTime=1680978599999&locationId=0007BWpSzSwfiuSl0tR2&startTime=1680373800000&userId=CVokAlI8fgw4WYWoCtQz"},
		{"by group", EventListOptions{GroupID: "g&1"}, "endTime=1680978599999&groupId=g%261&locationId=loc-test-1&startTime=1680373800000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, mux := setup(t)
			refuseAll(t, mux)
			calls := expect(t, mux, wire{method: http.MethodGet, path: "/calendars/events", version: versionCalendars, query: tc.query,
				resp: `{"events":[` + calendarEventJSON + `,{"id":"e2","appointmentStatus":"cancelled"}],"traceId":"t"}`})
			opts := tc.opts
			opts.Start, opts.End = start, end
			var ids []string
			for ev, err := range client.Calendars.Events(ctx, &opts) {
				require.NoError(t, err)
				ids = append(ids, ev.ID)
			}
			assert.Equal(t, []string{"ocQHyuzHvysMo5N5VsXc", "e2"}, ids)
			assert.Equal(t, int32(1), calls.Load())
			// Stopping early is allowed.
			for range client.Calendars.Events(ctx, &opts) {
				break
			}
			assert.Equal(t, int32(2), calls.Load())
		})
	}
}

func TestCalendarsEventsRejectsBadOptions(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		opts  *EventListOptions
		param string
		msg   string
	}{
		{nil, "opts", ""},
		{&EventListOptions{Start: start, End: start}, "opts", "ghl: invalid opts: exactly one of CalendarID, UserID and GroupID is required; none is set"},
		{&EventListOptions{CalendarID: "c", UserID: "u", Start: start, End: start}, "opts", "ghl: invalid opts: exactly one of CalendarID, UserID and GroupID is required; CalendarID and UserID are set"},
		{&EventListOptions{CalendarID: "c", UserID: "u", GroupID: "g", Start: start, End: start}, "opts", ""},
		{&EventListOptions{CalendarID: " ", Start: start, End: start}, "opts.CalendarID", ""},
		{&EventListOptions{CalendarID: "c", End: start}, "opts.Start", ""},
		{&EventListOptions{CalendarID: "c", Start: start}, "opts.End", ""},
		{&EventListOptions{CalendarID: "c", Start: start, End: start.Add(-1)}, "opts.End", ""},
	}
	for _, tc := range cases {
		n := 0
		for ev, err := range client.Calendars.Events(context.Background(), tc.opts) {
			n++
			assert.Nil(t, ev)
			assertInvalidParam(t, err, tc.param)
			if tc.msg != "" {
				assert.EqualError(t, err, tc.msg)
			}
		}
		assert.Equal(t, 1, n)
	}
	noLoc, _ := setup(t)
	noLoc.locationID = ""
	for _, err := range noLoc.Calendars.Events(context.Background(), &EventListOptions{CalendarID: "c", Start: start, End: start}) {
		assertInvalidParam(t, err, "opts.LocationID")
	}
}
