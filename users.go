package ghl

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// UsersService reaches the Users API (Version 2021-07-28): the people of the account, who own
// appointments, tasks and contacts. It reads users through GET /users/search; GHL's older
// GET /users/?locationId= is deprecated and gone in API version v3, so the SDK does not use it.
type UsersService service

// User is a GHL user (a member of the agency or of a location's team).
type User struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	// Extension is the user's phone extension ("" when none), which ByExtension matches.
	Extension string `json:"extension,omitempty"`
	// LCPhone maps a location ID to the user's LeadConnector phone number in it.
	LCPhone map[string]string `json:"lcPhone,omitempty"`
	Roles   *UserRoles        `json:"roles,omitempty"`
	Deleted bool              `json:"deleted,omitempty"`

	// Extra holds the fields GHL sent that this type does not name (permissions, scopes,
	// platformLanguage, ...).
	Extra Extra `json:"-"`
}

var userFields = jsonx.FieldsOf[User]()

// UnmarshalJSON decodes a user and keeps the fields it does not name in Extra.
func (u *User) UnmarshalJSON(data []byte) error { return decodeModel(data, u) }

// MarshalJSON encodes the user with its Extra fields.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return encodeWithExtra(plain(u), userFields, u.Extra, nil)
}

// UserRoles says what a user is and where.
type UserRoles struct {
	Type        string   `json:"type,omitempty"` // "agency" or "account"
	Role        string   `json:"role,omitempty"` // "admin" or "user"
	LocationIDs []string `json:"locationIds,omitempty"`
	// RestrictSubAccount limits the user to the locations listed.
	RestrictSubAccount bool `json:"restrictSubAccount,omitempty"`
}

// UserSearchOptions filters Search and SearchAll.
type UserSearchOptions struct {
	// CompanyID is the agency to search; GHL requires it. Empty means the company of the
	// client's location, fetched once per client (GET /locations/{id}).
	CompanyID string `url:"companyId"`
	// LocationID restricts the search to one location's users; empty means the client's.
	LocationID string `url:"locationId,omitempty"`
	// Query matches the user's full name, email or phone.
	Query string `url:"query,omitempty"`
	// Skip and Limit page the results (GHL's default limit is 25).
	Skip  int `url:"skip,omitempty"`
	Limit int `url:"limit,omitempty"`
	// Type ("agency" or "account") and Role ("admin" or "user") filter by kind of user.
	Type string `url:"type,omitempty"`
	Role string `url:"role,omitempty"`
	// IDs restricts the search to these users.
	IDs []string `url:"ids,omitempty,comma"`
	// Sort names the field to sort by (GHL's default is the name); SortDirection is "asc"
	// or "desc".
	Sort          string `url:"sort,omitempty"`
	SortDirection string `url:"sortDirection,omitempty"`
}

