package ghltest

import (
	"net/http"
	"slices"
)

// tagsToAny turns a validated tag list into the []any that normalizeTags takes.
func tagsToAny(tags []string) []any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = t
	}
	return out
}

// editTagsLocked adds or removes tags (normalised as GHL stores them) and reports what
// changed. removeAll clears the list.
func (s *Server) editTagsLocked(l *location, c *contactDoc, tags []string, add, removeAll bool) (old, added, removed []string) {
	old = slices.Clone(contactStrings(c, "tags"))
	next := slices.Clone(old)
	added, removed = []string{}, []string{}
	if removeAll {
		removed = slices.Clone(old)
		next = []string{}
	}
	for _, t := range normalizeTags(tagsToAny(tags)) {
		has := slices.Contains(next, t)
		switch {
		case add && !has:
			next = append(next, t)
			added = append(added, t)
		case !add && has:
			next = slices.DeleteFunc(next, func(x string) bool { return x == t })
			removed = append(removed, t)
		}
	}
	if next == nil {
		next = []string{}
	}
	if len(added) > 0 || len(removed) > 0 {
		c.f["tags"] = next
		c.f["dateUpdated"] = s.now()
		l.touch()
	}
	return old, added, removed
}

func (s *Server) addTags(w http.ResponseWriter, r *http.Request)    { s.changeTags(w, r, true) }
func (s *Server) removeTags(w http.ResponseWriter, r *http.Request) { s.changeTags(w, r, false) }

// changeTags serves add-tags (201) and remove-tags (200, body on the DELETE). Both answer
// with the contact's tags afterwards.
func (s *Server) changeTags(w http.ResponseWriter, r *http.Request, add bool) {
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	tags, msgs := stringList(in, "tags", true)
	msgs = append(msgs, unknownProperties(in, "tags")...)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		_, added, removed := s.editTagsLocked(l, c, tags, add, false)
		changed := len(added) > 0 || len(removed) > 0
		snap := c.snapshot()
		return func() {
			if changed {
				s.emitContact("ContactTagUpdate", l.id, snap)
			}
			status := http.StatusOK
			if add {
				status = http.StatusCreated
			}
			writeJSON(w, status, map[string]any{"tags": snap["tags"]})
		}
	})
}

// bulkTags serves POST /contacts/bulk/tags/update/{type} with type add or remove. Each
// contact gets its own entry in responses; unknown contacts are errors there, not a failure
// of the whole request.
func (s *Server) bulkTags(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	typ := r.PathValue("type")
	if typ != "add" && typ != "remove" {
		writeUnprocessable(w, "type must be one of the following values: add, remove")
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	if !checkLocationID(w, l, str(in, "locationId")) {
		return
	}
	removeAll := false
	var msgs []string
	switch v := in["removeAllTags"].(type) {
	case nil:
	case bool:
		removeAll = v
	case string: // the spec's example sends "false"
		switch v {
		case "true":
			removeAll = true
		case "false":
		default:
			msgs = append(msgs, "removeAllTags must be a boolean value")
		}
	default:
		msgs = append(msgs, "removeAllTags must be a boolean value")
	}
	if removeAll && typ != "remove" {
		msgs = append(msgs, "removeAllTags can only be used with remove type")
	}
	contacts, m := stringList(in, "contacts", true)
	msgs = append(msgs, m...)
	tags, m := stringList(in, "tags", !removeAll)
	msgs = append(msgs, m...)
	msgs = append(msgs, unknownProperties(in, "contacts", "tags", "locationId", "removeAllTags")...)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	responses := make([]map[string]any, 0, len(contacts))
	var changed []map[string]any
	errorCount := 0
	s.mu.Lock()
	for _, id := range contacts {
		c, ok := l.contacts[id]
		if !ok {
			errorCount++
			responses = append(responses, map[string]any{"contactId": id, "message": "contact not found", "type": "error"})
			continue
		}
		old, added, removed := s.editTagsLocked(l, c, tags, typ == "add", removeAll)
		responses = append(responses, map[string]any{
			"contactId": id, "message": "Tags updated", "type": "success",
			"oldTags": old, "tagsAdded": added, "tagsRemoved": removed,
		})
		if len(added) > 0 || len(removed) > 0 {
			changed = append(changed, c.snapshot())
		}
	}
	s.mu.Unlock()
	for _, snap := range changed {
		s.emitContact("ContactTagUpdate", l.id, snap)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"succeded": true, "errorCount": errorCount, "responses": responses})
}
