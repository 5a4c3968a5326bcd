package ghltest

import (
	"encoding/json"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Search limits, as GHL documents them.
const (
	maxPageLimit   = 500   // pageLimit of POST /contacts/search
	maxPagedWindow = 10000 // page * pageLimit; past it only searchAfter reaches
	maxQueryLen    = 75    // query and string filter values
	maxListLimit   = 100   // limit of the deprecated GET /contacts/
)

func (s *Server) routeSearch(mux *http.ServeMux) {
	mux.HandleFunc("POST /contacts/search", s.searchContacts)
	mux.HandleFunc("GET /contacts/search/duplicate", s.findDuplicateContact)
	mux.HandleFunc("GET /contacts/{$}", s.listContacts)
	// Without these, ServeMux would redirect /contacts to /contacts/ and an HTTP client would
	// follow, hiding a request sent to the wrong path.
	mux.HandleFunc("GET /contacts", cannotRoute)
	mux.HandleFunc("POST /contacts", cannotRoute)
	mux.HandleFunc("GET /contacts/business/{businessId}", s.listByBusiness)
	// "GET /contacts/{contactId}/tasks" and "GET /contacts/business/{businessId}" would both
	// match /contacts/business/tasks with neither more specific, which ServeMux refuses; one
	// wildcard pattern below the business route serves the per-contact lists instead.
	mux.HandleFunc("GET /contacts/{contactId}/{list}", s.contactSubList)
	s.routeContactsMore(mux)
}

// cannotRoute answers like GHL's framework for a path it does not serve.
func cannotRoute(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "message": "Cannot " + r.Method + " " + r.URL.Path, "error": "Not Found"})
}

func (s *Server) contactSubList(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("list") {
	case "tasks":
		s.listTasks(w, r)
	case "notes":
		s.listNotes(w, r)
	case "appointments":
		s.listAppointments(w, r)
	default:
		cannotRoute(w, r)
	}
}

// ---- sort values and cached orders ----

// Fields whose values are timestamps: they sort, and appear in searchAfter cursors, as epoch
// milliseconds.
var dateFields = map[string]bool{"dateAdded": true, "dateUpdated": true, "lastActivity": true, "dateOfBirth": true}

type sortSpec struct {
	field string
	desc  bool
}

