package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A calendar built from the spec's CalendarDTO examples.
const calendarJSON = `{"id":"0TkCdp9PfvLeWKYRRvIz","locationId":"ocQHyuzHvysMo5N5VsXc","groupId":"BqTwX8QFwXzpegMve9EQ",
	"name":"test calendar","description":"this is used for testing","slug":"test1","widgetSlug":"test1",
	"calendarType":"round_robin","eventType":"RoundRobin_OptimizeForAvailability","widgetType":"classic",
	"eventTitle":"{{contact.name}}","eventColor":"#039be5","isActive":true,
	"teamMembers":[{"userId":"ocQHyuzHvysMo5N5VsXc","priority":0.5,"isPrimary":true,"meetingLocationType":"custom"}],
	"slotDuration":30,"slotDurationUnit":"mins","slotInterval":30,"slotIntervalUnit":"mins","appoinmentPerSlot":1,
	"openHours":[{"daysOfTheWeek":[1,2,3,4,5],"hours":[{"openHour":9,"openMinute":0,"closeHour":17,"closeMinute":30}]}],
	"autoConfirm":true,"allowReschedule":true}`

func TestCalendarsList(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	calls := expect(t, mux, wire{
		method: http.MethodGet, path: "/calendars/", version: versionCalendars,
		query: "groupId=BqTwX8QFwXzpegMve9EQ&locationId=other+loc&showDrafted=false",
		resp:  `{"calendars":[` + calendarJSON + `],"traceId":"t-1"}`,
	})
	cals, resp, err := client.Calendars.List(context.Background(), &CalendarListOptions{LocationID: "other loc", GroupID: "BqTwX8QFwXzpegMve9EQ", ShowDrafted: Ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, cals, 1)
	c := cals[0]
	assert.Equal(t, "0TkCdp9PfvLeWKYRRvIz", c.ID)
	assert.Equal(t, "test calendar", c.Name)
	assert.Equal(t, "round_robin", c.CalendarType)
	assert.Equal(t, Ptr(true), c.IsActive)
	assert.Equal(t, 30, c.SlotDuration)
	assert.Equal(t, "mins", c.SlotDurationUnit)
	assert.Equal(t, 1, c.AppointmentsPerSlot)
	require.Len(t, c.TeamMembers, 1)
	assert.Equal(t, "ocQHyuzHvysMo5N5VsXc", c.TeamMembers[0].UserID)
	assert.InDelta(t, 0.5, c.TeamMembers[0].Priority, 0)
	assert.True(t, c.TeamMembers[0].IsPrimary)
	assert.JSONEq(t, `"custom"`, string(c.TeamMembers[0].Extra["meetingLocationType"]))
	assert.Equal(t, []OpenHours{{DaysOfTheWeek: []int{1, 2, 3, 4, 5}, Hours: []HourRange{{OpenHour: 9, CloseHour: 17, CloseMinute: 30}}}}, c.OpenHours)
	assert.JSONEq(t, `"#039be5"`, string(c.Extra["eventColor"]))
	// A decoded calendar re-encodes to what GHL sent.
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, calendarJSON, string(out))
}

func TestCalendarsListDefaultsToClientLocation(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{method: http.MethodGet, path: "/calendars/", version: versionCalendars, query: "locationId=loc-test-1", resp: `{"calendars":[]}`})
	cals, _, err := client.Calendars.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, cals)

	noLoc, _ := setup(t)
	noLoc.locationID = ""
	_, _, err = noLoc.Calendars.List(context.Background(), nil)
	assertInvalidParam(t, err, "opts.LocationID")
}

// The spec's free-slots example, with the traceId real responses carry beside the dates.
const freeSlotsJSON = `{"2024-10-28":{"slots":["2024-10-28T10:00:00-05:00","2024-10-28T11:00:00-05:00"]},
	"2024-10-29":{"slots":["2024-10-29T10:00:00-05:00","2024-10-29T14:30:00-05:00"]},"traceId":"0f6ea5d3-1c1a"}`

