package ghl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-querystring/query"
	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// Search paging limits.
const (
	// defaultSearchPageLimit is the page size Search asks for when the request names none
	// (the API requires one).
	defaultSearchPageLimit = 20
	// MaxSearchPageLimit is the largest page the search endpoint serves; SearchAll uses it.
	MaxSearchPageLimit = 500
	// maxSearchPageDepth is how many results page/pageLimit paging reaches; past it only
	// searchAfter works.
	maxSearchPageDepth = 10000
	// maxSearchQuery is the longest free-text query the API accepts.
	maxSearchQuery = 75
)

// FilterOperator compares a contact field in a search filter.
type FilterOperator string

// The search operators.
const (
	OpEq          FilterOperator = "eq"
	OpNotEq       FilterOperator = "not_eq"
	OpContains    FilterOperator = "contains"
	OpNotContains FilterOperator = "not_contains"
	OpExists      FilterOperator = "exists"     // takes no value
	OpNotExists   FilterOperator = "not_exists" // takes no value
	OpRange       FilterOperator = "range"      // value is a Range
)

// FilterGroup joins the filters of a group.
type FilterGroup string

// The group logics. Top-level filters are always ANDed.
const (
	GroupAnd FilterGroup = "AND"
	GroupOr  FilterGroup = "OR"
)

// SortDirection orders search results.
type SortDirection string

// The sort directions.
const (
	SortAsc  SortDirection = "asc"
	SortDesc SortDirection = "desc"
)

// SearchFilter is either a condition (Field, Operator, Value) or a group (Group, Filters).
// Build them with Where, Exists, NotExists, InRange, AllOf and AnyOf.
type SearchFilter struct {
	Field    string         `json:"field,omitempty"`
	Operator FilterOperator `json:"operator,omitempty"`
	// Value is sent as given (false and 0 included); nil sends no value.
	Value any `json:"value,omitempty"`

	Group   FilterGroup    `json:"group,omitempty"`
	Filters []SearchFilter `json:"filters,omitempty"`
}

// Range is the value of an OpRange filter; nil bounds are not sent.
type Range struct {
	Gt  any `json:"gt,omitempty"`
	Gte any `json:"gte,omitempty"`
	Lt  any `json:"lt,omitempty"`
	Lte any `json:"lte,omitempty"`
}

// Where returns the condition "field op value".
func Where(field string, op FilterOperator, value any) SearchFilter {
	return SearchFilter{Field: field, Operator: op, Value: value}
}

// Exists matches contacts that have a value in field.
func Exists(field string) SearchFilter { return SearchFilter{Field: field, Operator: OpExists} }

// NotExists matches contacts that have no value in field.
func NotExists(field string) SearchFilter { return SearchFilter{Field: field, Operator: OpNotExists} }

// InRange matches contacts whose field lies within r.
func InRange(field string, r Range) SearchFilter {
	return SearchFilter{Field: field, Operator: OpRange, Value: r}
}

// AllOf groups filters that must all match.
func AllOf(filters ...SearchFilter) SearchFilter {
	return SearchFilter{Group: GroupAnd, Filters: filters}
}

// AnyOf groups filters of which one must match.
func AnyOf(filters ...SearchFilter) SearchFilter {
	return SearchFilter{Group: GroupOr, Filters: filters}
}