// sval is one sort value. Missing values sort last in either direction.
type sval struct {
	kind uint8 // 0 missing, 1 bool, 2 number, 3 string
	num  float64
	str  string
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func toSval(field string, v any) sval {
	switch v := v.(type) {
	case bool:
		if v {
			return sval{kind: 1, num: 1}
		}
		return sval{kind: 1}
	case float64:
		return sval{kind: 2, num: v}
	case int:
		return sval{kind: 2, num: float64(v)}
	case int64:
		return sval{kind: 2, num: float64(v)}
	case string:
		if dateFields[field] {
			if t, ok := parseDate(v); ok {
				return sval{kind: 2, num: float64(t.UnixMilli())}
			}
		}
		return sval{kind: 3, str: v}
	case []string:
		if len(v) == 0 {
			return sval{}
		}
		return sval{kind: 3, str: strings.Join(v, ",")}
	}
	return sval{}
}

// cursorValue is how a sort value travels in searchAfter: dates and numbers as JSON numbers,
// so a date-sorted cursor mixes a number and the string ID.
func (v sval) cursorValue() any {
	switch v.kind {
	case 1:
		return v.num == 1
	case 2:
		if v.num == math.Trunc(v.num) && math.Abs(v.num) < 1<<53 {
			return int64(v.num)
		}
		return v.num
	case 3:
		return v.str
	}
	return nil
}

func cmpSval(a, b sval) int {
	if a.kind != b.kind {
		return int(a.kind) - int(b.kind)
	}
	switch a.kind {
	case 1, 2:
		switch {
		case a.num < b.num:
			return -1
		case a.num > b.num:
			return 1
		}
		return 0
	case 3:
		return strings.Compare(a.str, b.str)
	}
	return 0
}

// cmpKeys orders two positions by the sort specs, then by ID, so the order is total.
func cmpKeys(specs []sortSpec, ka []sval, ida string, kb []sval, idb string) int {
	for i, sp := range specs {
		a, b := ka[i], kb[i]
		if a.kind == 0 || b.kind == 0 {
			if a.kind != b.kind {
				if a.kind == 0 {
					return 1
				}
				return -1
			}
			continue
		}
		c := cmpSval(a, b)
		if sp.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(ida, idb)
}

type searchRow struct {
	c    *contactDoc
	id   string
	keys []sval
}

// searchView is the location's contacts that match one filter and query, in one sort order.
// Views are cached per location until the next contact write, so paging through many
// contacts sorts once and each page costs a binary search plus the page itself.
type searchView struct {
	sort []sortSpec
	rows []searchRow
}

const maxViews = 32

func (l *location) viewLocked(key string, specs []sortSpec, match func(*contactDoc) bool) *searchView {
	m := &l.more
	if m.views == nil || m.viewsGen != m.gen || len(m.views) >= maxViews {
		m.views = map[string]*searchView{}
		m.viewsGen = m.gen
	}
	if v := m.views[key]; v != nil {
		return v
	}
	rows := make([]searchRow, 0, len(l.order))
	flat := make([]sval, 0, len(l.order)*len(specs))
	for _, id := range l.order {
		c := l.contacts[id]
		if match != nil && !match(c) {
			continue
		}
		start := len(flat)
		for _, sp := range specs {
			flat = append(flat, toSval(sp.field, c.f[sp.field]))
		}
		rows = append(rows, searchRow{c: c, id: id, keys: flat[start:len(flat):len(flat)]})
	}
	slices.SortFunc(rows, func(a, b searchRow) int { return cmpKeys(specs, a.keys, a.id, b.keys, b.id) })
	v := &searchView{sort: specs, rows: rows}
	m.views[key] = v
	return v
}

// after returns the index of the first row strictly after the position (keys, id).
func (v *searchView) after(keys []sval, id string) int {
	return sort.Search(len(v.rows), func(i int) bool {
		return cmpKeys(v.sort, v.rows[i].keys, v.rows[i].id, keys, id) > 0
	})
}

// ---- filters ----

var filterOperators = []string{"eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"}

// filterNode is a parsed filter: a leaf {field, operator, value} or a group {group, filters}.
type filterNode struct {
	group string
	kids  []*filterNode
	field string
	op    string
	value any
}

// parseFilters validates a filters array and returns its nodes, or GHL-style messages.
func parseFilters(v any) ([]*filterNode, []string) {
	list, ok := v.([]any)
	if !ok {
		return nil, []string{"filters must be an array"}
	}
	var nodes []*filterNode
	var msgs []string
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			msgs = append(msgs, "each value in filters must be an object")
			continue
		}
		if g, isGroup := m["group"]; isGroup {
			msgs = append(msgs, unknownProperties(m, "group", "filters")...)
			if g != "AND" && g != "OR" {
				msgs = append(msgs, "group must be one of the following values: AND, OR")
				continue
			}
			kids, m2 := parseFilters(m["filters"])
			msgs = append(msgs, m2...)
			nodes = append(nodes, &filterNode{group: g.(string), kids: kids})
			continue
		}
		msgs = append(msgs, unknownProperties(m, "field", "operator", "value")...)
		n := &filterNode{value: m["value"]}
		n.field, _ = m["field"].(string)
		n.op, _ = m["operator"].(string)
		if n.field == "" {
			msgs = append(msgs, "field should not be empty")
		}
		if !slices.Contains(filterOperators, n.op) {
			msgs = append(msgs, "operator must be one of the following values: "+strings.Join(filterOperators, ", "))
			continue
		}
		msgs = append(msgs, checkFilterValue(n.op, n.value)...)
		nodes = append(nodes, n)
	}
	return nodes, msgs
}

