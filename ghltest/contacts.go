package ghltest

import (
	"net/http"
	"slices"
	"strings"
)

// contactDoc is a stored contact: the JSON object the API returns for it.
type contactDoc struct {
	f map[string]any
}

func (c *contactDoc) id() string          { s, _ := c.f["id"].(string); return s }
func (c *contactDoc) str(k string) string { s, _ := c.f[k].(string); return s }

// snapshot returns a copy that the caller may encode without holding the lock.
func (c *contactDoc) snapshot() map[string]any {
	out := make(map[string]any, len(c.f))
	for k, v := range c.f {
		if list, ok := v.([]string); ok {
			v = slices.Clone(list)
		}
		out[k] = v
	}
	return out
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(_ *location, c *contactDoc) func() {
		snap := c.snapshot()
		return func() { writeJSON(w, http.StatusOK, map[string]any{"contact": snap}) }
	})
}

// createContact serves POST /contacts/. Field types and custom fields are validated first
// (422, nothing stored). A body with properties CreateContactDto lacks is answered 422 too,
// but the contact is created from the rest, as GHL was seen doing (highlevel-api-docs#64).
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, unknown, msgs := contactInput(in, inputCreate, l.country)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if !checkLocationID(w, l, str(in, "locationId")) {
		return
	}
	s.mu.Lock()
	if msgs := s.resolveCustomFieldsLocked(l, fields); len(msgs) > 0 {
		s.mu.Unlock()
		writeUnprocessable(w, msgs...)
		return
	}
	if dup, field := l.findDuplicate(str(fields, "email"), str(fields, "phone"), ""); dup != nil && !s.cfg.allowDuplicates {
		name, id := dup.str("name"), dup.id()
		s.mu.Unlock()
		writeDuplicate(w, name, id, field)
		return
	}
	c := s.insertContactLocked(l, fields)
	snap := c.snapshot()
	s.mu.Unlock()
	s.emitContact("ContactCreate", l.id, snap)
	if len(unknown) > 0 {
		writeUnprocessable(w, unknown...)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"contact": snap})
}

// writeDuplicate answers a write that would duplicate a contact in a location that does not
// allow duplicates.
func writeDuplicate(w http.ResponseWriter, name, id, field string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"statusCode": 400, "message": "This location does not allow duplicated contacts.",
		"meta": map[string]any{"contactName": name, "contactId": id, "matchingField": field},
	})
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, unknown, msgs := contactInput(in, inputUpdate, locFrom(r).country)
	if msgs = append(msgs, unknown...); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		if msgs := s.resolveCustomFieldsLocked(l, fields); len(msgs) > 0 {
			return func() { writeUnprocessable(w, msgs...) }
		}
		// Changing the email or phone to another contact's is refused like a duplicate create.
		if dup, field := l.findDuplicate(str(fields, "email"), str(fields, "phone"), c.id()); dup != nil && !s.cfg.allowDuplicates {
			name, id := dup.str("name"), dup.id()
			return func() { writeDuplicate(w, name, id, field) }
		}
		tagsChanged := s.applyContactInputLocked(c, fields)
		snap := c.snapshot()
		return func() {
			s.emitContact("ContactUpdate", l.id, snap)
			if tagsChanged {
				s.emitContact("ContactTagUpdate", l.id, snap)
			}
			writeJSON(w, http.StatusOK, map[string]any{"succeded": true, "contact": snap})
		}
	})
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		l.removeContactLocked(c.id())
		snap := c.snapshot()
		return func() {
			s.emitContact("ContactDelete", l.id, snap)
			writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
		}
	})
}

// upsertContact serves POST /contacts/upsert by the location's duplicate rule: the contact
// with the email, else the one with the phone. When the email and the phone belong to two
// different contacts, the email's contact is updated and the phone is left out, as GHL's
// documentation says (ghl-api.md §6.6) and highlevel-api-docs#37 observed.
func (s *Server) upsertContact(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	fields, unknown, msgs := contactInput(in, inputUpsert, l.country)
	if msgs = append(msgs, unknown...); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	if !checkLocationID(w, l, str(in, "locationId")) {
		return
	}
	createNew, _ := fields["createNewIfDuplicateAllowed"].(bool)
	delete(fields, "createNewIfDuplicateAllowed")
	s.mu.Lock()
	if msgs := s.resolveCustomFieldsLocked(l, fields); len(msgs) > 0 {
		s.mu.Unlock()
		writeUnprocessable(w, msgs...)
		return
	}
	var c *contactDoc
	if !(createNew && s.cfg.allowDuplicates) {
		var field string
		c, field = l.findDuplicate(str(fields, "email"), str(fields, "phone"), "")
		if c != nil && field == "email" && str(fields, "phone") != "" {
			if other, _ := l.findDuplicate("", str(fields, "phone"), c.id()); other != nil {
				delete(fields, "phone")
			}
		}
	}
	created, tagsChanged := c == nil, false
	if created {
		c = s.insertContactLocked(l, fields)
	} else {
		tagsChanged = s.applyContactInputLocked(c, fields)
	}
	snap := c.snapshot()
	s.mu.Unlock()
	if created {
		s.emitContact("ContactCreate", l.id, snap)
	} else {
		s.emitContact("ContactUpdate", l.id, snap)
		if tagsChanged {
			s.emitContact("ContactTagUpdate", l.id, snap)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"new": created, "contact": snap, "traceId": newID()})
}

