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

// TaskSchema's example from the spec, plus a field the schema does not list.
const taskJSON = `{"id":"lJpzYrWdpkC2hX6t2yue","title":"test","body":"testing","assignedTo":"tesTUcmRxWrjqzJS8EjkxNKting",
	"dueDate":"2021-07-08T02:30:00.000Z","completed":true,"contactId":"lJpzYrWdpkC2hX6t2yue","isLocation":false}`

func assertSpecTask(t *testing.T, task *Task) {
	t.Helper()
	require.NotNil(t, task)
	assert.Equal(t, "lJpzYrWdpkC2hX6t2yue", task.ID)
	assert.Equal(t, "test", task.Title)
	assert.Equal(t, "testing", task.Body)
	assert.Equal(t, "tesTUcmRxWrjqzJS8EjkxNKting", task.AssignedTo)
	assert.True(t, task.Completed)
	require.NotNil(t, task.DueDate)
	assert.True(t, task.DueDate.Equal(time.Date(2021, 7, 8, 2, 30, 0, 0, time.UTC)))
	assert.Equal(t, "2021-07-08T02:30:00.000Z", task.DueDate.Raw)
	assert.JSONEq(t, `false`, string(task.Extra["isLocation"]))
}

func TestTasksList(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c1/tasks", resp: `{"tasks":[` + taskJSON + `]}`})
	tasks, _, err := client.Tasks.List(context.Background(), "c1")
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	assertSpecTask(t, tasks[0])
}

func TestTasksGet(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c1/tasks/lJpzYrWdpkC2hX6t2yue", resp: `{"task":` + taskJSON + `}`})
	task, _, err := client.Tasks.Get(context.Background(), "c1", "lJpzYrWdpkC2hX6t2yue")
	require.NoError(t, err)
	assertSpecTask(t, task)
}

func TestTasksCreate(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/c1/tasks",
		body:   `{"title":"First Task","body":"loram ipsum","dueDate":"2020-10-25T11:00:00Z","completed":false,"assignedTo":"hxHGVRb1YJUscrCB8eXK","extra":1}`,
		status: http.StatusCreated,
		resp:   `{"task":` + taskJSON + `}`,
	})
	task, resp, err := client.Tasks.Create(context.Background(), "c1", &TaskCreateRequest{
		Title: "First Task", Body: "loram ipsum", DueDate: Time{Time: time.Date(2020, 10, 25, 11, 0, 0, 0, time.UTC)},
		AssignedTo: "hxHGVRb1YJUscrCB8eXK", Extra: Extra{"extra": json.RawMessage(`1`)},
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assertSpecTask(t, task)
}

func TestTasksCreateRejectsBadInput(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	due := time.Now()
	for param, req := range map[string]*TaskCreateRequest{
		"req":         nil,
		"req.Title":   {Title: " ", DueDate: Time{Time: due}},
		"req.DueDate": {Title: "t"},
	} {
		_, _, err := client.Tasks.Create(context.Background(), "c1", req)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, param)
		assert.Equal(t, param, pe.Param)
	}
	_, _, err := client.Tasks.Update(context.Background(), "c1", "t1", nil)
	assert.ErrorIs(t, err, ErrInvalidParam)
	_, _, err = client.Tasks.Update(context.Background(), "c1", "t1", &TaskUpdateRequest{Null: []string{"nope"}})
	assert.ErrorIs(t, err, ErrInvalidParam)
}

func TestTasksUpdate(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPut, path: "/contacts/c1/tasks/t1",
		body: `{"title":"First Task","dueDate":"2020-10-25T11:00:00Z","completed":false,"assignedTo":null}`,
		resp: `{"task":` + taskJSON + `}`,
	})
	due := time.Date(2020, 10, 25, 11, 0, 0, 0, time.UTC)
	task, _, err := client.Tasks.Update(context.Background(), "c1", "t1", &TaskUpdateRequest{
		Title: Ptr("First Task"), DueDate: &Time{Time: due}, Completed: Ptr(false), Null: []string{"assignedTo"},
	})
	require.NoError(t, err)
	assertSpecTask(t, task)
}

func TestTasksSetCompleted(t *testing.T) {
	for _, completed := range []bool{true, false} {
		client, mux := setup(t)
		body := `{"completed":false}`
		if completed {
			body = `{"completed":true}`
		}
		expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1/tasks/t1/completed", body: body, resp: `{"task":` + taskJSON + `}`})
		task, _, err := client.Tasks.SetCompleted(context.Background(), "c1", "t1", completed)
		require.NoError(t, err)
		assertSpecTask(t, task)
	}
}

func TestTasksDelete(t *testing.T) {
	client, mux := setup(t)
	calls := expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/tasks/t1", resp: `{"succeded":true}`})
	resp, err := client.Tasks.Delete(context.Background(), "c1", "t1")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(1), calls.Load())
}

func TestTaskRoundTripKeepsUnknownFields(t *testing.T) {
	var task Task
	require.NoError(t, json.Unmarshal([]byte(taskJSON), &task))
	out, err := json.Marshal(task)
	require.NoError(t, err)
	assert.JSONEq(t, taskJSON, string(out))
}

// A task's due date is one type everywhere: the Time a task was read with goes back into a
// create or an update unchanged, with GHL's own text.
func TestTaskDueDateIsOneType(t *testing.T) {
	var task Task
	require.NoError(t, json.Unmarshal([]byte(taskJSON), &task))

	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1/tasks/t1", body: `{"dueDate":"2021-07-08T02:30:00.000Z"}`, resp: `{"task":` + taskJSON + `}`})
	expect(t, mux, wire{method: http.MethodPost, path: "/contacts/c1/tasks", status: http.StatusCreated,
		body: `{"title":"again","dueDate":"2021-07-08T02:30:00.000Z","completed":false}`, resp: `{"task":` + taskJSON + `}`})

	_, _, err := client.Tasks.Update(context.Background(), "c1", "t1", &TaskUpdateRequest{DueDate: task.DueDate})
	require.NoError(t, err)
	_, _, err = client.Tasks.Create(context.Background(), "c1", &TaskCreateRequest{Title: "again", DueDate: *task.DueDate})
	require.NoError(t, err)
}

// Every update request follows one rule: a nil field is not sent, a set one is sent even
// when it holds the zero value, and Null sends an explicit null.
func TestUpdateRequestsSendOnlySetFields(t *testing.T) {
	for name, tc := range map[string]struct {
		req  any
		want string
	}{
		"contact empty":  {ContactUpdateRequest{}, `{}`},
		"contact zeroes": {ContactUpdateRequest{FirstName: Ptr(""), DND: Ptr(false), Source: Ptr("")}, `{"firstName":"","dnd":false,"source":""}`},
		"contact null":   {ContactUpdateRequest{Email: Ptr("a@b.co"), Null: []string{"phone"}}, `{"email":"a@b.co","phone":null}`},
		"task empty":     {TaskUpdateRequest{}, `{}`},
		"task zeroes":    {TaskUpdateRequest{Title: Ptr(""), Completed: Ptr(false)}, `{"title":"","completed":false}`},
		"task null":      {TaskUpdateRequest{Null: []string{"assignedTo"}}, `{"assignedTo":null}`},
		"note empty":     {NoteUpdateRequest{}, `{}`},
		"note zeroes":    {NoteUpdateRequest{Body: Ptr(""), Pinned: Ptr(false)}, `{"body":"","pinned":false}`},
		"note null":      {NoteUpdateRequest{Null: []string{"color"}}, `{"color":null}`},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(tc.req)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))
		})
	}
}