func checkFilterValue(op string, v any) []string {
	long := func(x any) bool { s, ok := x.(string); return ok && len(s) > maxQueryLen }
	switch op {
	case "exists", "not_exists":
		if v != nil {
			return []string{"value should not exist with operator " + op}
		}
	case "contains", "not_contains":
		s, ok := v.(string)
		if !ok || s == "" {
			return []string{"value must be a non-empty string with operator " + op}
		}
	case "range":
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return []string{"value must be an object with gte, lte, gt or lt with operator range"}
		}
		for k, b := range m {
			switch k {
			case "gte", "lte", "gt", "lt":
			default:
				return []string{"property value." + k + " should not exist"}
			}
			if _, isNum := b.(float64); !isNum {
				if _, isStr := b.(string); !isStr {
					return []string{"value." + k + " must be a number or a date string"}
				}
			}
		}
	default: // eq, not_eq
		if v == nil {
			return []string{"value should not be empty with operator " + op}
		}
	}
	if long(v) {
		return []string{"value must be shorter than or equal to 75 characters"}
	}
	if list, ok := v.([]any); ok && slices.ContainsFunc(list, long) {
		return []string{"value must be shorter than or equal to 75 characters"}
	}
	return nil
}

func (n *filterNode) match(c *contactDoc) bool {
	switch n.group {
	case "AND":
		return allMatch(n.kids, c)
	case "OR":
		for _, k := range n.kids {
			if k.match(c) {
				return true
			}
		}
		return len(n.kids) == 0
	}
	v, present := c.f[n.field]
	switch n.op {
	case "exists":
		return present && !isEmpty(v)
	case "not_exists":
		return !present || isEmpty(v)
	case "eq":
		return present && anyElem(v, func(x any) bool { return eqValue(x, n.value) })
	case "not_eq":
		return !(present && anyElem(v, func(x any) bool { return eqValue(x, n.value) }))
	case "contains":
		return present && anyElem(v, func(x any) bool { return containsValue(x, n.value) })
	case "not_contains":
		return !(present && anyElem(v, func(x any) bool { return containsValue(x, n.value) }))
	case "range":
		return present && inRange(n.field, v, n.value.(map[string]any))
	}
	return false
}

