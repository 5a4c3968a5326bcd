package ghltest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Task, note, appointment and tag changes raise the webhook events GHL sends for them.
func TestChangesEmitWebhooks(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(receiver.Close)
	srv := newAPIServer(t)
	loc := srv.LocationID()
	id := createContactAPI(t, srv, map[string]any{"email": "hook@example.com", "tags": []string{"a"}})
	srv.Seed(loc, 20, 1) // seeding is silent
	srv.RegisterWebhook(receiver.URL)

	ok := func(res apiResult) apiResult {
		require.Less(t, res.status, 300, "%s", res.raw)
		return res
	}
	res := ok(callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/tasks", map[string]any{"title": "Call", "dueDate": "2024-01-02T03:04:05Z", "completed": false, "assignedTo": "u1"}))
	task := "/contacts/" + id + "/tasks/" + res.body["task"].(map[string]any)["id"].(string)
	ok(callAPI(t, srv, http.MethodPut, task+"/completed", map[string]any{"completed": true}))
	ok(callAPI(t, srv, http.MethodPut, task+"/completed", map[string]any{"completed": true})) // already completed: no event
	ok(callAPI(t, srv, http.MethodPut, task, map[string]any{"completed": false}))
	ok(callAPI(t, srv, http.MethodPut, task, map[string]any{"completed": true}))
	ok(callAPI(t, srv, http.MethodDelete, task, nil))
	res = ok(callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/notes", map[string]any{"body": "hi"}))
	note := "/contacts/" + id + "/notes/" + res.body["note"].(map[string]any)["id"].(string)
	ok(callAPI(t, srv, http.MethodPut, note, map[string]any{"body": "hello"}))
	ok(callAPI(t, srv, http.MethodDelete, note, nil))
	ok(callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/tags", map[string]any{"tags": []string{"b"}}))
	ok(callAPI(t, srv, http.MethodPost, "/contacts/"+id+"/tags", map[string]any{"tags": []string{"b"}})) // no change: no event
	ok(callAPI(t, srv, http.MethodDelete, "/contacts/"+id+"/tags", map[string]any{"tags": []string{"a"}}))
	ok(callAPI(t, srv, http.MethodPost, "/contacts/bulk/tags/update/add", map[string]any{"locationId": loc, "contacts": []string{id}, "tags": []string{"c"}}))
	_, err := srv.BookAppointment(loc, id, Appointment{CalendarID: "cal", Title: "Demo", StartTime: time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.FlushWebhooks(ctx))
	var types []string
	events := map[string][]map[string]any{}
	for _, d := range srv.Deliveries() {
		require.True(t, d.Delivered, "%+v", d)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(d.Body, &ev))
		types = append(types, d.Type)
		events[d.Type] = append(events[d.Type], ev)
	}
	assert.Equal(t, []string{"TaskCreate", "TaskComplete", "TaskComplete", "TaskDelete", "NoteCreate", "NoteUpdate", "NoteDelete",
		"ContactTagUpdate", "ContactTagUpdate", "ContactTagUpdate", "AppointmentCreate"}, types)

	tc := events["TaskCreate"][0]
	assert.Equal(t, "Call", tc["title"])
	assert.Equal(t, "u1", tc["assignedTo"])
	assert.Equal(t, id, tc["contactId"])
	assert.Equal(t, "2024-01-02T03:04:05.000Z", tc["dueDate"])
	assert.Equal(t, loc, tc["locationId"])
	assert.NotContains(t, tc, "completed")
	assert.Equal(t, "hello", events["NoteUpdate"][0]["body"])
	assert.Equal(t, []any{"b", "c"}, events["ContactTagUpdate"][2]["tags"])
	appt := events["AppointmentCreate"][0]["appointment"].(map[string]any)
	assert.Equal(t, "2024-01-02T05:00:00-05:00", appt["startTime"], "in the location's timezone, with its offset")
	assert.Equal(t, "cal", appt["calendarId"])
	assert.Equal(t, id, appt["contactId"])
}