func TestCalendarsFreeSlots(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	start := time.UnixMilli(1730091600000)
	end := start.Add(MaxFreeSlotsRange) // exactly 31 days is allowed
	calls := expect(t, mux, wire{
		method: http.MethodGet, path: "/calendars/cal%2F1/free-slots", version: versionCalendars,
		query: "endDate=1732770000000&startDate=1730091600000&timezone=America%2FChicago&userId=u1&userIds=u2&userIds=u3",
		resp:  freeSlotsJSON,
	})
	slots, resp, err := client.Calendars.FreeSlots(context.Background(), "cal/1", &FreeSlotsOptions{
		Start: start, End: end, Timezone: "America/Chicago", UserID: "u1", UserIDs: []string{"u2", "u3"},
	})
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	chicago, err := time.LoadLocation("America/Chicago")
	require.NoError(t, err)
	want := []time.Time{
		time.Date(2024, 10, 28, 10, 0, 0, 0, chicago),
		time.Date(2024, 10, 28, 11, 0, 0, 0, chicago),
		time.Date(2024, 10, 29, 10, 0, 0, 0, chicago),
		time.Date(2024, 10, 29, 14, 30, 0, 0, chicago),
	}
	require.Len(t, slots, len(want))
	for i, s := range slots {
		assert.True(t, want[i].Equal(s), "slot %d = %v, want %v", i, s, want[i])
		assert.Equal(t, chicago, s.Location(), "slot %d is not in the asked timezone", i)
		assert.Equal(t, want[i].Format(time.RFC3339), s.Format(time.RFC3339))
	}
}

func TestCalendarsFreeSlotsKeepGHLOffsetsWithoutTimezone(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	expect(t, mux, wire{
		method: http.MethodGet, path: "/calendars/c1/free-slots", version: versionCalendars,
		query: "endDate=1000&startDate=0", resp: `{"2024-10-29":{"slots":["2024-10-29T14:30:00-05:00"]},"2024-10-28":{"slots":["2024-10-28T10:00:00+05:30"]},"traceId":"x"}`,
	})
	slots, _, err := client.Calendars.FreeSlots(context.Background(), "c1", &FreeSlotsOptions{Start: time.UnixMilli(0), End: time.UnixMilli(1000)})
	require.NoError(t, err)
	require.Len(t, slots, 2)
	// Sorted by instant, each with the offset GHL sent.
	assert.Equal(t, "2024-10-28T10:00:00+05:30", slots[0].Format(time.RFC3339))
	assert.Equal(t, "2024-10-29T14:30:00-05:00", slots[1].Format(time.RFC3339))
}

func TestCalendarsFreeSlotsRejectsBadOptions(t *testing.T) {
	client, mux := setup(t)
	refuseAll(t, mux)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		id    string
		opts  *FreeSlotsOptions
		param string
	}{
		{"nil options", "c1", nil, "opts"},
		{"empty calendar", "", &FreeSlotsOptions{Start: start, End: start}, "calendarID"},
		{"no start", "c1", &FreeSlotsOptions{End: start}, "opts.Start"},
		{"no end", "c1", &FreeSlotsOptions{Start: start}, "opts.End"},
		{"end before start", "c1", &FreeSlotsOptions{Start: start, End: start.Add(-time.Millisecond)}, "opts.End"},
		{"31 days and 1 ms", "c1", &FreeSlotsOptions{Start: start, End: start.Add(MaxFreeSlotsRange + time.Millisecond)}, "opts.End"},
		{"unknown timezone", "c1", &FreeSlotsOptions{Start: start, End: start, Timezone: "Mars/Olympus"}, "opts.Timezone"},
		{"Local is not a name", "c1", &FreeSlotsOptions{Start: start, End: start, Timezone: "Local"}, "opts.Timezone"},
		{"empty user in list", "c1", &FreeSlotsOptions{Start: start, End: start, UserIDs: []string{"u1", ""}}, "opts.UserIDs[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			slots, resp, err := client.Calendars.FreeSlots(ctx, tc.id, tc.opts)
			assert.Nil(t, slots)
			assert.Nil(t, resp)
			assertInvalidParam(t, err, tc.param)
		})
	}
	_, _, err := client.Calendars.FreeSlots(ctx, "c1", &FreeSlotsOptions{Start: start, End: start.Add(MaxFreeSlotsRange + time.Millisecond)})
	assert.EqualError(t, err, "ghl: invalid opts.End: the range of 744h0m0.001s is longer than GHL's limit of 744h0m0s")
}

func TestCalendarsFreeSlotsBadSlotIsDecodeError(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/calendars/c1/free-slots", version: versionCalendars,
		query: "endDate=1&startDate=0", resp: `{"2024-10-28":{"slots":["10am"]}}`})
	_, resp, err := client.Calendars.FreeSlots(context.Background(), "c1", &FreeSlotsOptions{Start: time.UnixMilli(0), End: time.UnixMilli(1)})
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/calendars/{calendarId}/free-slots", de.Route)
	assert.Contains(t, err.Error(), `free slot "10am" of 2024-10-28`)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestCalendarsErrorsAreTyped(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/calendars/", version: versionCalendars, query: "locationId=loc-test-1",
		status: http.StatusUnauthorized, resp: `{"statusCode":401,"message":"The token is not authorized for this scope."}`})
	_, resp, err := client.Calendars.List(context.Background(), nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, errors.Is(err, ErrUnauthorized))
	assert.Equal(t, "The token is not authorized for this scope.", apiErr.Message)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