func allMatch(nodes []*filterNode, c *contactDoc) bool {
	for _, n := range nodes {
		if !n.match(c) {
			return false
		}
	}
	return true
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []string:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// anyElem applies f to a scalar, or to each element of a list field such as tags.
func anyElem(v any, f func(any) bool) bool {
	switch v := v.(type) {
	case []string:
		for _, x := range v {
			if f(x) {
				return true
			}
		}
		return false
	case []any:
		return slices.ContainsFunc(v, f)
	}
	return f(v)
}

// eqValue compares a stored scalar with a filter value (or any of a list of them); strings
// compare case-insensitively.
func eqValue(have, want any) bool {
	if list, ok := want.([]any); ok {
		return slices.ContainsFunc(list, func(w any) bool { return eqValue(have, w) })
	}
	switch h := have.(type) {
	case string:
		w, ok := want.(string)
		return ok && strings.EqualFold(h, w)
	case bool:
		switch w := want.(type) {
		case bool:
			return h == w
		case string:
			return strconv.FormatBool(h) == w
		}
	case float64:
		switch w := want.(type) {
		case float64:
			return h == w
		case string:
			f, err := strconv.ParseFloat(w, 64)
			return err == nil && f == h
		}
	}
	return false
}

func containsValue(have, want any) bool {
	h, ok := have.(string)
	w, _ := want.(string)
	return ok && strings.Contains(strings.ToLower(h), strings.ToLower(w))
}

// inRange compares numbers with numbers, and date strings with dates given as strings or
// epoch milliseconds; other strings compare as text.
func inRange(field string, have any, bounds map[string]any) bool {
	for op, b := range bounds {
		c, ok := cmpForRange(field, have, b)
		if !ok {
			return false
		}
		switch {
		case op == "gte" && c < 0, op == "gt" && c <= 0, op == "lte" && c > 0, op == "lt" && c >= 0:
			return false
		}
	}
	return true
}

func cmpForRange(field string, have, bound any) (int, bool) {
	num := func(x any) (float64, bool) {
		switch x := x.(type) {
		case float64:
			return x, true
		case string:
			if t, ok := parseDate(x); ok {
				return float64(t.UnixMilli()), true
			}
			f, err := strconv.ParseFloat(x, 64)
			return f, err == nil
		}
		return 0, false
	}
	if s, isStr := have.(string); isStr {
		if _, isDate := parseDate(s); !isDate && !dateFields[field] {
			b, ok := bound.(string)
			return strings.Compare(s, b), ok
		}
	}
	h, ok1 := num(have)
	b, ok2 := num(bound)
	if !ok1 || !ok2 {
		return 0, false
	}
	return cmpSval(sval{kind: 2, num: h}, sval{kind: 2, num: b}), true
}

// matchesQuery is the free-text query: a case-insensitive substring of the name, email or
// phone (phones also match on digits alone).
func matchesQuery(c *contactDoc, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	name := c.str("fullNameLowerCase")
	if name == "" {
		name = strings.ToLower(strings.TrimSpace(c.str("firstName") + " " + c.str("lastName")))
	}
	if strings.Contains(name, q) || strings.Contains(c.str("emailLowerCase"), q) || strings.Contains(c.str("phone"), q) {
		return true
	}
	digits := onlyDigits(q)
	return digits != "" && len(digits) == len(strings.TrimPrefix(q, "+")) && strings.Contains(onlyDigits(c.str("phone")), digits)
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ---- POST /contacts/search ----

type searchRequest struct {
	specs     []sortSpec
	filters   []*filterNode
	query     string
	page      int
	pageLimit int
	after     []any // searchAfter as sent; nil in page mode
	key       string
}

func intField(in map[string]any, key string) (int, bool, string) {
	v, ok := in[key]
	if !ok || v == nil {
		return 0, false, ""
	}
	f, isNum := v.(float64)
	if !isNum || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, true, key + " must be an integer number"
	}
	return int(f), true, ""
}

func parseSearch(in map[string]any) (*searchRequest, []string) {
	req := &searchRequest{}
	msgs := unknownProperties(in, "locationId", "page", "pageLimit", "searchAfter", "filters", "sort", "query")
	limit, ok, msg := intField(in, "pageLimit")
	switch {
	case msg != "":
		msgs = append(msgs, msg)
	case !ok:
		msgs = append(msgs, "pageLimit should not be empty")
	case limit < 1:
		msgs = append(msgs, "pageLimit must not be less than 1")
	case limit > maxPageLimit:
		msgs = append(msgs, "pageLimit must not be greater than 500")
	}
	req.pageLimit = limit
	page, hasPage, msg := intField(in, "page")
	if msg != "" {
		msgs = append(msgs, msg)
	} else if hasPage && page < 1 {
		msgs = append(msgs, "page must not be less than 1")
	}
	req.page = max(page, 1)
	if q, ok := in["query"]; ok && q != nil {
		s, isStr := q.(string)
		switch {
		case !isStr:
			msgs = append(msgs, "query must be a string")
		case len(s) > maxQueryLen:
			msgs = append(msgs, "query must be shorter than or equal to 75 characters")
		}
		req.query = s
	}
	if f, ok := in["filters"]; ok && f != nil {
		nodes, m := parseFilters(f)
		msgs = append(msgs, m...)
		req.filters = nodes
	}
	if sv, ok := in["sort"]; ok && sv != nil {
		list, isList := sv.([]any)
		if !isList {
			msgs = append(msgs, "sort must be an array")
		}
		for _, item := range list {
			m, _ := item.(map[string]any)
			field, _ := m["field"].(string)
			dir, _ := m["direction"].(string)
			msgs = append(msgs, unknownProperties(m, "field", "direction")...)
			if field == "" {
				msgs = append(msgs, "sort.field should not be empty")
			}
			if dir != "asc" && dir != "desc" {
				msgs = append(msgs, "sort.direction must be one of the following values: asc, desc")
			}
			req.specs = append(req.specs, sortSpec{field: field, desc: dir == "desc"})
		}
	}
	if len(req.specs) == 0 {
		req.specs = []sortSpec{{field: "dateAdded"}}
	}
	if sa, ok := in["searchAfter"]; ok && sa != nil {
		list, isList := sa.([]any)
		switch {
		case !isList:
			msgs = append(msgs, "searchAfter must be an array")
		case len(list) != len(req.specs)+1:
			msgs = append(msgs, "searchAfter must hold one value per sort field and the contact id ("+strconv.Itoa(len(req.specs)+1)+" values)")
		default:
			if _, isStr := list[len(list)-1].(string); !isStr {
				msgs = append(msgs, "searchAfter must end with the contact id")
			}
			req.after = list
		}
		if hasPage && page > 1 {
			msgs = append(msgs, "page cannot be used with searchAfter")
		}
	} else if len(msgs) == 0 && req.page*req.pageLimit > maxPagedWindow {
		msgs = append(msgs, "Total results exceeded 10000, use searchAfter")
	}
	filtersKey, _ := json.Marshal(in["filters"])
	var sortKey strings.Builder
	for _, sp := range req.specs {
		sortKey.WriteString(strconv.Quote(sp.field))
		sortKey.WriteString(map[bool]string{false: " asc,", true: " desc,"}[sp.desc])
	}
	req.key = "search\x00" + sortKey.String() + "\x00" + string(filtersKey) + "\x00" + strings.ToLower(req.query)
	return req, msgs
}

func (s *Server) searchContacts(w http.ResponseWriter, r *http.Request) {
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
	req, msgs := parseSearch(in)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	match := func(c *contactDoc) bool { return allMatch(req.filters, c) && matchesQuery(c, req.query) }
	s.mu.Lock()
	v := l.viewLocked(req.key, req.specs, match)
	start := (req.page - 1) * req.pageLimit
	if req.after != nil {
		keys := make([]sval, len(req.specs))
		for i, sp := range req.specs {
			keys[i] = toSval(sp.field, req.after[i])
		}
		start = v.after(keys, req.after[len(req.after)-1].(string))
	}
	start = min(start, len(v.rows))
	end := min(start+req.pageLimit, len(v.rows))
	contacts := make([]map[string]any, 0, end-start)
	for _, row := range v.rows[start:end] {
		snap := row.c.snapshot()
		cursor := make([]any, 0, len(row.keys)+1)
		for _, k := range row.keys {
			cursor = append(cursor, k.cursorValue())
		}
		snap["searchAfter"] = append(cursor, row.id)
		contacts = append(contacts, snap)
	}
	total := len(v.rows)
	s.mu.Unlock()
	writeContactPage(w, contacts, map[string]any{"total": total})
}

// ---- GET /contacts/search/duplicate ----

func (s *Server) findDuplicateContact(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	email, number := q.Get("email"), q.Get("number")
	if email == "" && number == "" {
		writeUnprocessable(w, "email or number should not be empty")
		return
	}
	s.mu.Lock()
	c, _ := l.findDuplicate(email, number)
	var snap map[string]any
	if c != nil {
		snap = c.snapshot()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"contact": snap})
}

