package ghltest

import (
	"net/http"
	"time"
)

// taskDoc is a stored task (TaskSchema plus the dateAdded that webhooks carry).
type taskDoc struct {
	id, title, body, assignedTo, dueDate, contactID, dateAdded string
	completed                                                  bool
}

// json is the task as the API returns it.
func (t *taskDoc) json() map[string]any {
	m := map[string]any{"id": t.id, "title": t.title, "dueDate": t.dueDate, "completed": t.completed, "contactId": t.contactID}
	if t.body != "" {
		m["body"] = t.body
	}
	if t.assignedTo != "" {
		m["assignedTo"] = t.assignedTo
	}
	return m
}

// event is the payload of TaskCreate, TaskComplete and TaskDelete (which have no completed).
func (t *taskDoc) event() map[string]any {
	return map[string]any{"id": t.id, "assignedTo": t.assignedTo, "body": t.body, "contactId": t.contactID,
		"title": t.title, "dateAdded": t.dateAdded, "dueDate": t.dueDate}
}

func (t *taskDoc) docID() string { return t.id }

func (s *Server) tasks() *subResource[*taskDoc] {
	return &subResource[*taskDoc]{s: s, name: "Task", key: "task", plural: "tasks", param: "taskId",
		items: func(l *location) map[string][]*taskDoc { return l.tasks },
		input: taskInput,
		newItem: func(id, contactID, dateAdded string) *taskDoc {
			return &taskDoc{id: id, contactID: contactID, dateAdded: dateAdded}
		},
		apply: func(t *taskDoc, fields map[string]any) string {
			if t.apply(fields) {
				return "TaskComplete"
			}
			return ""
		},
		created: "TaskCreate", deleted: "TaskDelete",
	}
}

func (s *Server) completeTask(w http.ResponseWriter, r *http.Request) {
	if fields, ok := readFields(w, r, completedInput); ok {
		s.tasks().change(w, r, fields)
	}
}

// completedInput validates the body of PUT .../completed.
func completedInput(in map[string]any) (map[string]any, []string) {
	msgs := unknownProperties(in, "completed")
	b, isBool := in["completed"].(bool)
	if !isBool {
		msgs = append(msgs, "completed must be a boolean value")
	}
	return map[string]any{"completed": b}, msgs
}

// taskInput validates a create (all required fields) or update (any subset) body and returns
// the fields to apply, with dueDate normalised and null meaning "clear".
func taskInput(in map[string]any, create bool) (map[string]any, []string) {
	msgs := unknownProperties(in, "title", "body", "dueDate", "completed", "assignedTo")
	out := map[string]any{}
	for _, k := range []string{"title", "body", "assignedTo", "dueDate"} {
		v, ok := in[k]
		if !ok || v == nil {
			switch {
			case k == "title" || k == "dueDate":
				if create || ok {
					msgs = append(msgs, k+" should not be empty")
				}
			case ok:
				out[k] = "" // null clears an optional field
			}
			continue
		}
		s, isStr := v.(string)
		switch {
		case !isStr:
			msgs = append(msgs, k+" must be a string")
		case (k == "title" || k == "dueDate") && s == "":
			msgs = append(msgs, k+" should not be empty")
		case k == "dueDate":
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				msgs = append(msgs, "dueDate must be a valid ISO 8601 date string")
				continue
			}
			out[k] = isoTimestamp(t)
		default:
			out[k] = s
		}
	}
	if v, ok := in["completed"]; ok || create {
		if b, isBool := v.(bool); isBool {
			out["completed"] = b
		} else {
			msgs = append(msgs, "completed must be a boolean value")
		}
	}
	return out, msgs
}

func (t *taskDoc) apply(fields map[string]any) (becameCompleted bool) {
	for k, v := range fields {
		switch k {
		case "title":
			t.title = v.(string)
		case "body":
			t.body = v.(string)
		case "assignedTo":
			t.assignedTo = v.(string)
		case "dueDate":
			t.dueDate = v.(string)
		case "completed":
			b := v.(bool)
			becameCompleted = b && !t.completed
			t.completed = b
		}
	}
	return becameCompleted
}