func (f *SearchFilter) validate(param string) error {
	if f.Group != "" || len(f.Filters) > 0 {
		switch {
		case f.Group != GroupAnd && f.Group != GroupOr:
			return &InvalidParamError{Param: param + ".Group", Reason: fmt.Sprintf("%q is not AND or OR", f.Group)}
		case len(f.Filters) == 0:
			return &InvalidParamError{Param: param + ".Filters", Reason: "a group needs at least one filter"}
		case f.Field != "" || f.Operator != "" || f.Value != nil:
			return &InvalidParamError{Param: param, Reason: "a filter is either a group or a condition, not both"}
		}
		for i := range f.Filters {
			if err := f.Filters[i].validate(fmt.Sprintf("%s.Filters[%d]", param, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if strings.TrimSpace(f.Field) == "" {
		return &InvalidParamError{Param: param + ".Field", Reason: "must not be empty"}
	}
	switch f.Operator {
	case OpExists, OpNotExists:
		if f.Value != nil {
			return &InvalidParamError{Param: param + ".Value", Reason: fmt.Sprintf("operator %s takes no value", f.Operator)}
		}
	case OpEq, OpNotEq, OpContains, OpNotContains, OpRange:
		if f.Value == nil {
			return &InvalidParamError{Param: param + ".Value", Reason: fmt.Sprintf("operator %s needs a value", f.Operator)}
		}
		if r, ok := f.Value.(Range); ok && r.Gt == nil && r.Gte == nil && r.Lt == nil && r.Lte == nil {
			return &InvalidParamError{Param: param + ".Value", Reason: "a range needs at least one bound"}
		}
	case "":
		return &InvalidParamError{Param: param + ".Operator", Reason: "must not be empty"}
	default:
		return &InvalidParamError{Param: param + ".Operator", Reason: fmt.Sprintf("unknown operator %q", f.Operator)}
	}
	return nil
}

// SearchSort orders search results by one field.
type SearchSort struct {
	Field     string        `json:"field"`
	Direction SortDirection `json:"direction"`
}

// SearchRequest is the body of Search (POST /contacts/search).
type SearchRequest struct {
	// LocationID defaults to the client's location.
	LocationID string `json:"locationId"`
	// Page is the 1-based page for page/pageLimit paging, which reaches 10,000 results at
	// most. Leave it zero when SearchAfter is set.
	Page int `json:"page,omitempty"`
	// PageLimit is the page size, up to MaxSearchPageLimit; zero means
	// 20.
	PageLimit int `json:"pageLimit"`
	// SearchAfter is the cursor to continue after: the SearchAfter of the last contact of the
	// previous page, sent back exactly as received.
	SearchAfter json.RawMessage `json:"searchAfter,omitempty"`
	// Filters are ANDed.
	Filters []SearchFilter `json:"filters,omitempty"`
	Sort    []SearchSort   `json:"sort,omitempty"`
	// Query is a free-text search of at most 75 characters.
	Query string `json:"query,omitempty"`

	// Extra carries fields this type does not name; they are sent as given.
	Extra Extra `json:"-"`
}

var searchRequestFields = jsonx.FieldsOf[SearchRequest]()

// MarshalJSON encodes the request with its Extra fields.
func (r SearchRequest) MarshalJSON() ([]byte, error) {
	type plain SearchRequest
	return encodeWithExtra(plain(r), searchRequestFields, r.Extra, nil)
}

func (r *SearchRequest) validate() error {
	if err := checkID("req.LocationID", r.LocationID); err != nil {
		return err
	}
	switch {
	case r.PageLimit < 0 || r.PageLimit > MaxSearchPageLimit:
		return &InvalidParamError{Param: "req.PageLimit", Reason: fmt.Sprintf("%d is outside 1..%d", r.PageLimit, MaxSearchPageLimit)}
	case r.Page < 0:
		return &InvalidParamError{Param: "req.Page", Reason: fmt.Sprintf("%d is negative", r.Page)}
	case r.Page > 0 && len(r.SearchAfter) > 0:
		return &InvalidParamError{Param: "req.Page", Reason: "cannot be combined with SearchAfter"}
	case r.Page > 0 && r.Page*r.PageLimit > maxSearchPageDepth:
		return &InvalidParamError{Param: "req.Page", Reason: fmt.Sprintf("page paging reaches %d results at most; use SearchAfter (or SearchAll) to go further", maxSearchPageDepth)}
	case utf8.RuneCountInString(r.Query) > maxSearchQuery:
		return &InvalidParamError{Param: "req.Query", Reason: fmt.Sprintf("longer than %d characters", maxSearchQuery)}
	}
	if len(r.SearchAfter) > 0 {
		if v := bytes.TrimSpace(r.SearchAfter); !json.Valid(v) || v[0] != '[' {
			return &InvalidParamError{Param: "req.SearchAfter", Reason: "must be a JSON array"}
		}
	}
	for i := range r.Filters {
		if err := r.Filters[i].validate(fmt.Sprintf("req.Filters[%d]", i)); err != nil {
			return err
		}
	}
	for i, s := range r.Sort {
		if strings.TrimSpace(s.Field) == "" {
			return &InvalidParamError{Param: fmt.Sprintf("req.Sort[%d].Field", i), Reason: "must not be empty"}
		}
		if s.Direction != SortAsc && s.Direction != SortDesc {
			return &InvalidParamError{Param: fmt.Sprintf("req.Sort[%d].Direction", i), Reason: fmt.Sprintf("%q is not asc or desc", s.Direction)}
		}
	}
	return nil
}

// SearchResult is one page of search results.
type SearchResult struct {
	Contacts []*Contact `json:"contacts"`
	// Total is how many contacts match, as the server counts them.
	Total int `json:"total"`

	Extra Extra `json:"-"`
}

var searchResultFields = jsonx.FieldsOf[SearchResult]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (r *SearchResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the page with its Extra fields.
func (r SearchResult) MarshalJSON() ([]byte, error) {
	type plain SearchResult
	return encodeWithExtra(plain(r), searchResultFields, r.Extra, nil)
}

// nextSearchAfter returns the cursor of the page after this one (the last contact's
// SearchAfter), or nil when the page is empty.
func (r *SearchResult) nextSearchAfter() json.RawMessage {
	if r == nil || len(r.Contacts) == 0 || r.Contacts[len(r.Contacts)-1] == nil {
		return nil
	}
	return r.Contacts[len(r.Contacts)-1].SearchAfter
}

// Search runs one page of an advanced contact search; a nil req asks for the first page of
// all contacts. Results may lag writes by a few seconds. It is resent after a 5xx or a
// dropped connection, since a search changes nothing.
func (s *ContactsService) Search(ctx context.Context, req *SearchRequest) (*SearchResult, *Response, error) {
	var body SearchRequest
	if req != nil {
		body = *req
	}
	if body.LocationID == "" {
		body.LocationID = s.client.locationID
	}
	if body.PageLimit == 0 {
		body.PageLimit = defaultSearchPageLimit
	}
	if err := body.validate(); err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: "/contacts/search", route: "/contacts/search", body: body, idempotent: true}, self[SearchResult])
}

// SearchAll yields every contact that req matches, in req's sort order, fetching pages of up
// to MaxSearchPageLimit (req.PageLimit, if set, is the page size; zero or more than the
// maximum means the maximum). It follows the searchAfter cursor from the first page, so it
// is not held to the 10,000 results of page paging. req.Page may be 0 or 1, and req.SearchAfter starts the
// walk after a given cursor. A nil req walks every contact of the location.
//
// Iteration stops at the first error, which is yielded (a *PaginationError if the server
// repeats a cursor or claims more results without one). The next page is fetched while the
// caller works through the current one; at most two pages are held.
func (s *ContactsService) SearchAll(ctx context.Context, req *SearchRequest) iter.Seq2[*Contact, error] {
	var base SearchRequest
	if req != nil {
		base = *req
	}
	if base.PageLimit < 0 {
		return errSeq[*Contact](&InvalidParamError{Param: "req.PageLimit", Reason: fmt.Sprintf("%d is negative", base.PageLimit)})
	}
	if base.PageLimit == 0 || base.PageLimit > MaxSearchPageLimit {
		base.PageLimit = MaxSearchPageLimit
	}
	if base.Page != 0 && base.Page != 1 {
		return errSeq[*Contact](&InvalidParamError{Param: "req.Page", Reason: "SearchAll pages by cursor; Page may only be 0 or 1"})
	}
	start := string(bytes.TrimSpace(base.SearchAfter))
	return paginate(ctx, "/contacts/search", start, func(ctx context.Context, cursor string, yielded int) (pageOf[*Contact, string], error) {
		body := base
		if cursor != "" {
			body.Page = 0
			body.SearchAfter = json.RawMessage(cursor)
		}
		res, _, err := s.Search(ctx, &body)
		if err != nil {
			return pageOf[*Contact, string]{}, err
		}
		count := yielded + len(res.Contacts)
		p := pageOf[*Contact, string]{items: res.Contacts}
		if len(res.Contacts) < body.PageLimit {
			return p, nil // a short page is the last
		}
		next := bytes.TrimSpace(res.nextSearchAfter())
		if len(next) == 0 || string(next) == "null" {
			// A full page without a cursor ends the walk only when the server's count says
			// nothing is left; otherwise paginate reports it.
			p.more = res.Total == 0 || count < res.Total
			return p, nil
		}
		p.more, p.next = true, string(next)
		return p, nil
	})
}

// ghlTimeLayout is how GHL writes timestamps (dateAdded, dateUpdated): UTC, milliseconds.
const ghlTimeLayout = "2006-01-02T15:04:05.000Z"

// ChangedSince yields the contacts of the client's location whose dateUpdated is at or after
// since, oldest change first. It is the companion of the webhook Handler: GHL redelivers a
// webhook only for about 70 minutes (and only after a 429 answer), so a receiver that was
// down longer, or lost events any other way, learns here what changed. Run it when the
// receiver starts, from a checkpoint the receiver kept, and apply each contact as its
// ContactUpdate event would have been applied; contacts created in the meantime come too
// (creating a contact sets its dateUpdated), so a DateAdded at or after since marks a missed
// ContactCreate. A zero since yields every contact.
//
// It walks POST /contacts/search sorted by dateUpdated ascending, 500 contacts a request,
// following the searchAfter cursor, so it is not held to the 10,000 results of page paging.
// A contact changed during the walk moves to the end of that order and is yielded again
// rather than skipped. The filter is sent as a range on dateUpdated from since, truncated to
// the millisecond, in GHL's own timestamp form ("2006-01-02T15:04:05.000Z", UTC).
//
// Keeping the checkpoint: take the largest DateUpdated the walk yielded (GHL's clock, so
// the receiving host's clock does not matter) and start the next walk a margin before it,
// since search results lag writes by a few seconds. Contacts near the checkpoint then come
// twice, so apply them idempotently (skip a contact whose DateUpdated is older than what you
// hold). If the walk yields nothing, keep the old checkpoint.
//
// What it cannot see: a contact deleted in the meantime (search returns live contacts only;
// a ContactDelete that was missed shows as a Get answering 404), and a change to a contact's
// tasks, notes or appointments that did not change the contact itself.
//
// Iteration stops at the first error, which is yielded.
func (s *ContactsService) ChangedSince(ctx context.Context, since time.Time) iter.Seq2[*Contact, error] {
	req := SearchRequest{
		PageLimit: MaxSearchPageLimit,
		Sort:      []SearchSort{{Field: "dateUpdated", Direction: SortAsc}},
	}
	if !since.IsZero() {
		req.Filters = []SearchFilter{InRange("dateUpdated", Range{Gte: since.UTC().Truncate(time.Millisecond).Format(ghlTimeLayout)})}
	}
	return s.SearchAll(ctx, &req)
}

// DuplicateOptions says what FindDuplicate looks for. Give Email, Number or both.
type DuplicateOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// Number is a phone number, best in E.164 ("+14155550100").
	Number string `url:"number,omitempty"`
	Email  string `url:"email,omitempty"`
}

// FindDuplicate returns the contact that the location's duplicate rule matches to opts
// (email first, then phone, when the location allows duplicates), or nil and no error when
// there is none.
func (s *ContactsService) FindDuplicate(ctx context.Context, opts *DuplicateOptions) (*Contact, *Response, error) {
	if opts == nil {
		return nil, nil, &InvalidParamError{Param: "opts", Reason: "must not be nil"}
	}
	o := *opts
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(o.Email) == "" && strings.TrimSpace(o.Number) == "" {
		return nil, nil, &InvalidParamError{Param: "opts", Reason: "give Email, Number or both"}
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/search/duplicate", route: "/contacts/search/duplicate", query: q, mayBeAbsent: true}, contactOf)
}

// ContactList is a page of contacts from List or ListByBusiness.
type ContactList struct {
	Contacts []*Contact `json:"contacts"`
	// Count is the number of matching contacts the server reports.
	Count int `json:"count"`
	// Meta is the cursor information of List; ListByBusiness has none.
	Meta *ListMeta `json:"meta,omitempty"`

	Extra Extra `json:"-"`
}

var contactListFields = jsonx.FieldsOf[ContactList]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (l *ContactList) UnmarshalJSON(data []byte) error { return decodeModel(data, l) }

// MarshalJSON encodes the page with its Extra fields.
func (l ContactList) MarshalJSON() ([]byte, error) {
	type plain ContactList
	return encodeWithExtra(plain(l), contactListFields, l.Extra, nil)
}

// ListMeta is the paging information of the deprecated list endpoint.
type ListMeta struct {
	Total        int    `json:"total,omitempty"`
	NextPageURL  string `json:"nextPageUrl,omitempty"`
	StartAfterID string `json:"startAfterId,omitempty"`
	// StartAfter is epoch milliseconds.
	StartAfter  int64 `json:"startAfter,omitempty"`
	CurrentPage int   `json:"currentPage,omitempty"`
	NextPage    *int  `json:"nextPage,omitempty"`
	PrevPage    *int  `json:"prevPage,omitempty"`

	Extra Extra `json:"-"`
}

var listMetaFields = jsonx.FieldsOf[ListMeta]()

// UnmarshalJSON decodes the meta object and keeps the fields it does not name in Extra.
func (m *ListMeta) UnmarshalJSON(data []byte) error { return decodeModel(data, m) }

// MarshalJSON encodes the meta object with its Extra fields.
func (m ListMeta) MarshalJSON() ([]byte, error) {
	type plain ListMeta
	return encodeWithExtra(plain(m), listMetaFields, m.Extra, nil)
}

// ListByBusinessOptions pages through a business's contacts.
type ListByBusinessOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// Limit is the page size (server default 25, at most 100).
	Limit int `url:"limit,omitempty"`
	// Skip is how many contacts to skip.
	Skip  int    `url:"skip,omitempty"`
	Query string `url:"query,omitempty"`
}

// maxBusinessPageLimit is the largest page the by-business endpoint serves.
const maxBusinessPageLimit = 100

// ListByBusiness returns one page of the contacts of a business (offset paging).
func (s *ContactsService) ListByBusiness(ctx context.Context, businessID string, opts *ListByBusinessOptions) (*ContactList, *Response, error) {
	ids, err := escapeIDs("businessID", businessID)
	if err != nil {
		return nil, nil, err
	}
	var o ListByBusinessOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return nil, nil, err
	}
	if o.Limit < 0 || o.Limit > maxBusinessPageLimit {
		return nil, nil, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, maxBusinessPageLimit)}
	}
	if o.Skip < 0 {
		return nil, nil, &InvalidParamError{Param: "opts.Skip", Reason: fmt.Sprintf("%d is negative", o.Skip)}
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/business/" + ids[0], route: "/contacts/business/{businessId}", query: q}, self[ContactList])
}

