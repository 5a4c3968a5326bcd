package ghltest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Every operation the fake serves, in one table: its path as GHL documents it (trailing slash
// included), the scope a token needs, the API family whose Version header it declares, the
// kind of token it takes, the status a malformed ID in its path gets, the query parameters it
// declares where GHL refuses others, and its handler. Adding an area means adding its rows
// here and its family to apiFamily.version.

// apiFamily is a group of operations that declare the same Version header.
type apiFamily string

const (
	familyNone          apiFamily = ""         // no Version header declared (POST /oauth/token)
	familyContacts      apiFamily = "contacts" // Contacts, tasks, notes, tags, appointments of a contact
	familyOAuth         apiFamily = "oauth"    // /oauth/locationToken, /oauth/installedLocations
	familyConversations apiFamily = "conversations"
	familyCalendars     apiFamily = "calendars"
	familyUsers         apiFamily = "users"
	familyLocations     apiFamily = "locations"
)

// version returns the Version header value the family's operations declare, "" for none
// (ghl-api.md §1.3, ghl-next-apis.md: each spec file pins one value).
func (f apiFamily) version() string {
	switch f {
	case familyContacts, familyOAuth, familyUsers, familyLocations:
		return "2021-07-28"
	case familyConversations, familyCalendars:
		return "2021-04-15"
	}
	return ""
}

// The scopes of the operations served (the specs' security entries, ghl-api.md §2). The
// Conversations scopes are exported (ScopeConversations..., conversations_providers.go).
const (
	scopeContactsRead  = "contacts.readonly"
	scopeContactsWrite = "contacts.write"
	scopeOAuthWrite    = "oauth.write"
	scopeCalendarsRead = "calendars.readonly"
	scopeEventsRead    = "calendars/events.readonly"
	scopeEventsWrite   = "calendars/events.write"
	scopeUsersRead     = "users.readonly"
	scopeLocationsRead = "locations.readonly"
	scopeFieldsRead    = "locations/customFields.readonly"
	scopeFieldsWrite   = "locations/customFields.write"
	scopeLocTagsRead   = "locations/tags.readonly"
	scopeLocTagsWrite  = "locations/tags.write"
)

// route is one operation.
type route struct {
	method string
	path   string // GHL's path template, e.g. "/contacts/{contactId}/tasks/{taskId}"
	family apiFamily
	scope  string // the scope a token needs; "" for none
	// agency marks operations for agency (Company) tokens; the others need a location token,
	// unless anyToken says the operation takes both (the spec lists Agency-Access and
	// Location-Access).
	agency, anyToken bool
	// oauthClient marks the token endpoint, which authenticates the app's client credentials
	// in its body rather than a bearer token.
	oauthClient bool
	// ids are the path parameters that hold GHL IDs; badID is the status a malformed one gets:
	// 422 where the operation declares it, else 400 (the spec declares no 404).
	ids   []string
	badID int
	// checkQuery makes the fake refuse a query parameter not in query, "property X should
	// not exist", with badID's status, as GHL's validation does on the Calendars, Users and
	// Locations operations.
	checkQuery bool
	query      []string
	serve      http.HandlerFunc

	segs []string // path split at "/", without the leading ""
}

// key names the route in counters and fault draws: "GET /contacts/{contactId}".
func (rt *route) key() string { return rt.method + " " + rt.path }

// routeTable lists the operations: Contacts, OAuth, Calendars, Users, Locations and
// Conversations.
func (s *Server) routeTable() []*route {
	oauth := []*route{
		{method: "POST", path: "/oauth/token", family: familyNone, oauthClient: true, serve: s.oauthToken},
		{method: "POST", path: "/oauth/locationToken", family: familyOAuth, scope: scopeOAuthWrite, agency: true, badID: http.StatusBadRequest, serve: s.oauthLocationToken},
	}
	return slices.Concat(s.contactRoutes(), oauth, s.calendarRoutes(), s.userAndLocationRoutes(), s.conversationRoutes())
}

// contactRoutes are the Contacts operations. Scopes follow the spec; the two bulk endpoints
// declare none, and the fake asks for contacts.write (the likely one) rather than letting any
// token in.
func (s *Server) contactRoutes() []*route {
	tasks, notes := s.tasks(), s.notes()
	c := func(method, path, scope string, serve http.HandlerFunc, ids ...string) *route {
		return &route{method: method, path: path, family: familyContacts, scope: scope, ids: ids, badID: http.StatusUnprocessableEntity, serve: serve}
	}
	// Operations whose spec declares no 422 answer a malformed ID with 400.
	no422 := func(rt *route) *route { rt.badID = http.StatusBadRequest; return rt }
	const (
		read  = scopeContactsRead
		write = scopeContactsWrite
		cid   = "contactId"
	)
	return []*route{
		c("POST", "/contacts/", write, s.createContact),
		c("GET", "/contacts/", read, s.listContacts),
		c("GET", "/contacts/{contactId}", read, s.getContact, cid),
		c("PUT", "/contacts/{contactId}", write, s.updateContact, cid),
		c("DELETE", "/contacts/{contactId}", write, s.deleteContact, cid),
		c("POST", "/contacts/upsert", write, s.upsertContact),
		c("POST", "/contacts/search", read, s.searchContacts),
		c("GET", "/contacts/search/duplicate", read, s.findDuplicateContact),
		c("GET", "/contacts/business/{businessId}", read, s.listByBusiness),
		c("POST", "/contacts/bulk/business", write, s.bulkBusiness),
		c("POST", "/contacts/bulk/tags/update/{type}", write, s.bulkTags),

		no422(c("GET", "/contacts/{contactId}/tasks", read, tasks.list, cid)),
		c("POST", "/contacts/{contactId}/tasks", write, tasks.create, cid),
		no422(c("GET", "/contacts/{contactId}/tasks/{taskId}", read, tasks.get, cid, "taskId")),
		c("PUT", "/contacts/{contactId}/tasks/{taskId}", write, tasks.update, cid, "taskId"),
		no422(c("DELETE", "/contacts/{contactId}/tasks/{taskId}", write, tasks.delete, cid, "taskId")),
		c("PUT", "/contacts/{contactId}/tasks/{taskId}/completed", write, s.completeTask, cid, "taskId"),

		no422(c("GET", "/contacts/{contactId}/notes", read, notes.list, cid)),
		c("POST", "/contacts/{contactId}/notes", write, notes.create, cid),
		c("GET", "/contacts/{contactId}/notes/{id}", read, notes.get, cid, "id"),
		c("PUT", "/contacts/{contactId}/notes/{id}", write, notes.update, cid, "id"),
		c("DELETE", "/contacts/{contactId}/notes/{id}", write, notes.delete, cid, "id"),

		c("GET", "/contacts/{contactId}/appointments", read, s.listAppointments, cid),
		c("POST", "/contacts/{contactId}/tags", write, s.addTags, cid),
		c("DELETE", "/contacts/{contactId}/tags", write, s.removeTags, cid),
		c("POST", "/contacts/{contactId}/followers", write, s.addFollowers, cid),
		c("DELETE", "/contacts/{contactId}/followers", write, s.removeFollowers, cid),
		c("POST", "/contacts/{contactId}/campaigns/{campaignId}", write, s.addToCampaign, cid),
		c("DELETE", "/contacts/{contactId}/campaigns/removeAll", write, s.removeFromAllCampaigns, cid),
		c("DELETE", "/contacts/{contactId}/campaigns/{campaignId}", write, s.removeFromCampaign, cid),
		c("POST", "/contacts/{contactId}/workflow/{workflowId}", write, s.addToWorkflow, cid),
		c("DELETE", "/contacts/{contactId}/workflow/{workflowId}", write, s.removeFromWorkflow, cid),
	}
}

// calendarRoutes are the Calendars operations (FIDELITY.md, Calendars). The spec declares no
// 422 and no 404 for them: a malformed ID, an undeclared query parameter and every other
// validation error answer 400.
func (s *Server) calendarRoutes() []*route {
	c := func(method, path, scope string, query []string, serve http.HandlerFunc, ids ...string) *route {
		return &route{method: method, path: path, family: familyCalendars, scope: scope, ids: ids,
			badID: http.StatusBadRequest, checkQuery: true, query: query, serve: serve}
	}
	const notes = "/calendars/appointments/{appointmentId}/notes"
	return []*route{
		// GHL serves the calendar list only with its trailing slash.
		c("GET", "/calendars/", scopeCalendarsRead, []string{"locationId", "groupId", "showDrafted"}, s.listCalendars),
		c("GET", "/calendars/{calendarId}/free-slots", scopeCalendarsRead, []string{"startDate", "endDate", "timezone", "userId", "userIds"}, s.freeSlots, "calendarId"),
		c("POST", "/calendars/events/appointments", scopeEventsWrite, nil, s.bookAppointment),
		c("PUT", "/calendars/events/appointments/{eventId}", scopeEventsWrite, nil, s.updateAppointment, "eventId"),
		c("GET", "/calendars/events/appointments/{eventId}", scopeEventsRead, nil, s.getAppointment, "eventId"),
		c("GET", "/calendars/events", scopeEventsRead, []string{"locationId", "userId", "calendarId", "groupId", "startTime", "endTime"}, s.listEvents),
		c("DELETE", "/calendars/events/{eventId}", scopeEventsWrite, nil, s.deleteEvent, "eventId"),
		c("GET", notes, scopeEventsRead, []string{"limit", "offset"}, s.listApptNotes, "appointmentId"),
		c("POST", notes, scopeEventsWrite, nil, s.createApptNote, "appointmentId"),
		c("PUT", notes+"/{noteId}", scopeEventsWrite, nil, s.updateApptNote, "appointmentId", "noteId"),
		c("DELETE", notes+"/{noteId}", scopeEventsWrite, nil, s.deleteApptNote, "appointmentId", "noteId"),
	}
}

// userAndLocationRoutes are the Users and Locations operations. Their specs declare 422 for
// validation (a malformed ID, an undeclared query parameter) and no 404: an unknown ID is
// 400. The users operations take agency and location tokens. The location's ID is checked by
// the handlers (403 for another location), not for its shape: the fake's own location IDs
// are not GHL-shaped. GET, PUT and DELETE customFields/{id} declare no scope; the fake asks
// for the list's (stricter), and GET takes a field key as well as an ID.
func (s *Server) userAndLocationRoutes() []*route {
	r := func(family apiFamily, method, path, scope string, query []string, serve http.HandlerFunc, ids ...string) *route {
		return &route{method: method, path: path, family: family, scope: scope, ids: ids,
			badID: http.StatusUnprocessableEntity, checkQuery: true, query: query, serve: serve}
	}
	anyToken := func(rt *route) *route { rt.anyToken = true; return rt }
	const fields = "/locations/{locationId}/customFields"
	return []*route{
		anyToken(r(familyUsers, "GET", "/users/search", scopeUsersRead, []string{"companyId", "query", "skip", "limit", "locationId",
			"type", "role", "ids", "sort", "sortDirection", "enabled2waySync"}, s.searchUsers)),
		anyToken(r(familyUsers, "GET", "/users/{userId}", scopeUsersRead, nil, s.getUser, "userId")),
		r(familyLocations, "GET", "/locations/{locationId}", scopeLocationsRead, nil, s.getLocation),
		r(familyLocations, "GET", fields, scopeFieldsRead, []string{"model"}, s.listCustomFields),
		r(familyLocations, "POST", fields, scopeFieldsWrite, nil, s.createCustomField),
		r(familyLocations, "GET", fields+"/{id}", scopeFieldsRead, nil, s.getCustomField),
		r(familyLocations, "PUT", fields+"/{id}", scopeFieldsWrite, nil, s.updateCustomField, "id"),
		r(familyLocations, "DELETE", fields+"/{id}", scopeFieldsWrite, nil, s.deleteCustomField, "id"),
		r(familyLocations, "GET", "/locations/{locationId}/tags", scopeLocTagsRead, nil, s.listLocationTags),
		r(familyLocations, "POST", "/locations/{locationId}/tags", scopeLocTagsWrite, nil, s.createLocationTag),
	}
}

// conversationRoutes are the Conversations operations the SDK uses (FIDELITY.md,
// Conversations). The spec declares 400 for their errors (404 only for attachments): a
// malformed ID is 400. POST /conversations/ keeps its trailing slash. GET
// /conversations/messages/{id} and GET /conversations/{conversationId}/messages both match
// /conversations/messages/messages; the literal segment further left wins (a message).
func (s *Server) conversationRoutes() []*route {
	c := func(method, path, scope string, serve convHandler, ids ...string) *route {
		return &route{method: method, path: path, family: familyConversations, scope: scope, ids: ids,
			badID: http.StatusBadRequest, serve: s.convServe(serve)}
	}
	const (
		read, write       = ScopeConversationsReadonly, ScopeConversationsWrite
		msgRead, msgWrite = ScopeConversationMessagesReadonly, ScopeConversationMessagesWrite
		conv, msg         = "conversationId", "messageId"
	)
	return []*route{
		c("GET", "/conversations/search", read, s.searchConversations),
		c("POST", "/conversations/", write, s.createConversation),
		c("GET", "/conversations/{conversationId}", read, s.getConversation, conv),
		c("PUT", "/conversations/{conversationId}", write, s.updateConversation, conv),
		c("DELETE", "/conversations/{conversationId}", write, s.deleteConversation, conv),
		c("GET", "/conversations/{conversationId}/messages", msgRead, s.listMessages, conv),
		c("GET", "/conversations/messages/{id}", msgRead, s.getMessage, "id"),
		c("GET", "/conversations/messages/export", msgRead, s.exportMessages),
		c("POST", "/conversations/messages", msgWrite, s.sendMessage),
		c("POST", "/conversations/messages/inbound", msgWrite, s.addInboundMessage),
		c("POST", "/conversations/messages/outbound", msgWrite, s.addOutboundCall),
		c("PUT", "/conversations/messages/{messageId}/status", msgWrite, s.updateMessageStatus, msg),
		c("PUT", "/conversations/messages/{messageId}/attachments", msgWrite, s.setMessageAttachments, msg),
		c("DELETE", "/conversations/messages/{messageId}/schedule", msgWrite, s.cancelScheduledMessage, msg),
		c("POST", "/conversations/messages/upload", msgWrite, s.uploadFiles),
		c("GET", "/conversations/messages/{messageId}/locations/{locationId}/recording", msgRead, s.getRecording, msg),
		c("GET", "/conversations/locations/{locationId}/messages/{messageId}/transcription", msgRead, s.getTranscription, msg),
		c("GET", "/conversations/locations/{locationId}/messages/{messageId}/transcription/download", msgRead, s.downloadTranscription, msg),
	}
}

// router finds the route of a request. Paths match segment by segment, exactly: a trailing
// slash is part of a path ("POST /contacts" is not "POST /contacts/", as GHL answers 404 to
// the one without), and where two routes match, the one with a literal segment further left
// wins ("/contacts/business/x" is by-business, "/campaigns/removeAll" is remove-all).
type router struct{ routes []*route }

func newRouter(routes []*route) *router {
	for _, rt := range routes {
		rt.segs = strings.Split(strings.TrimPrefix(rt.path, "/"), "/")
	}
	return &router{routes: routes}
}

// match returns the request's route and its path parameters, or nil.
func (rr *router) match(r *http.Request) (*route, map[string]string) {
	raw := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	segs := make([]string, len(raw))
	for i, seg := range raw {
		v, err := url.PathUnescape(seg)
		if err != nil {
			return nil, nil
		}
		segs[i] = v
	}
	var best *route
	for _, rt := range rr.routes {
		if rt.method != r.Method || len(rt.segs) != len(segs) || !rt.matches(segs) {
			continue
		}
		if best == nil || moreSpecific(rt, best) {
			best = rt
		}
	}
	if best == nil {
		return nil, nil
	}
	params := map[string]string{}
	for i, seg := range best.segs {
		if name, ok := wildcard(seg); ok {
			params[name] = segs[i]
		}
	}
	return best, params
}

func (rt *route) matches(segs []string) bool {
	for i, seg := range rt.segs {
		if _, ok := wildcard(seg); ok {
			if segs[i] == "" {
				return false
			}
		} else if seg != segs[i] {
			return false
		}
	}
	return true
}

// moreSpecific reports whether a has a literal segment where b has a wildcard, left first.
func moreSpecific(a, b *route) bool {
	for i := range a.segs {
		_, wa := wildcard(a.segs[i])
		_, wb := wildcard(b.segs[i])
		if wa != wb {
			return !wa
		}
	}
	return false
}

func wildcard(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// cannotRoute answers like GHL's framework for a path or method it does not serve.
func cannotRoute(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "message": "Cannot " + r.Method + " " + r.URL.Path, "error": "Not Found"})
}

// validID reports whether id has the shape of a GHL ID: 20 letters and digits, as every ID
// in the spec's examples ("ve9EPM428h8vShlRW1KT") and as the fake makes them.
func validID(id string) bool {
	if len(id) != 20 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