// ---- GET /contacts/ (deprecated) ----

// listContacts pages in dateAdded order with the cursor pair startAfter (epoch ms) and
// startAfterId, returned in meta.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	var msgs []string
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			msgs = append(msgs, "limit must be a number")
		case n < 1:
			msgs = append(msgs, "limit must not be less than 1")
		case n > maxListLimit:
			msgs = append(msgs, "limit must not be greater than 100")
		}
		limit = n
	}
	var startAfter float64
	hasStartAfter := false
	if v := q.Get("startAfter"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			msgs = append(msgs, "startAfter must be a number")
		}
		startAfter, hasStartAfter = f, true
	}
	query := q.Get("query")
	if len(query) > maxQueryLen {
		msgs = append(msgs, "query must be shorter than or equal to 75 characters")
	}
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	startAfterID := q.Get("startAfterId")
	specs := []sortSpec{{field: "dateAdded"}}
	s.mu.Lock()
	v := l.viewLocked("list\x00"+strings.ToLower(query), specs, func(c *contactDoc) bool { return matchesQuery(c, query) })
	start := 0
	switch {
	case hasStartAfter && startAfterID != "":
		start = v.after([]sval{{kind: 2, num: startAfter}}, startAfterID)
	case hasStartAfter: // everything added after that instant
		start = v.after([]sval{{kind: 2, num: startAfter}}, "\xff")
	case startAfterID != "":
		c, ok := l.contacts[startAfterID]
		if !ok {
			// Starting over would make a client's loop endless; say the cursor is bad.
			s.mu.Unlock()
			writeUnprocessable(w, "startAfterId does not name a contact; send startAfter with it")
			return
		}
		start = v.after([]sval{toSval("dateAdded", c.f["dateAdded"])}, startAfterID)
	}
	end := min(start+limit, len(v.rows))
	contacts := make([]map[string]any, 0, end-start)
	for _, row := range v.rows[start:end] {
		contacts = append(contacts, row.c.snapshot())
	}
	total := len(v.rows)
	meta := map[string]any{"total": total, "currentPage": start/limit + 1, "nextPage": nil, "prevPage": nil, "nextPageUrl": nil}
	if end > start {
		last := v.rows[end-1]
		meta["startAfterId"] = last.id
		meta["startAfter"] = last.keys[0].cursorValue()
		if end < len(v.rows) {
			meta["nextPage"] = start/limit + 2
			next := url.Values{"locationId": {l.id}, "limit": {strconv.Itoa(limit)}, "startAfterId": {last.id},
				"startAfter": {strconv.FormatInt(int64(last.keys[0].num), 10)}}
			if query != "" {
				next.Set("query", query)
			}
			meta["nextPageUrl"] = "http://" + r.Host + "/contacts/?" + next.Encode()
		}
	}
	if start/limit > 0 {
		meta["prevPage"] = start / limit
	}
	s.mu.Unlock()
	writeContactPage(w, contacts, map[string]any{"count": total, "meta": meta})
}

