package ghltest

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Search orders: a contact's sort values, how they compare and travel in searchAfter
// cursors, and the per-location cache of filtered, sorted orders that search and the lists
// page through.

// Fields whose values are timestamps: they sort, and appear in searchAfter cursors, as epoch
// milliseconds.
func dateField(name string) bool {
	switch name {
	case "dateAdded", "dateUpdated", "lastActivity", "dateOfBirth":
		return true
	}
	return false
}

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
		if dateField(field) {
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

// viewCache holds a location's search views, valid until the next contact write.
type viewCache struct {
	gen      uint64                 // bumped on every contact write; views older than it are stale
	views    map[string]*searchView // cached filtered, sorted orders...
	viewsGen uint64                 // ...built when gen had this value
}

// touch records that a contact changed, so cached search orders are rebuilt on next use.
func (l *location) touch() { l.views.gen++ }

func (l *location) viewLocked(key string, specs []sortSpec, match func(*contactDoc) bool) *searchView {
	m := &l.views
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
