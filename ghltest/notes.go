package ghltest

import (
	"net/http"
	"slices"
)

// noteDoc is a stored note (GetNoteSchema).
type noteDoc struct {
	id, body, userID, dateAdded, contactID, title, color string
	pinned                                               bool
}

func (n *noteDoc) json() map[string]any {
	m := map[string]any{"id": n.id, "body": n.body, "dateAdded": n.dateAdded, "contactId": n.contactID, "pinned": n.pinned}
	for k, v := range map[string]string{"userId": n.userID, "title": n.title, "color": n.color} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// event is the payload of NoteCreate, NoteUpdate and NoteDelete.
func (n *noteDoc) event() map[string]any {
	return map[string]any{"id": n.id, "body": n.body, "contactId": n.contactID, "dateAdded": n.dateAdded}
}

func (s *Server) routeNotes(mux *http.ServeMux) {
	// GET /contacts/{contactId}/notes is served by the three-segment GET dispatcher (search.go).
	mux.HandleFunc("POST /contacts/{contactId}/notes", s.createNote)
	mux.HandleFunc("GET /contacts/{contactId}/notes/{id}", s.getNote)
	mux.HandleFunc("PUT /contacts/{contactId}/notes/{id}", s.updateNote)
	mux.HandleFunc("DELETE /contacts/{contactId}/notes/{id}", s.deleteNote)
}

// noteInput validates NotesDTO (create: body required) or UpdateNoteDTO (any subset).
func noteInput(in map[string]any, create bool) (map[string]any, []string) {
	msgs := unknownProperties(in, "body", "userId", "title", "color", "pinned")
	out := map[string]any{}
	for _, k := range []string{"body", "userId", "title", "color"} {
		v, ok := in[k]
		if !ok || v == nil {
			switch {
			case k == "body":
				if create || ok {
					msgs = append(msgs, "body should not be empty")
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
		case k == "body" && s == "":
			msgs = append(msgs, "body should not be empty")
		default:
			out[k] = s
		}
	}
	if v, ok := in["pinned"]; ok && v != nil {
		if b, isBool := v.(bool); isBool {
			out["pinned"] = b
		} else {
			msgs = append(msgs, "pinned must be a boolean value")
		}
	}
	return out, msgs
}

func (n *noteDoc) apply(fields map[string]any) {
	for k, v := range fields {
		switch k {
		case "body":
			n.body = v.(string)
		case "userId":
			n.userID = v.(string)
		case "title":
			n.title = v.(string)
		case "color":
			n.color = v.(string)
		case "pinned":
			n.pinned = v.(bool)
		}
	}
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, msgs := noteInput(in, true)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		n := &noteDoc{id: newID(), contactID: c.id(), dateAdded: s.now()}
		n.apply(fields)
		l.notes[c.id()] = append(l.notes[c.id()], n)
		body, ev := n.json(), n.event()
		return func() {
			s.emit(l.id, "NoteCreate", ev)
			writeJSON(w, http.StatusCreated, map[string]any{"note": body})
		}
	})
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		list := make([]map[string]any, 0, len(l.notes[c.id()]))
		for _, n := range l.notes[c.id()] {
			list = append(list, n.json())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"notes": list}) }
	})
}

func (s *Server) withNote(w http.ResponseWriter, r *http.Request, fn func(l *location, n *noteDoc, i int) func()) {
	id := r.PathValue("id")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		i := slices.IndexFunc(l.notes[c.id()], func(n *noteDoc) bool { return n.id == id })
		if i < 0 {
			return func() { writeNotFound(w, "Note") }
		}
		return fn(l, l.notes[c.id()][i], i)
	})
}

func (s *Server) getNote(w http.ResponseWriter, r *http.Request) {
	s.withNote(w, r, func(_ *location, n *noteDoc, _ int) func() {
		body := n.json()
		return func() { writeJSON(w, http.StatusOK, map[string]any{"note": body}) }
	})
}

func (s *Server) updateNote(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, msgs := noteInput(in, false)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withNote(w, r, func(l *location, n *noteDoc, _ int) func() {
		n.apply(fields)
		body, ev := n.json(), n.event()
		return func() {
			s.emit(l.id, "NoteUpdate", ev)
			writeJSON(w, http.StatusOK, map[string]any{"note": body})
		}
	})
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) {
	s.withNote(w, r, func(l *location, n *noteDoc, i int) func() {
		l.notes[n.contactID] = slices.Delete(l.notes[n.contactID], i, i+1)
		ev := n.event()
		return func() {
			s.emit(l.id, "NoteDelete", ev)
			writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
		}
	})
}
