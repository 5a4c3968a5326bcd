package ghltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"time"
)

// locationMore is the part of a location's state kept beside the contacts: campaign and
// workflow enrolments (which the contact JSON does not show) and the cached search orders.
// Its zero value is ready to use.
type locationMore struct {
	gen       uint64                       // bumped on every contact write; views older than it are stale
	views     map[string]*searchView       // cached filtered, sorted orders...
	viewsGen  uint64                       // ...built when gen had this value
	campaigns map[string]map[string]bool   // contact ID -> campaign IDs
	workflows map[string]map[string]string // contact ID -> workflow ID -> eventStartTime
	lastSeed  int64                        // dateAdded (epoch ms) of the last seeded contact
}

// touch records that a contact changed, so cached search orders are rebuilt on next use.
func (l *location) touch() { l.more.gen++ }

// forgetContact drops what the location keeps beside a deleted contact.
func (l *location) forgetContact(id string) {
	l.touch()
	delete(l.more.campaigns, id)
	delete(l.more.workflows, id)
}

func (s *Server) routeContactsMore(mux *http.ServeMux) {
	mux.HandleFunc("POST /contacts/{contactId}/followers", s.addFollowers)
	mux.HandleFunc("DELETE /contacts/{contactId}/followers", s.removeFollowers)
	mux.HandleFunc("POST /contacts/{contactId}/campaigns/{campaignId}", s.addToCampaign)
	// The literal segment is more specific than {campaignId}, so the mux sends removeAll here.
	mux.HandleFunc("DELETE /contacts/{contactId}/campaigns/removeAll", s.removeFromAllCampaigns)
	mux.HandleFunc("DELETE /contacts/{contactId}/campaigns/{campaignId}", s.removeFromCampaign)
	mux.HandleFunc("POST /contacts/{contactId}/workflow/{workflowId}", s.addToWorkflow)
	mux.HandleFunc("DELETE /contacts/{contactId}/workflow/{workflowId}", s.removeFromWorkflow)
	mux.HandleFunc("POST /contacts/bulk/business", s.bulkBusiness)
}

// readObject decodes a JSON object body. An empty body is an error unless optional is set,
// in which case it reads as {} (GHL's body parser does the same for empty bodies).
func readObject(w http.ResponseWriter, r *http.Request, optional bool) (map[string]any, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "request body too large")
		return nil, false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return map[string]any{}, true
		}
		writeUnprocessable(w, "request body should not be empty")
		return nil, false
	}
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil || in == nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return nil, false
	}
	return in, true
}

// unknownProperties lists the properties of in that the operation does not accept, in the
// words of GHL's validator, so a misplaced field fails instead of being ignored.
func unknownProperties(in map[string]any, allowed ...string) []string {
	var msgs []string
	for k := range in {
		if !slices.Contains(allowed, k) {
			msgs = append(msgs, "property "+k+" should not exist")
		}
	}
	sort.Strings(msgs)
	return msgs
}

// stringList reads a required array of strings. It returns the messages GHL gives when the
// property is missing, not an array, holds non-strings, or (with nonEmpty) is empty.
func stringList(in map[string]any, key string, nonEmpty bool) ([]string, []string) {
	v, ok := in[key]
	if !ok || v == nil {
		return nil, []string{key + " should not be empty", key + " must be an array"}
	}
	list, isList := v.([]any)
	if !isList {
		return nil, []string{key + " must be an array"}
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, isStr := item.(string)
		if !isStr {
			return nil, []string{"each value in " + key + " must be a string"}
		}
		out = append(out, s)
	}
	if nonEmpty && len(out) == 0 {
		return nil, []string{key + " should not be empty"}
	}
	return out, nil
}

// withContact runs fn under the lock when the request's contact exists, and answers 404
// otherwise. fn returns what to write once the lock is released.
func (s *Server) withContact(w http.ResponseWriter, r *http.Request, fn func(l *location, c *contactDoc) func()) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	s.mu.Lock()
	c, ok := l.contacts[r.PathValue("contactId")]
	var after func()
	if ok {
		after = fn(l, c)
	}
	s.mu.Unlock()
	if !ok {
		writeContactNotFound(w)
		return
	}
	after()
}

func contactStrings(c *contactDoc, key string) []string {
	list, _ := c.f[key].([]string)
	return list
}

func (s *Server) addFollowers(w http.ResponseWriter, r *http.Request) {
	s.changeFollowers(w, r, true)
}

func (s *Server) removeFollowers(w http.ResponseWriter, r *http.Request) {
	s.changeFollowers(w, r, false)
}