// ---- GET /contacts/business/{businessId} ----

// listByBusiness pages with skip and limit, which GHL declares as strings, in dateAdded order.
func (s *Server) listByBusiness(w http.ResponseWriter, r *http.Request) {
	l := needLocation(w, r)
	if l == nil {
		return
	}
	q := r.URL.Query()
	if !checkLocationID(w, l, q.Get("locationId")) {
		return
	}
	var msgs []string
	num := func(key string, def, least int) int {
		v := q.Get(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			msgs = append(msgs, key+" must be a number string not less than "+strconv.Itoa(least))
		}
		return n
	}
	limit, skip := num("limit", 25, 1), num("skip", 0, 0)
	query := q.Get("query")
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	business := r.PathValue("businessId")
	s.mu.Lock()
	v := l.viewLocked("business\x00"+business+"\x00"+strings.ToLower(query), []sortSpec{{field: "dateAdded"}},
		func(c *contactDoc) bool { return c.str("businessId") == business && matchesQuery(c, query) })
	start := min(skip, len(v.rows))
	end := min(start+limit, len(v.rows))
	contacts := make([]map[string]any, 0, end-start)
	for _, row := range v.rows[start:end] {
		contacts = append(contacts, row.c.snapshot())
	}
	total := len(v.rows)
	s.mu.Unlock()
	writeContactPage(w, contacts, map[string]any{"count": total})
}

// ---- fast encoding of contact pages ----

// writeContactPage writes {"contacts":[...], <tail>} with a hand-rolled encoder: pages of 500
// contacts are the fake's hottest path, and encoding/json spends most of its time there on
// reflection and map-key sorting.
func writeContactPage(w http.ResponseWriter, contacts []map[string]any, tail map[string]any) {
	b := make([]byte, 0, 64+700*len(contacts))
	b = append(b, `{"contacts":[`...)
	for i, c := range contacts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, c)
	}
	b = append(b, ']')
	for _, k := range slices.Sorted(maps.Keys(tail)) {
		b = append(b, ',')
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSON(b, tail[k])
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// appendJSON encodes the JSON-shaped values a contact holds, with object keys sorted like
// encoding/json; anything else goes through encoding/json.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if !math.IsInf(v, 0) && !math.IsNaN(v) && math.Abs(v) < 1e21 {
			return strconv.AppendFloat(b, v, 'f', -1, 64)
		}
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, x)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, v[k])
		}
		return append(b, '}')
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as JSON, escaping what JSON requires and replacing invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
