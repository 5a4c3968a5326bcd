package ghl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkedphone/ghl-go/internal/jsonx"
)

// LocationsService reaches the Locations API (Version 2021-07-28): a location's details, and
// for the client's location its contact custom fields and its tag catalogue. It also keeps,
// per client, the client's location's company ID (which the Users API needs) and the
// custom-field key cache (ContactFields).
type LocationsService service

// locationCaches is what a client remembers about its location. It lives in the Client by
// value and allocates on first use, so a client made per request still costs one allocation.
type locationCaches struct {
	mu     sync.Mutex
	home   *onceValue[*Location]
	fields *ContactFields
}

// homeCache returns the client's once-fetched location (for its company ID).
func (s *LocationsService) homeCache() *onceValue[*Location] {
	c := &s.client.caches
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.home == nil {
		c.home = &onceValue[*Location]{sem: make(chan struct{}, 1)}
	}
	return c.home
}

// Location is a GHL location (sub-account).
type Location struct {
	ID         string `json:"id,omitempty"`
	CompanyID  string `json:"companyId,omitempty"`
	Name       string `json:"name,omitempty"`
	Domain     string `json:"domain,omitempty"`
	Address    string `json:"address,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Website    string `json:"website,omitempty"`
	// Timezone is the IANA name of the location's timezone, in which its calendars' working
	// hours are kept; LoadTimezone turns it into a *time.Location.
	Timezone  string            `json:"timezone,omitempty"`
	FirstName string            `json:"firstName,omitempty"`
	LastName  string            `json:"lastName,omitempty"`
	Email     string            `json:"email,omitempty"`
	Phone     string            `json:"phone,omitempty"`
	LogoURL   string            `json:"logoUrl,omitempty"`
	Business  *LocationBusiness `json:"business,omitempty"`
	Settings  *LocationSettings `json:"settings,omitempty"`

	// Extra holds the fields GHL sent that this type does not name (social, reseller, ...).
	Extra Extra `json:"-"`
}

var locationFields = jsonx.FieldsOf[Location]()

// UnmarshalJSON decodes a location and keeps the fields it does not name in Extra.
func (l *Location) UnmarshalJSON(data []byte) error { return decodeModel(data, l) }

// MarshalJSON encodes the location with its Extra fields.
func (l Location) MarshalJSON() ([]byte, error) {
	type plain Location
	return encodeWithExtra(plain(l), locationFields, l.Extra, nil)
}

// LoadTimezone returns the location's timezone (Timezone, else Business.Timezone) as a
// *time.Location, for booking and showing appointments in local time. It needs the system's
// timezone database (or an import of time/tzdata).
func (l *Location) LoadTimezone() (*time.Location, error) {
	name := l.Timezone
	if name == "" && l.Business != nil {
		name = l.Business.Timezone
	}
	if name == "" {
		return nil, fmt.Errorf("ghl: location %s has no timezone", l.ID)
	}
	return time.LoadLocation(name)
}

// LocationBusiness holds a location's business details.
type LocationBusiness struct {
	Name       string `json:"name,omitempty"`
	Address    string `json:"address,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Website    string `json:"website,omitempty"`
	Timezone   string `json:"timezone,omitempty"`
	LogoURL    string `json:"logoUrl,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var locationBusinessFields = jsonx.FieldsOf[LocationBusiness]()

// UnmarshalJSON decodes the business details and keeps the fields it does not name in Extra.
func (b *LocationBusiness) UnmarshalJSON(data []byte) error { return decodeModel(data, b) }

// MarshalJSON encodes the business details with their Extra fields.
func (b LocationBusiness) MarshalJSON() ([]byte, error) {
	type plain LocationBusiness
	return encodeWithExtra(plain(b), locationBusinessFields, b.Extra, nil)
}

// LocationSettings are the location settings that change how the API behaves.
type LocationSettings struct {
	// AllowDuplicateContact is "Allow Duplicate Contact": creates no longer fail on a
	// matching email or phone.
	AllowDuplicateContact     bool `json:"allowDuplicateContact"`
	AllowDuplicateOpportunity bool `json:"allowDuplicateOpportunity"`
	AllowFacebookNameMerge    bool `json:"allowFacebookNameMerge"`
	DisableContactTimezone    bool `json:"disableContactTimezone"`
}

// Get fetches a location's details: its timezone, business details and company ID. Getting
// the client's own location also gives Users the company ID it needs, so a lookup by
// extension after it costs no second GET.
func (s *LocationsService) Get(ctx context.Context, locationID string) (*Location, *Response, error) {
	ids, err := escapeIDs("locationID", locationID)
	if err != nil {
		return nil, nil, err
	}
	loc, resp, err := fetch(ctx, s.client, &request{method: http.MethodGet, path: "/locations/" + ids[0], route: "/locations/{locationId}", family: APILocations},
		func(e *locationEnvelope) *Location { return e.Location })
	if err == nil && locationID == s.client.locationID && loc.CompanyID != "" {
		// A copy: the caller may change what it was given.
		s.homeCache().offer(&Location{ID: loc.ID, CompanyID: loc.CompanyID})
	}
	return loc, resp, err
}

// locationEnvelope is the answer of Get.
type locationEnvelope struct {
	Location *Location `json:"location"`
}

// companyID returns the company of the client's location, fetched once per client (a
// failure is not kept: the next call asks again).
func (s *LocationsService) companyID(ctx context.Context) (string, error) {
	loc, err := s.homeCache().get(ctx, func(ctx context.Context) (*Location, error) {
		id, err := s.homeID()
		if err != nil {
			return nil, err
		}
		l, _, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if l == nil || l.CompanyID == "" {
			return nil, fmt.Errorf("ghl: location %s: GHL reported no companyId", id)
		}
		return l, nil
	})
	if err != nil {
		return "", err
	}
	return loc.CompanyID, nil
}

// homeID returns the client's location, which the per-location endpoints need.
func (s *LocationsService) homeID() (string, error) {
	if s.client.locationID == "" {
		return "", &InvalidParamError{Param: "client", Reason: "has no location: create it with WithLocationID"}
	}
	return s.client.locationID, nil
}

// homePath returns "/locations/{the client's location}" + rest, escaped.
func (s *LocationsService) homePath(rest string) (string, error) {
	id, err := s.homeID()
	if err != nil {
		return "", err
	}
	ids, err := escapeIDs("locationID", id)
	if err != nil {
		return "", err
	}
	return "/locations/" + ids[0] + rest, nil
}

// LocationTag is a tag of the location's catalogue.
type LocationTag struct {
	ID         string `json:"id,omitempty"`
	Name       string `json:"name,omitempty"`
	LocationID string `json:"locationId,omitempty"`

	// Extra holds the fields GHL sent that this type does not name.
	Extra Extra `json:"-"`
}

var locationTagFields = jsonx.FieldsOf[LocationTag]()

// UnmarshalJSON decodes a tag and keeps the fields it does not name in Extra.
func (t *LocationTag) UnmarshalJSON(data []byte) error { return decodeModel(data, t) }

// MarshalJSON encodes the tag with its Extra fields.
func (t LocationTag) MarshalJSON() ([]byte, error) {
	type plain LocationTag
	return encodeWithExtra(plain(t), locationTagFields, t.Extra, nil)
}

// Tags returns the tag catalogue of the client's location: the tags users pick from, which
// also holds every tag ever added to a contact.
func (s *LocationsService) Tags(ctx context.Context) ([]*LocationTag, *Response, error) {
	path, err := s.homePath("/tags")
	if err != nil {
		return nil, nil, err
	}
	return fetch(ctx, s.client, &request{method: http.MethodGet, path: path, route: "/locations/{locationId}/tags", family: APILocations},
		func(e *locationTagList) []*LocationTag { return e.Tags })
}

// locationTagList is the answer of Tags.
type locationTagList struct {
	Tags []*LocationTag `json:"tags"`
}

// CreateTag adds a tag to the catalogue of the client's location.
func (s *LocationsService) CreateTag(ctx context.Context, name string) (*LocationTag, *Response, error) {
	if strings.TrimSpace(name) == "" {
		return nil, nil, &InvalidParamError{Param: "name", Reason: "must not be empty"}
	}
	path, err := s.homePath("/tags")
	if err != nil {
		return nil, nil, err
	}
	body := struct {
		Name string `json:"name"`
	}{name}
	return fetch(ctx, s.client, &request{method: http.MethodPost, path: path, route: "/locations/{locationId}/tags", body: body, family: APILocations},
		func(e *locationTagEnvelope) *LocationTag { return e.Tag })
}

// locationTagEnvelope is the answer of CreateTag.
type locationTagEnvelope struct {
	Tag *LocationTag `json:"tag"`
}

// onceValue holds a value fetched successfully at most once. Callers that arrive while a
// fetch is in flight wait for it, each within its own ctx; a failed fetch is not kept.
type onceValue[T any] struct {
	sem chan struct{} // held by the fetch in flight
	mu  sync.Mutex
	ok  bool
	v   T
}

func (o *onceValue[T]) load() (T, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.v, o.ok
}

// offer keeps v unless a value is already kept.
func (o *onceValue[T]) offer(v T) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.ok {
		o.v, o.ok = v, true
	}
}

func (o *onceValue[T]) get(ctx context.Context, fetch func(context.Context) (T, error)) (T, error) {
	var zero T
	if v, ok := o.load(); ok {
		return v, nil
	}
	if ctx == nil {
		return zero, errors.New("ghl: nil context")
	}
	select {
	case o.sem <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	defer func() { <-o.sem }()
	if v, ok := o.load(); ok {
		return v, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		return zero, err
	}
	o.mu.Lock()
	o.v, o.ok = v, true
	o.mu.Unlock()
	return v, nil
}
