package ghl

// Merge stub: the Version table that the request pipeline is getting replaces this file.

// apiFamily names the API a request belongs to; its Version header comes from that family.
type apiFamily uint8

// The zero family is the client's Version (Contacts, 2021-07-28, unless WithAPIVersion says
// otherwise).
const (
	apiCalendars apiFamily = iota + 1
	apiUsers
	apiLocations
	apiConversations
)

// Shared, never written to.
var (
	version20210415 = []string{"2021-04-15"}
	version20210728 = []string{"2021-07-28"}
)

func (cfg *config) versionHeaderFor(f apiFamily) []string {
	if f == 0 || cfg.apiVersion != DefaultAPIVersion {
		return cfg.versionHeader
	}
	switch f {
	case apiCalendars, apiConversations:
		return version20210415
	default:
		return version20210728
	}
}
