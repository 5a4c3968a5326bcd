package ghl

import (
	"context"
	"net/http"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// TasksService reaches the /contacts/{contactId}/tasks endpoints.
type TasksService service

// Task is a to-do attached to a contact.
type Task struct {
	ID         string `json:"id,omitempty"`
	Title      string `json:"title,omitempty"`
	Body       string `json:"body,omitempty"`
	AssignedTo string `json:"assignedTo,omitempty"` // a user ID
	DueDate    *Time  `json:"dueDate,omitempty"`
	Completed  bool   `json:"completed"`
	ContactID  string `json:"contactId,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var taskFields = jsonx.FieldsOf[Task]()

// UnmarshalJSON decodes a task and keeps the fields it does not name in Extra.
func (t *Task) UnmarshalJSON(data []byte) error { return decodeModel(data, t) }

// MarshalJSON encodes the task with its Extra fields.
func (t Task) MarshalJSON() ([]byte, error) {
	type plain Task
	return encodeWithExtra(plain(t), taskFields, t.Extra, nil)
}

// TaskCreateRequest is the body of Tasks.Create. Title and DueDate are required; Completed
// is always sent.
type TaskCreateRequest struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	// DueDate is the same type as Task.DueDate; a Time built in Go (ghl.Time{Time: t}) is
	// sent in RFC 3339.
	DueDate    Time   `json:"dueDate"`
	Completed  bool   `json:"completed"`
	AssignedTo string `json:"assignedTo,omitempty"` // a user ID

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var taskCreateFields = jsonx.FieldsOf[TaskCreateRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r TaskCreateRequest) MarshalJSON() ([]byte, error) {
	type plain TaskCreateRequest
	return encodeWithExtra(plain(r), taskCreateFields, r.Extra, nil)
}

// TaskUpdateRequest is the body of Tasks.Update. As in every update request, a nil field is
// not sent (use Ptr to set one), and a field named in Null is sent as null.
type TaskUpdateRequest struct {
	Title      *string `json:"title,omitempty"`
	Body       *string `json:"body,omitempty"`
	DueDate    *Time   `json:"dueDate,omitempty"`
	Completed  *bool   `json:"completed,omitempty"`
	AssignedTo *string `json:"assignedTo,omitempty"` // a user ID

	Null  []string `json:"-"`
	Extra Extra    `json:"-"`
}

var taskUpdateFields = jsonx.FieldsOf[TaskUpdateRequest]()

// MarshalJSON encodes the request with its Null and Extra fields.
func (r TaskUpdateRequest) MarshalJSON() ([]byte, error) {
	type plain TaskUpdateRequest
	return encodeWithExtra(plain(r), taskUpdateFields, r.Extra, r.Null)
}

type taskEnvelope struct {
	Task *Task `json:"task"`
}

type taskListEnvelope struct {
	Tasks []*Task `json:"tasks"`
}

// List returns the contact's tasks.
func (s *TasksService) List(ctx context.Context, contactID string) ([]*Task, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/" + ids[0] + "/tasks", route: "/contacts/{contactId}/tasks"}, func(e *taskListEnvelope) []*Task { return e.Tasks })
}

// Get fetches one task.
func (s *TasksService) Get(ctx context.Context, contactID, taskID string) (*Task, *Response, error) {
	ids, err := escapeIDs("contactID", contactID, "taskID", taskID)
	if err != nil {
		return nil, nil, err
	}
	return s.one(ctx, &request{method: http.MethodGet, path: taskPath(ids), route: "/contacts/{contactId}/tasks/{taskId}"})
}

// Create adds a task to the contact. It is not resent after a 5xx or a dropped connection,
// since GHL might have created it.
func (s *TasksService) Create(ctx context.Context, contactID string, req *TaskCreateRequest) (*Task, *Response, error) {
	ids, err := escapeIDs("contactID", contactID)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case req == nil:
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	case strings.TrimSpace(req.Title) == "":
		return nil, nil, &InvalidParamError{Param: "req.Title", Reason: "must not be empty"}
	case req.DueDate.IsZero():
		return nil, nil, &InvalidParamError{Param: "req.DueDate", Reason: "must be set"}
	}
	return s.one(ctx, &request{method: http.MethodPost, path: "/contacts/" + ids[0] + "/tasks", route: "/contacts/{contactId}/tasks", body: req})
}

// Update changes a task; only the fields set in req are sent.
func (s *TasksService) Update(ctx context.Context, contactID, taskID string, req *TaskUpdateRequest) (*Task, *Response, error) {
	ids, err := escapeIDs("contactID", contactID, "taskID", taskID)
	if err != nil {
		return nil, nil, err
	}
	if req == nil {
		return nil, nil, &InvalidParamError{Param: "req", Reason: "must not be nil"}
	}
	return s.one(ctx, &request{method: http.MethodPut, path: taskPath(ids), route: "/contacts/{contactId}/tasks/{taskId}", body: req})
}

// SetCompleted marks a task completed or not.
func (s *TasksService) SetCompleted(ctx context.Context, contactID, taskID string, completed bool) (*Task, *Response, error) {
	ids, err := escapeIDs("contactID", contactID, "taskID", taskID)
	if err != nil {
		return nil, nil, err
	}
	body := struct {
		Completed bool `json:"completed"`
	}{completed}
	return s.one(ctx, &request{method: http.MethodPut, path: taskPath(ids) + "/completed", route: "/contacts/{contactId}/tasks/{taskId}/completed", body: body})
}

// Delete deletes a task.
func (s *TasksService) Delete(ctx context.Context, contactID, taskID string) (*Response, error) {
	ids, err := escapeIDs("contactID", contactID, "taskID", taskID)
	if err != nil {
		return nil, err
	}
	return s.client.doAck(ctx, &request{method: http.MethodDelete, path: taskPath(ids), route: "/contacts/{contactId}/tasks/{taskId}"})
}

func taskPath(ids []string) string { return "/contacts/" + ids[0] + "/tasks/" + ids[1] }

func (s *TasksService) one(ctx context.Context, req *request) (*Task, *Response, error) {
	return fetch(ctx, s.client, req, func(e *taskEnvelope) *Task { return e.Task })
}