// listByBusinessAll yields every contact of a business, paging by skip and limit (opts.Limit
// is the page size, default 100; opts.Skip is where to start). Iteration stops at the first
// error, which is yielded.
func (s *ContactsService) listByBusinessAll(ctx context.Context, businessID string, opts *ListByBusinessOptions) iter.Seq2[*Contact, error] {
	if err := checkID("businessID", businessID); err != nil {
		return errSeq[*Contact](err)
	}
	var base ListByBusinessOptions
	if opts != nil {
		base = *opts
	}
	if base.Limit == 0 {
		base.Limit = maxBusinessPageLimit
	}
	// The cursor is skip+1, so that the zero cursor still means "none" to the pager.
	return paginate(ctx, "/contacts/business/{businessId}", base.Skip+1, func(ctx context.Context, cursor, _ int) (pageOf[*Contact, int], error) {
		o := base
		o.Skip = cursor - 1
		res, _, err := s.ListByBusiness(ctx, businessID, &o)
		if err != nil {
			return pageOf[*Contact, int]{}, err
		}
		p := pageOf[*Contact, int]{items: res.Contacts}
		next := o.Skip + len(res.Contacts)
		if len(res.Contacts) == o.Limit && (res.Count == 0 || next < res.Count) {
			p.more, p.next = true, next+1
		}
		return p, nil
	})
}

