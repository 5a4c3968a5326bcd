package ghltest

import (
	"net/http"
	"slices"
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

func (s *Server) routeTasks(mux *http.ServeMux) {
	// GET /contacts/{contactId}/tasks is served by the three-segment GET dispatcher (search.go).
	mux.HandleFunc("POST /contacts/{contactId}/tasks", s.createTask)
	mux.HandleFunc("GET /contacts/{contactId}/tasks/{taskId}", s.getTask)
	mux.HandleFunc("PUT /contacts/{contactId}/tasks/{taskId}", s.updateTask)
	mux.HandleFunc("DELETE /contacts/{contactId}/tasks/{taskId}", s.deleteTask)
	mux.HandleFunc("PUT /contacts/{contactId}/tasks/{taskId}/completed", s.completeTask)
}

// isoTimestamp formats t the way GHL returns dueDate and dateAdded.
func isoTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

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

func (s *Server) createTask(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, msgs := taskInput(in, true)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		t := &taskDoc{id: newID(), contactID: c.id(), dateAdded: s.now()}
		t.apply(fields)
		l.tasks[c.id()] = append(l.tasks[c.id()], t)
		body, ev := t.json(), t.event()
		return func() {
			s.emit(l.id, "TaskCreate", ev)
			writeJSON(w, http.StatusCreated, map[string]any{"task": body})
		}
	})
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		list := make([]map[string]any, 0, len(l.tasks[c.id()]))
		for _, t := range l.tasks[c.id()] {
			list = append(list, t.json())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"tasks": list}) }
	})
}

// withTask runs fn under the lock on the request's task, answering 404 for an unknown
// contact or task.
func (s *Server) withTask(w http.ResponseWriter, r *http.Request, fn func(l *location, t *taskDoc, i int) func()) {
	id := r.PathValue("taskId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		i := slices.IndexFunc(l.tasks[c.id()], func(t *taskDoc) bool { return t.id == id })
		if i < 0 {
			return func() { writeNotFound(w, "Task") }
		}
		return fn(l, l.tasks[c.id()][i], i)
	})
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	s.withTask(w, r, func(_ *location, t *taskDoc, _ int) func() {
		body := t.json()
		return func() { writeJSON(w, http.StatusOK, map[string]any{"task": body}) }
	})
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, msgs := taskInput(in, false)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.respondTaskChange(w, r, fields)
}

func (s *Server) completeTask(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	msgs := unknownProperties(in, "completed")
	b, isBool := in["completed"].(bool)
	if !isBool {
		msgs = append(msgs, "completed must be a boolean value")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.respondTaskChange(w, r, map[string]any{"completed": b})
}

// respondTaskChange applies fields to the task and emits TaskComplete when it became completed.
func (s *Server) respondTaskChange(w http.ResponseWriter, r *http.Request, fields map[string]any) {
	s.withTask(w, r, func(l *location, t *taskDoc, _ int) func() {
		completed := t.apply(fields)
		body, ev := t.json(), t.event()
		return func() {
			if completed {
				s.emit(l.id, "TaskComplete", ev)
			}
			writeJSON(w, http.StatusOK, map[string]any{"task": body})
		}
	})
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	s.withTask(w, r, func(l *location, t *taskDoc, i int) func() {
		l.tasks[t.contactID] = slices.Delete(l.tasks[t.contactID], i, i+1)
		ev := t.event()
		return func() {
			s.emit(l.id, "TaskDelete", ev)
			writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
		}
	})
}