// changeFollowers adds or removes follower user IDs. The body travels on DELETE too.
func (s *Server) changeFollowers(w http.ResponseWriter, r *http.Request, add bool) {
	if needLocation(w, r) == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	followers, msgs := stringList(in, "followers", true)
	msgs = append(msgs, unknownProperties(in, "followers")...)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		current := contactStrings(c, "followers")
		changed := []string{}
		next := slices.Clone(current)
		for _, f := range followers {
			has := slices.Contains(next, f)
			switch {
			case add && !has:
				next = append(next, f)
				changed = append(changed, f)
			case !add && has:
				next = slices.DeleteFunc(next, func(x string) bool { return x == f })
				changed = append(changed, f)
			}
		}
		if next == nil {
			next = []string{}
		}
		if len(changed) > 0 {
			c.f["followers"] = next
			c.f["dateUpdated"] = s.now()
			l.touch()
		}
		body := map[string]any{"followers": slices.Clone(next)}
		status := http.StatusOK
		if add {
			body["followersAdded"] = changed
			status = http.StatusCreated
		} else {
			body["followersRemoved"] = changed
		}
		return func() { writeJSON(w, status, body) }
	})
}

func (s *Server) addToCampaign(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	// The body is declared required but has no properties; an empty body is accepted.
	in, ok := readObject(w, r, true)
	if !ok {
		return
	}
	if msgs := unknownProperties(in); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	campaign := r.PathValue("campaignId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		if l.more.campaigns == nil {
			l.more.campaigns = map[string]map[string]bool{}
		}
		set := l.more.campaigns[c.id()]
		if set == nil {
			set = map[string]bool{}
			l.more.campaigns[c.id()] = set
		}
		set[campaign] = true
		return func() { writeJSON(w, http.StatusCreated, map[string]any{"succeded": true}) }
	})
}

// removeFromCampaign succeeds whether or not the contact was in the campaign, so a retried
// DELETE gets the same answer.
func (s *Server) removeFromCampaign(w http.ResponseWriter, r *http.Request) {
	campaign := r.PathValue("campaignId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		delete(l.more.campaigns[c.id()], campaign)
		if len(l.more.campaigns[c.id()]) == 0 {
			delete(l.more.campaigns, c.id())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

func (s *Server) removeFromAllCampaigns(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		delete(l.more.campaigns, c.id())
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

// workflowBody reads CreateWorkflowDto, which both the POST and the DELETE require.
func workflowBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	in, ok := readObject(w, r, false)
	if !ok {
		return "", false
	}
	msgs := unknownProperties(in, "eventStartTime")
	start := ""
	if v, present := in["eventStartTime"]; present && v != nil {
		s, isStr := v.(string)
		if _, err := time.Parse(time.RFC3339, s); !isStr || err != nil {
			msgs = append(msgs, "eventStartTime must be a valid ISO 8601 date string")
		}
		start = s
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return "", false
	}
	return start, true
}

func (s *Server) addToWorkflow(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	start, ok := workflowBody(w, r)
	if !ok {
		return
	}
	workflow := r.PathValue("workflowId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		if l.more.workflows == nil {
			l.more.workflows = map[string]map[string]string{}
		}
		m := l.more.workflows[c.id()]
		if m == nil {
			m = map[string]string{}
			l.more.workflows[c.id()] = m
		}
		m[workflow] = start
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

func (s *Server) removeFromWorkflow(w http.ResponseWriter, r *http.Request) {
	if needLocation(w, r) == nil {
		return
	}
	if _, ok := workflowBody(w, r); !ok {
		return
	}
	workflow := r.PathValue("workflowId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		delete(l.more.workflows[c.id()], workflow)
		if len(l.more.workflows[c.id()]) == 0 {
			delete(l.more.workflows, c.id())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

// bulkBusiness sets businessId on the listed contacts, or removes it when businessId is null.
// The answer lists the IDs that were updated; unknown IDs are left out.
func (s *Server) bulkBusiness(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	in, ok := readObject(w, r, false)
	if !ok {
		return
	}
	if !checkLocationID(w, l, str(in, "locationId")) {
		return
	}
	ids, msgs := stringList(in, "ids", true)
	for _, id := range ids {
		if len(id) > 50 {
			msgs = append(msgs, "each value in ids must be shorter than or equal to 50 characters")
			break
		}
	}
	business, present := in["businessId"]
	if !present {
		msgs = append(msgs, "businessId must be a string")
	} else if _, isStr := business.(string); business != nil && !isStr {
		msgs = append(msgs, "businessId must be a string")
	}
	msgs = append(msgs, unknownProperties(in, "locationId", "ids", "businessId")...)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	done := []string{}
	s.mu.Lock()
	now := s.now()
	for _, id := range ids {
		c, ok := l.contacts[id]
		if !ok {
			continue
		}
		if business == nil {
			delete(c.f, "businessId")
		} else {
			c.f["businessId"] = business
		}
		c.f["dateUpdated"] = now
		done = append(done, id)
	}
	if len(done) > 0 {
		l.touch()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "ids": done})
}
