package ghl

// Merge stub: the Version table that the request pipeline is getting replaces this file. Until
// then it gives the Calendars, Users and Locations services the Version header each of their
// operations declares.

// apiFamily names the API a request belongs to; its Version header comes from that family.
type apiFamily uint8

// The zero family is the client's Version (Contacts, 2021-07-28, unless WithAPIVersion says
// otherwise).
const (
	apiCalendars apiFamily = iota + 1
	apiUsers
	apiLocations
)

// Shared, never written to.
var (
	version20210415 = []string{"2021-04-15"}
	version20210728 = []string{"2021-07-28"}
)

// versionHeader returns the Version header of a request of family f: the family's own value,
// unless WithAPIVersion set another for the whole client.
func (cfg *config) versionHeaderFor(f apiFamily) []string {
	if f == 0 || cfg.apiVersion != DefaultAPIVersion {
		return cfg.versionHeader
	}
	switch f {
	case apiCalendars:
		return version20210415
	default:
		return version20210728
	}
}