// findDuplicate applies GHL's rule: match on email (case-insensitively) first, then on the
// phone, both as stored (phones in E.164). A contact with ID except is skipped.
func (l *location) findDuplicate(email, phone, except string) (*contactDoc, string) {
	if email != "" {
		le := strings.ToLower(email)
		for _, id := range l.order {
			if c := l.contacts[id]; id != except && c.str("emailLowerCase") == le {
				return c, "email"
			}
		}
	}
	if phone != "" {
		for _, id := range l.order {
			if c := l.contacts[id]; id != except && c.str("phone") == phone {
				return c, "phone"
			}
		}
	}
	return nil, ""
}

func (s *Server) insertContactLocked(l *location, in map[string]any) *contactDoc {
	now := s.now()
	l.seq++
	c := &contactDoc{f: map[string]any{
		"id": newID(), "locationId": l.id, "type": "lead", "dateAdded": now,
		"tags": []string{}, "customFields": []any{}, "dnd": false,
	}}
	s.applyContactInputLocked(c, in)
	c.f["dateUpdated"] = now
	l.contacts[c.id()] = c
	l.order = append(l.order, c.id())
	return c
}

func (l *location) removeContactLocked(id string) {
	delete(l.contacts, id)
	if i := slices.Index(l.order, id); i >= 0 {
		l.order = slices.Delete(l.order, i, i+1)
	}
	delete(l.tasks, id)
	delete(l.notes, id)
	delete(l.appts, id)
	delete(l.campaigns, id)
	delete(l.workflows, id)
	l.touch()
}

// applyContactInputLocked copies validated fields onto c and keeps the derived fields
// (lower-case names, full name) in step. A null clears a field. It reports whether the tag
// list changed.
func (s *Server) applyContactInputLocked(c *contactDoc, in map[string]any) (tagsChanged bool) {
	if l := s.locations[c.str("locationId")]; l != nil {
		l.touch()
	}
	for k, v := range in {
		switch k {
		case "locationId":
		case "tags":
			if v == nil {
				v = []any{}
			}
			list, _ := v.([]any)
			before := strings.Join(c.f["tags"].([]string), ",")
			c.f["tags"] = normalizeTags(list)
			tagsChanged = before != strings.Join(c.f["tags"].([]string), ",")
		case "customFields":
			c.f["customFields"] = mergeCustomFields(c.f["customFields"], v)
		default:
			if v == nil {
				delete(c.f, k)
			} else {
				c.f[k] = v
			}
		}
	}
	first, last := c.str("firstName"), c.str("lastName")
	if _, ok := in["name"]; !ok && (first != "" || last != "") {
		c.f["name"] = strings.TrimSpace(first + " " + last)
	}
	setLower := func(dst, src string) {
		if v := c.str(src); v != "" {
			c.f[dst] = strings.ToLower(v)
		} else {
			delete(c.f, dst)
		}
	}
	setLower("firstNameLowerCase", "firstName")
	setLower("lastNameLowerCase", "lastName")
	setLower("fullNameLowerCase", "name")
	setLower("emailLowerCase", "email")
	c.f["dateUpdated"] = s.now()
	return tagsChanged
}

// normalizeTags lower-cases, trims and de-duplicates tags, as GHL does.
func normalizeTags(list []any) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, t := range list {
		s, _ := t.(string)
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// resolveCustomFieldsLocked checks the custom fields of a validated contact body against the
// location's contact fields (contactCustomFieldsLocked) and replaces them by items addressed
// by ID. It returns the 422 messages of values written under a field the location lacks.
func (s *Server) resolveCustomFieldsLocked(l *location, fields map[string]any) []string {
	v, ok := fields["customFields"]
	if !ok {
		return nil
	}
	resolved, msgs := s.contactCustomFieldsLocked(l, v)
	if len(msgs) > 0 {
		return msgs
	}
	fields["customFields"] = resolved
	return nil
}

// mergeCustomFields turns resolved input items {id, field_value} into output items {id,
// value}, replacing fields already set.
func mergeCustomFields(current, input any) []any {
	byID := map[string]any{}
	var order []string
	if cur, ok := current.([]any); ok {
		for _, item := range cur {
			m, _ := item.(map[string]any)
			id := str(m, "id")
			byID[id] = m["value"]
			order = append(order, id)
		}
	}
	list, _ := input.([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		id := str(m, "id")
		if _, exists := byID[id]; !exists {
			order = append(order, id)
		}
		byID[id] = m["field_value"]
	}
	out := make([]any, 0, len(order))
	for _, id := range order {
		out = append(out, map[string]any{"id": id, "value": byID[id]})
	}
	return out
}