// ListOptions pages through the deprecated contact list.
type ListOptions struct {
	// LocationID defaults to the client's location.
	LocationID string `url:"locationId"`
	// StartAfterID and StartAfter (epoch milliseconds) are the cursor: the previous page's
	// Meta.StartAfterID and Meta.StartAfter.
	StartAfterID string `url:"startAfterId,omitempty"`
	StartAfter   int64  `url:"startAfter,omitempty"`
	Query        string `url:"query,omitempty"`
	// Limit is the page size (server default 20, at most 100).
	Limit int `url:"limit,omitempty"`
}

// maxListLimit is the largest page the deprecated list endpoint serves.
const maxListLimit = 100

func (s *ContactsService) listOptions(opts *ListOptions) (ListOptions, error) {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	if err := checkID("opts.LocationID", o.LocationID); err != nil {
		return o, err
	}
	if o.Limit < 0 || o.Limit > maxListLimit {
		return o, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is outside 1..%d", o.Limit, maxListLimit)}
	}
	if o.StartAfter < 0 {
		return o, &InvalidParamError{Param: "opts.StartAfter", Reason: fmt.Sprintf("%d is negative", o.StartAfter)}
	}
	return o, nil
}

// List returns one page of the location's contacts (GET /contacts/).
//
// Deprecated: GHL has deprecated this endpoint and removed it in API v3 (use Search or
// SearchAll). Version 2021-07-28 still serves it.
func (s *ContactsService) List(ctx context.Context, opts *ListOptions) (*ContactList, *Response, error) {
	o, err := s.listOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	q, err := queryOf(&o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/contacts/", route: "/contacts/", query: q}, self[ContactList])
}

// listCursor is the cursor pair of the deprecated list endpoint.
type listCursor struct {
	startAfter   int64
	startAfterID string
}

// ListAll yields every contact of the deprecated list endpoint, following the
// meta.startAfter/startAfterId cursor (opts.Limit is the page size, default 100). Iteration
// stops at the first error, which is yielded.
//
// Deprecated: it reads the list endpoint, which GHL has deprecated and removed in API v3
// (use Search or SearchAll).
func (s *ContactsService) ListAll(ctx context.Context, opts *ListOptions) iter.Seq2[*Contact, error] {
	base, err := s.listOptions(opts)
	if err != nil {
		return errSeq[*Contact](err)
	}
	if base.Limit == 0 {
		base.Limit = maxListLimit
	}
	start := listCursor{startAfter: base.StartAfter, startAfterID: base.StartAfterID}
	return paginate(ctx, "/contacts/", start, func(ctx context.Context, cur listCursor, _ int) (pageOf[*Contact, listCursor], error) {
		o := base
		o.StartAfter, o.StartAfterID = cur.startAfter, cur.startAfterID
		res, _, err := s.List(ctx, &o)
		if err != nil {
			return pageOf[*Contact, listCursor]{}, err
		}
		p := pageOf[*Contact, listCursor]{items: res.Contacts}
		if len(res.Contacts) < o.Limit {
			return p, nil
		}
		m := res.Meta
		if m == nil || m.StartAfterID == "" {
			// No cursor: the end, unless the server says there is a next page.
			p.more = m != nil && (m.NextPage != nil || m.NextPageURL != "")
			return p, nil
		}
		p.more, p.next = true, listCursor{startAfter: m.StartAfter, startAfterID: m.StartAfterID}
		return p, nil
	})
}

// queryOf encodes the `url` tags of opts (a struct pointer) as a query, percent-encoding
// values so "+" in a phone number or e-mail address survives.
func queryOf(opts any) (url.Values, error) {
	q, err := query.Values(opts)
	if err != nil {
		return nil, fmt.Errorf("ghl: encoding query: %w", err)
	}
	return q, nil
}
