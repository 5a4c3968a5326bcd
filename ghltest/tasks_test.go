package ghltest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTasks(t *testing.T) {
	srv := newAPIServer(t)
	loc := srv.LocationID()
	cid := createContactAPI(t, srv, map[string]any{"email": "task@example.com"})
	base := "/contacts/" + cid + "/tasks"

	res := callAPI(t, srv, http.MethodPost, base, map[string]any{"title": "Call back", "dueDate": "2020-10-25T11:00:00Z", "completed": false, "body": "re quote"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	task := res.body["task"].(map[string]any)
	tid := task["id"].(string)
	require.NotEmpty(t, tid)
	assert.JSONEq(t, `{"task":{"id":"`+tid+`","title":"Call back","body":"re quote","dueDate":"2020-10-25T11:00:00.000Z","completed":false,"contactId":"`+cid+`"}}`, string(res.raw))
	tpath := base + "/" + tid

	res = callAPI(t, srv, http.MethodPost, base, map[string]any{"title": "Second", "dueDate": "2020-10-26T09:00:00+02:00", "completed": true, "assignedTo": "user1"})
	require.Equal(t, http.StatusCreated, res.status, "%s", res.raw)
	assert.Equal(t, "2020-10-26T07:00:00.000Z", res.body["task"].(map[string]any)["dueDate"])
	require.Len(t, srv.Tasks(loc, cid), 2)

	res = callAPI(t, srv, http.MethodGet, base, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	list := res.body["tasks"].([]any)
	require.Len(t, list, 2)
	assert.Equal(t, tid, list[0].(map[string]any)["id"])
	assert.Equal(t, "user1", list[1].(map[string]any)["assignedTo"])

	res = callAPI(t, srv, http.MethodGet, tpath, nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "Call back", res.body["task"].(map[string]any)["title"])

	// Update changes only what it names; null clears an optional field.
	res = callAPI(t, srv, http.MethodPut, tpath, map[string]any{"title": "Call back today", "body": nil})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"task":{"id":"`+tid+`","title":"Call back today","dueDate":"2020-10-25T11:00:00.000Z","completed":false,"contactId":"`+cid+`"}}`, string(res.raw))

	res = callAPI(t, srv, http.MethodPut, tpath+"/completed", map[string]any{"completed": true})
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.Equal(t, true, res.body["task"].(map[string]any)["completed"])
	assert.True(t, srv.Tasks(loc, cid)[0].Completed)

	res = callAPI(t, srv, http.MethodPut, tpath, map[string]any{"completed": false})
	require.Equal(t, http.StatusOK, res.status)
	assert.False(t, srv.Tasks(loc, cid)[0].Completed)

	for _, tc := range []struct {
		name, method, path string
		body               any
		want               []string
	}{
		{"create without title and dueDate", http.MethodPost, base, map[string]any{"completed": false},
			[]string{"title should not be empty", "dueDate should not be empty"}},
		{"create without completed", http.MethodPost, base, map[string]any{"title": "x", "dueDate": "2020-10-25T11:00:00Z"},
			[]string{"completed must be a boolean value"}},
		{"create with bad dueDate", http.MethodPost, base, map[string]any{"title": "x", "dueDate": "soon", "completed": false},
			[]string{"dueDate must be a valid ISO 8601 date string"}},
		{"create with empty body", http.MethodPost, base, nil, []string{"request body should not be empty"}},
		{"update with unknown property", http.MethodPut, tpath, map[string]any{"status": "done"}, []string{"property status should not exist"}},
		{"update with empty title", http.MethodPut, tpath, map[string]any{"title": ""}, []string{"title should not be empty"}},
		{"update with completed string", http.MethodPut, tpath, map[string]any{"completed": "yes"}, []string{"completed must be a boolean value"}},
		{"completed without value", http.MethodPut, tpath + "/completed", map[string]any{}, []string{"completed must be a boolean value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireUnprocessable(t, callAPI(t, srv, tc.method, tc.path, tc.body), tc.want...)
		})
	}

	taskNotFound := `{"statusCode":404,"message":"Task not found"}`
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, base + "/" + missingID}, {http.MethodPut, base + "/" + missingID}, {http.MethodDelete, base + "/" + missingID},
		{http.MethodPut, base + "/" + missingID + "/completed"},
	} {
		res := callAPI(t, srv, tc.method, tc.path, map[string]any{"completed": true})
		require.Equal(t, http.StatusNotFound, res.status, "%s %s", tc.method, tc.path)
		assert.JSONEq(t, taskNotFound, string(res.raw))
	}
	requireContactNotFound(t, callAPI(t, srv, http.MethodGet, "/contacts/"+missingID+"/tasks", nil))
	requireContactNotFound(t, callAPI(t, srv, http.MethodPost, "/contacts/"+missingID+"/tasks", map[string]any{"title": "x", "dueDate": "2020-10-25T11:00:00Z", "completed": false}))
	requireContactNotFound(t, callAPI(t, srv, http.MethodGet, "/contacts/"+missingID+"/tasks/"+tid, nil))
	require.Len(t, srv.Tasks(loc, cid), 2, "rejected requests changed nothing")

	res = callAPI(t, srv, http.MethodDelete, tpath, nil)
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	assert.JSONEq(t, `{"succeded":true}`, string(res.raw))
	require.Len(t, srv.Tasks(loc, cid), 1)
	assert.Equal(t, http.StatusNotFound, callAPI(t, srv, http.MethodGet, tpath, nil).status)

	// Deleting the contact deletes its tasks.
	require.Equal(t, http.StatusOK, callAPI(t, srv, http.MethodDelete, "/contacts/"+cid, nil).status)
	assert.Empty(t, srv.Tasks(loc, cid))
}
