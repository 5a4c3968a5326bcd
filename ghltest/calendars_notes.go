package ghltest

import (
	"net/http"
	"slices"
	"strconv"
	"unicode/utf16"
)

// Appointment notes: /calendars/appointments/{appointmentId}/notes.

type apptNote struct {
	id, body, userID, contactID string
	added                       string
}

func (n *apptNote) json(userName string) map[string]any {
	return map[string]any{"id": n.id, "body": n.body, "userId": n.userID, "dateAdded": n.added, "contactId": n.contactID,
		"createdBy": map[string]any{"id": n.userID, "name": userName}}
}

// maxNotesPage and maxNoteBody are the spec's limits (limit <= 20, body <= 5000 characters).
const (
	maxNotesPage = 20
	maxNoteBody  = 5000
)

// withAppt runs fn under the lock with the appointment named in the path, or answers 400.
func (s *Server) withAppt(w http.ResponseWriter, r *http.Request, fn func(l *location, cl *calLocation, a *appointmentDoc)) {
	l := locFrom(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := findApptLocked(l, r.PathValue("appointmentId"))
	if a == nil {
		writeBadRequest(w, "Appointment not found")
		return
	}
	fn(l, s.calLocLocked(l.id), a)
}

func (s *Server) listApptNotes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, errL := strconv.Atoi(q.Get("limit"))
	offset, errO := strconv.Atoi(q.Get("offset"))
	var msgs []string
	if errL != nil || limit < 1 || limit > maxNotesPage {
		msgs = append(msgs, "limit must not be greater than 20", "limit must be a number conforming to the specified constraints")
	}
	if errO != nil || offset < 0 {
		msgs = append(msgs, "offset must not be less than 0", "offset must be a number conforming to the specified constraints")
	}
	if len(msgs) > 0 {
		writeBadRequest(w, msgs...)
		return
	}
	s.withAppt(w, r, func(_ *location, cl *calLocation, a *appointmentDoc) {
		all := cl.apptNotes[a.id]
		page := []map[string]any{}
		for i := offset; i < len(all) && len(page) < limit; i++ {
			page = append(page, all[i].json(s.userNameLocked(all[i].userID)))
		}
		writeJSON(w, http.StatusOK, map[string]any{"notes": page, "hasMore": offset+len(page) < len(all)})
	})
}

// noteBody validates a NotesDTO body.
func noteBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return nil, false
	}
	var msgs []string
	for k, v := range in {
		if k != "body" && k != "userId" {
			msgs = append(msgs, "property "+k+" should not exist")
			continue
		}
		if _, ok := v.(string); !ok {
			msgs = append(msgs, k+" must be a string")
		}
	}
	body := str(in, "body")
	if body == "" {
		msgs = append(msgs, "body should not be empty")
	}
	if len(utf16.Encode([]rune(body))) > maxNoteBody {
		msgs = append(msgs, "body must be shorter than or equal to 5000 characters")
	}
	if len(msgs) > 0 {
		slices.Sort(msgs)
		writeBadRequest(w, msgs...)
		return nil, false
	}
	return in, true
}

func (s *Server) createApptNote(w http.ResponseWriter, r *http.Request) {
	in, ok := noteBody(w, r)
	if !ok {
		return
	}
	s.withAppt(w, r, func(_ *location, cl *calLocation, a *appointmentDoc) {
		n := &apptNote{id: newID(), body: str(in, "body"), userID: str(in, "userId"), contactID: a.contactID, added: s.now()}
		cl.apptNotes[a.id] = append(cl.apptNotes[a.id], n)
		writeJSON(w, http.StatusCreated, map[string]any{"note": n.json(s.userNameLocked(n.userID))})
	})
}

func (s *Server) updateApptNote(w http.ResponseWriter, r *http.Request) {
	in, ok := noteBody(w, r)
	if !ok {
		return
	}
	s.withAppt(w, r, func(_ *location, cl *calLocation, a *appointmentDoc) {
		i := slices.IndexFunc(cl.apptNotes[a.id], func(n *apptNote) bool { return n.id == r.PathValue("noteId") })
		if i < 0 {
			writeBadRequest(w, "Note not found")
			return
		}
		n := cl.apptNotes[a.id][i]
		n.body = str(in, "body")
		if u, ok := in["userId"].(string); ok {
			n.userID = u
		}
		writeJSON(w, http.StatusOK, map[string]any{"note": n.json(s.userNameLocked(n.userID))})
	})
}

func (s *Server) deleteApptNote(w http.ResponseWriter, r *http.Request) {
	s.withAppt(w, r, func(_ *location, cl *calLocation, a *appointmentDoc) {
		before := len(cl.apptNotes[a.id])
		cl.apptNotes[a.id] = slices.DeleteFunc(cl.apptNotes[a.id], func(n *apptNote) bool { return n.id == r.PathValue("noteId") })
		if len(cl.apptNotes[a.id]) == before {
			writeBadRequest(w, "Note not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true})
	})
}
