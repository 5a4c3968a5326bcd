package ghltest

import (
	"net/http"
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
		if tags, ok := v.([]string); ok {
			v = append([]string(nil), tags...)
		}
		out[k] = v
	}
	return out
}

// Fields that a contact request may set, and that a contact response carries as given.
var contactInputFields = map[string]bool{
	"firstName": true, "lastName": true, "name": true, "email": true, "gender": true, "phone": true,
	"address1": true, "city": true, "state": true, "postalCode": true, "website": true, "timezone": true,
	"dnd": true, "dndSettings": true, "inboundDndSettings": true, "source": true, "dateOfBirth": true,
	"country": true, "companyName": true, "assignedTo": true,
}

func (s *Server) routeContacts(mux *http.ServeMux) {
	mux.HandleFunc("GET /contacts/{contactId}", s.getContact)
	mux.HandleFunc("POST /contacts/{$}", s.createContact)
	mux.HandleFunc("PUT /contacts/{contactId}", s.updateContact)
	mux.HandleFunc("DELETE /contacts/{contactId}", s.deleteContact)
	mux.HandleFunc("POST /contacts/upsert", s.upsertContact)
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	s.mu.Lock()
	c, ok := l.contacts[r.PathValue("contactId")]
	var snap map[string]any
	if ok {
		snap = c.snapshot()
	}
	s.mu.Unlock()
	if !ok {
		writeContactNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": snap})
}

func writeContactNotFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "message": "Contact not found"})
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	locID, _ := in["locationId"].(string)
	if !checkLocationID(w, l, locID) {
		return
	}
	if msgs := validateContactInput(in); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.mu.Lock()
	if dup, field := l.findDuplicate(str(in, "email"), str(in, "phone")); dup != nil && !s.cfg.allowDuplicates {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"statusCode": 400, "message": "This location does not allow duplicated contacts.",
			"meta": map[string]any{"contactName": dup.str("name"), "contactId": dup.id(), "matchingField": field},
		})
		return
	}
	c := s.insertContactLocked(l, in)
	snap := c.snapshot()
	s.mu.Unlock()
	s.emitContact("ContactCreate", l.id, snap)
	writeJSON(w, http.StatusCreated, map[string]any{"contact": snap})
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	if _, ok := in["locationId"]; ok {
		writeUnprocessable(w, "property locationId should not exist")
		return
	}
	if msgs := validateContactInput(in); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.mu.Lock()
	c, ok := l.contacts[r.PathValue("contactId")]
	if !ok {
		s.mu.Unlock()
		writeContactNotFound(w)
		return
	}
	tagsChanged := s.applyContactInputLocked(c, in)
	snap := c.snapshot()
	s.mu.Unlock()
	s.emitContact("ContactUpdate", l.id, snap)
	if tagsChanged {
		s.emitContact("ContactTagUpdate", l.id, snap)
	}
	writeJSON(w, http.StatusOK, map[string]any{"succeded": true, "contact": snap})
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	id := r.PathValue("contactId")
	s.mu.Lock()
	c, ok := l.contacts[id]
	if ok {
		l.removeContactLocked(id)
	}
	s.mu.Unlock()
	if !ok {
		writeContactNotFound(w)
		return
	}
	s.emitContact("ContactDelete", l.id, c.snapshot())
	writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
}

func (s *Server) upsertContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	locID, _ := in["locationId"].(string)
	if !checkLocationID(w, l, locID) {
		return
	}
	if msgs := validateContactInput(in); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	createNew, _ := in["createNewIfDuplicateAllowed"].(bool)
	delete(in, "createNewIfDuplicateAllowed")
	s.mu.Lock()
	var c *contactDoc
	created := false
	if !(createNew && s.cfg.allowDuplicates) {
		c, _ = l.findDuplicate(str(in, "email"), str(in, "phone"))
	}
	tagsChanged := false
	if c == nil {
		c = s.insertContactLocked(l, in)
		created = true
	} else {
		tagsChanged = s.applyContactInputLocked(c, in)
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

func validateContactInput(in map[string]any) []string {
	var msgs []string
	if e, ok := in["email"].(string); ok && e != "" && !strings.Contains(e, "@") {
		msgs = append(msgs, "email must be an email")
	}
	if t, ok := in["tags"]; ok && t != nil {
		if _, isList := t.([]any); !isList {
			msgs = append(msgs, "tags must be an array")
		}
	}
	return msgs
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// findDuplicate applies GHL's rule: match on email first, then phone.
func (l *location) findDuplicate(email, phone string) (*contactDoc, string) {
	if email != "" {
		le := strings.ToLower(email)
		for _, id := range l.order {
			if c := l.contacts[id]; c.str("emailLowerCase") == le {
				return c, "email"
			}
		}
	}
	if phone != "" {
		for _, id := range l.order {
			if c := l.contacts[id]; c.str("phone") == phone {
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
	for i, x := range l.order {
		if x == id {
			l.order = append(l.order[:i], l.order[i+1:]...)
			break
		}
	}
	delete(l.tasks, id)
	delete(l.notes, id)
	delete(l.appts, id)
	l.forgetContact(id)
}

// applyContactInputLocked copies the request's fields onto c and keeps the derived fields
// (lower-case names, full name) in step. A null clears a field. It reports whether the tag
// list changed.
func (s *Server) applyContactInputLocked(c *contactDoc, in map[string]any) (tagsChanged bool) {
	if l := s.locations[c.str("locationId")]; l != nil {
		l.touch()
	}
	for k, v := range in {
		switch {
		case k == "tags":
			if v == nil {
				v = []any{}
			}
			list, _ := v.([]any)
			before := strings.Join(c.f["tags"].([]string), ",")
			c.f["tags"] = normalizeTags(list)
			tagsChanged = before != strings.Join(c.f["tags"].([]string), ",")
		case k == "customFields":
			c.f["customFields"] = mergeCustomFields(c.f["customFields"], v)
		case contactInputFields[k]:
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

// mergeCustomFields turns input items {id|key, field_value} into output items {id, value},
// replacing fields already set.
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
		if id == "" {
			id = customFieldIDForKey(str(m, "key"))
		}
		if id == "" {
			continue
		}
		v, ok := m["field_value"]
		if !ok {
			v = m["value"]
		}
		if _, exists := byID[id]; !exists {
			order = append(order, id)
		}
		byID[id] = v
	}
	out := make([]any, 0, len(order))
	for _, id := range order {
		out = append(out, map[string]any{"id": id, "value": byID[id]})
	}
	return out
}

// customFieldIDForKey maps a field key ("contact.call_outcome") to the ID the fake reports.
func customFieldIDForKey(key string) string {
	if key == "" {
		return ""
	}
	return "cf_" + strings.ReplaceAll(strings.TrimPrefix(key, "contact."), ".", "_")
}