// UserSearchResult is one page of users.
type UserSearchResult struct {
	Users []*User `json:"users"`
	// Count is the number of users that match, over all pages.
	Count int `json:"count"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var userSearchResultFields = jsonx.FieldsOf[UserSearchResult]()

// UnmarshalJSON decodes the page and keeps the fields it does not name in Extra.
func (r *UserSearchResult) UnmarshalJSON(data []byte) error { return decodeModel(data, r) }

// MarshalJSON encodes the page with its Extra fields.
func (r UserSearchResult) MarshalJSON() ([]byte, error) {
	type plain UserSearchResult
	return encodeWithExtra(plain(r), userSearchResultFields, r.Extra, nil)
}

// defaultUserPage is the page size SearchAll asks for.
const defaultUserPage = 100

func (s *UsersService) searchOptions(ctx context.Context, opts *UserSearchOptions) (UserSearchOptions, error) {
	var o UserSearchOptions
	if opts != nil {
		o = *opts
	}
	if o.LocationID == "" {
		o.LocationID = s.client.locationID
	}
	switch {
	case o.Skip < 0:
		return o, &InvalidParamError{Param: "opts.Skip", Reason: fmt.Sprintf("%d is negative", o.Skip)}
	case o.Limit < 0:
		return o, &InvalidParamError{Param: "opts.Limit", Reason: fmt.Sprintf("%d is negative", o.Limit)}
	}
	for i, id := range o.IDs {
		if err := checkID(fmt.Sprintf("opts.IDs[%d]", i), id); err != nil {
			return o, err
		}
		if strings.Contains(id, ",") {
			return o, &InvalidParamError{Param: fmt.Sprintf("opts.IDs[%d]", i), Reason: "contains a comma, which separates IDs"}
		}
	}
	if o.CompanyID == "" {
		if s.client.locationID == "" {
			return o, &InvalidParamError{Param: "opts.CompanyID", Reason: "must be set on a client without a location"}
		}
		id, err := s.client.Locations.companyID(ctx)
		if err != nil {
			return o, err
		}
		o.CompanyID = id
	}
	return o, checkID("opts.CompanyID", o.CompanyID)
}

// Search returns one page of the users that opts matches (GET /users/search). It needs the
// company's ID: opts.CompanyID, or else that of the client's location, which costs one
// request the first time per client.
func (s *UsersService) Search(ctx context.Context, opts *UserSearchOptions) (*UserSearchResult, *Response, error) {
	o, err := s.searchOptions(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return s.search(ctx, &o)
}

func (s *UsersService) search(ctx context.Context, o *UserSearchOptions) (*UserSearchResult, *Response, error) {
	q, err := queryOf(o)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/users/search", route: "/users/search", query: q, family: APIUsers}, self[UserSearchResult])
}

// SearchAll yields every user that opts matches, paging by skip and limit (opts.Limit is the
// page size, default 100; opts.Skip is where to start). Iteration stops at the first error,
// which is yielded.
func (s *UsersService) SearchAll(ctx context.Context, opts *UserSearchOptions) iter.Seq2[*User, error] {
	return s.all(ctx, opts, nil)
}

// all is SearchAll that also stores each page's *Response in *last, if last is non-nil.
func (s *UsersService) all(ctx context.Context, opts *UserSearchOptions, last **Response) iter.Seq2[*User, error] {
	return func(yield func(*User, error) bool) {
		// The company lookup, if any, happens when iteration starts, not when SearchAll is
		// called.
		base, err := s.searchOptions(ctx, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		if base.Limit == 0 {
			base.Limit = defaultUserPage
		}
		// The cursor is skip+1, so that the zero cursor still means "none" to the pager.
		pages := paginate(ctx, "/users/search", base.Skip+1, func(ctx context.Context, cursor, _ int) (pageOf[*User, int], error) {
			o := base
			o.Skip = cursor - 1
			res, resp, err := s.search(ctx, &o)
			if last != nil && resp != nil {
				*last = resp
			}
			if err != nil {
				return pageOf[*User, int]{}, err
			}
			p := pageOf[*User, int]{items: res.Users}
			next := o.Skip + len(res.Users)
			if len(res.Users) == o.Limit && (res.Count == 0 || next < res.Count) {
				p.more, p.next = true, next+1
			}
			return p, nil
		})
		for u, err := range pages {
			if !yield(u, err) {
				return
			}
		}
	}
}

// Get fetches one user.
func (s *UsersService) Get(ctx context.Context, userID string) (*User, *Response, error) {
	ids, err := escapeIDs("userID", userID)
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: "/users/" + ids[0], route: "/users/{userId}", family: APIUsers}, self[User])
}

// ByExtension returns the user of the client's location whose phone extension is extension,
// for giving a call taken on a LinkedPhone extension to the right GHL user; nil and no error
// when no user has it. The *Response is that of the last page read. It reads every user of the location (GET /users/search; the company ID
// comes from the client's location, looked up once per client), and fails with an
// *ExtensionConflictError when several users share the extension. Deleted users are skipped.
func (s *UsersService) ByExtension(ctx context.Context, extension string) (*User, *Response, error) {
	ext := strings.TrimSpace(extension)
	if ext == "" {
		return nil, nil, &InvalidParamError{Param: "extension", Reason: "must not be empty"}
	}
	if s.client.locationID == "" {
		return nil, nil, &InvalidParamError{Param: "client", Reason: "has no location: create it with WithLocationID"}
	}
	var (
		found []*User
		resp  *Response
	)
	for u, err := range s.all(ctx, nil, &resp) {
		if err != nil {
			return nil, resp, err
		}
		if !u.Deleted && strings.TrimSpace(u.Extension) == ext {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, resp, nil
	case 1:
		return found[0], resp, nil
	}
	ids := make([]string, len(found))
	for i, u := range found {
		ids[i] = u.ID
	}
	return nil, resp, &ExtensionConflictError{Extension: ext, UserIDs: ids}
}
