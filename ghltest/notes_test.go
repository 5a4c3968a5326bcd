package ghltest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNotes(t *testing.T) {
	clock := time.Date(2021, 7, 8, 12, 2, 11, 285e6, time.UTC)
	srv := NewServer(WithClock(func() time.Time { return clock }))
	t.Cleanup(srv.Close)
	loc := srv.LocationID()
	cid := createContactAPI(t, srv, map[string]any{"email": "note@example.com"})
	base := "/contacts/" + cid + "/notes"

	res := callAPI(t, srv, http.MethodPost, base, map[string]any{"body": "lorem ipsum", "title": "Follow-up summary", "color": "#FFAA00", "pinned": true, "userId": "u1"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	nid := res.body["note"].(map[string]any)["id"].(string)
	assert.JSONEq(t, `{"note":{"id":"`+nid+`","body":"lorem ipsum","userId":"u1","dateAdded":"2021-07-08T12:02:11.285Z","contactId":"`+cid+`",
		"title":"Follow-up summary","color":"#FFAA00","pinned":true}}`, string(res.raw))
	npath := base + "/" + nid

	res = callAPI(t, srv, http.MethodPost, base, map[string]any{"body": "second"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, false, res.body["note"].(map[string]any)["pinned"])

	res = callAPI(t, srv, http.MethodGet, base, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	require.Len(t, res.body["notes"], 2)
	assert.Equal(t, nid, res.body["notes"].([]any)[0].(map[string]any)["id"])

	res = callAPI(t, srv, http.MethodGet, npath, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "lorem ipsum", res.body["note"].(map[string]any)["body"])

	res = callAPI(t, srv, http.MethodPut, npath, map[string]any{"body": "edited", "pinned": false, "color": nil})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"note":{"id":"`+nid+`","body":"edited","userId":"u1","dateAdded":"2021-07-08T12:02:11.285Z","contactId":"`+cid+`",
		"title":"Follow-up summary","pinned":false}}`, string(res.raw))
	assert.Equal(t, "edited", srv.Notes(loc, cid)[0].Body)

	for _, tc := range []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"create without body", http.MethodPost, base, map[string]any{"title": "t"}, "body should not be empty"},
		{"create with empty body", http.MethodPost, base, map[string]any{"body": ""}, "body should not be empty"},
		{"create with no JSON", http.MethodPost, base, nil, "request body should not be empty"},
		{"create with wrong pinned", http.MethodPost, base, map[string]any{"body": "b", "pinned": "yes"}, "pinned must be a boolean value"},
		{"update with unknown property", http.MethodPut, npath, map[string]any{"contactId": "x"}, "property contactId should not exist"},
		{"update with null body", http.MethodPut, npath, map[string]any{"body": nil}, "body should not be empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, callAPI(t, srv, tc.method, tc.path, tc.body), tc.want)
		})
	}
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		res := callAPI(t, srv, method, base+"/"+missingID, map[string]any{"body": "x"})
		require.Equal(t, http.StatusNotFound, res.status, method)
		assert.JSONEq(t, `{"statusCode":404,"message":"Note not found"}`, string(res.raw))
	}
	requireContactNotFound(t, callAPI(t, srv, http.MethodGet, "/contacts/"+missingID+"/notes", nil))
	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/notes", map[string]any{"body": "x"}))
	require.Len(t, srv.Notes(loc, cid), 2)

	res = callAPI(t, srv, http.MethodDelete, npath, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	notes := srv.Notes(loc, cid)
	require.Len(t, notes, 1)
	assert.Equal(t, "second", notes[0].Body)
}

func TestAppointments(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	cid := createContactAPI(t, srv, map[string]any{"email": "appt@example.com"})

	res := callAPI(t, srv, http.MethodGet, "/contacts/"+cid+"/appointments", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"events":[]}`, string(res.raw))

	start := time.Date(2021, 7, 16, 13, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	id, err := srv.BookAppointment(loc, cid, Appointment{CalendarID: "cal1", Title: "Test", Address: "Main St",
		Notes: "bring papers", AssignedUserID: "u1", Users: []string{"u1"}, StartTime: start})
	require.NoError(t, err)

	res = callAPI(t, srv, http.MethodGet, "/contacts/"+cid+"/appointments", nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	events := res.body["events"].([]any)
	require.Len(t, events, 1)
	ev := events[0].(map[string]any)
	assert.Equal(t, id, ev["id"])
	// The Contacts API writes appointment times without "T" or zone.
	assert.Equal(t, "2021-07-16 11:00:00", ev["startTime"])
	assert.Equal(t, "2021-07-16 11:30:00", ev["endTime"])
	assert.Equal(t, "booked", ev["status"])
	assert.Equal(t, "confirmed", ev["appointmentStatus"])
	assert.Equal(t, "cal1", ev["calendarId"])
	assert.Equal(t, cid, ev["contactId"])
	assert.Equal(t, loc, ev["locationId"])
	assert.Equal(t, []any{"u1"}, ev["users"])
	assert.Regexp(t, `^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`, ev["dateAdded"])

	_, err = srv.BookAppointment(loc, "nope", Appointment{StartTime: start})
	assert.ErrorContains(t, err, `unknown contact "nope"`)
	_, err = srv.BookAppointment("elsewhere", cid, Appointment{StartTime: start})
	assert.ErrorContains(t, err, `unknown location "elsewhere"`)
	_, err = srv.BookAppointment(loc, cid, Appointment{})
	assert.ErrorContains(t, err, "no start time")
	_, err = srv.BookAppointment(loc, cid, Appointment{StartTime: start, EndTime: start.Add(-time.Hour)})
	assert.ErrorContains(t, err, "ends before it starts")

	requireContactNotFound(t, callAPI(t, srv, http.MethodGet, "/contacts/"+missingID+"/appointments", nil))
	res = callAPI(t, srv, http.MethodGet, "/contacts/"+cid+"/unknown", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
}
