package ghltest

import (
	"net/http"
	"slices"
	"time"
)

// The contact actions beside create, read, update and delete: followers, campaign and
// workflow enrolment (which the contact JSON does not show; StateDigest does), and the bulk
// business assignment.

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
		if l.campaigns == nil {
			l.campaigns = map[string]map[string]bool{}
		}
		set := l.campaigns[c.id()]
		if set == nil {
			set = map[string]bool{}
			l.campaigns[c.id()] = set
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
		delete(l.campaigns[c.id()], campaign)
		if len(l.campaigns[c.id()]) == 0 {
			delete(l.campaigns, c.id())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

func (s *Server) removeFromAllCampaigns(w http.ResponseWriter, r *http.Request) {
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		delete(l.campaigns, c.id())
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
	start, ok := workflowBody(w, r)
	if !ok {
		return
	}
	workflow := r.PathValue("workflowId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		if l.workflows == nil {
			l.workflows = map[string]map[string]string{}
		}
		m := l.workflows[c.id()]
		if m == nil {
			m = map[string]string{}
			l.workflows[c.id()] = m
		}
		m[workflow] = start
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

func (s *Server) removeFromWorkflow(w http.ResponseWriter, r *http.Request) {
	if _, ok := workflowBody(w, r); !ok {
		return
	}
	workflow := r.PathValue("workflowId")
	s.withContact(w, r, func(l *location, c *contactDoc) func() {
		delete(l.workflows[c.id()], workflow)
		if len(l.workflows[c.id()]) == 0 {
			delete(l.workflows, c.id())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{"succeded": true}) }
	})
}

// bulkBusiness sets businessId on the listed contacts, or removes it when businessId is null.
// The answer lists the IDs that were updated; unknown IDs are left out.
func (s *Server) bulkBusiness(w http.ResponseWriter, r *http.Request) {
	l := locFrom(r)
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
