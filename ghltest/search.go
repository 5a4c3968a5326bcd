package ghltest

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// POST /contacts/search: the body's filters, sort, query and paging (page and pageLimit up to
// 10,000 results, searchAfter past them), as GHL documents them (ghl-api.md §6.2).

// Search limits, as GHL documents them.
const (
	maxPageLimit   = 500   // pageLimit of POST /contacts/search
	maxPagedWindow = 10000 // page * pageLimit; past it only searchAfter reaches
	maxQueryLen    = 75    // query and string filter values
	maxListLimit   = 100   // limit of the deprecated GET /contacts/
)

// searchableField reports whether search filters and sorts on a contact field. GHL does not
// publish the list; these are the contact's standard fields that its documentation and
// examples filter or sort on. Any other name (a typo, a custom field) is refused with 422,
// as GHL refuses it, instead of quietly matching nothing.
func searchableField(name string) bool {
	switch name {
	case "id", "firstName", "firstNameLowerCase", "lastName", "lastNameLowerCase", "fullNameLowerCase",
		"email", "phone", "companyName", "address1", "city", "state", "country", "postalCode", "website",
		"timezone", "source", "type", "tags", "dnd", "assignedTo", "followers", "businessId",
		"dateAdded", "dateUpdated", "lastActivity", "dateOfBirth", "gender":
		return true
	}
	return false
}

// filterOperators lists the search operators GHL documents.
const filterOperators = "eq, not_eq, contains, not_contains, exists, not_exists, range"

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
		switch {
		case n.field == "":
			msgs = append(msgs, "field should not be empty")
		case !searchableField(n.field):
			msgs = append(msgs, "field "+n.field+" is not supported")
		}
		if n.op == "" || !slices.Contains(strings.Split(filterOperators, ", "), n.op) {
			msgs = append(msgs, "operator must be one of the following values: "+filterOperators)
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
		if _, isDate := parseDate(s); !isDate && !dateField(field) {
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
			} else if !searchableField(field) {
				msgs = append(msgs, "sort.field "+field+" is not supported")
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
	l := locFrom(r)
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
