package ghl

// Merge stub (conversations branch): the Version table is being built elsewhere; this file
// stands in for it until the branches merge, and is then replaced by the real table.

// apiFamily names the API a request belongs to; the zero family is the client's Version
// (Contacts, 2021-07-28, unless WithAPIVersion says otherwise).
type apiFamily uint8

const apiConversations apiFamily = 1

// conversationsAPIVersion is the Version header every Conversations operation declares.
const conversationsAPIVersion = "2021-04-15"

var conversationsVersionHeader = []string{conversationsAPIVersion}

// versionHeaderFor returns the Version header for family f. WithAPIVersion, when set to anything
// but the default, overrides every family (so a move to "v3" is one option).
func (cfg *config) versionHeaderFor(f apiFamily) []string {
	if f == apiConversations && cfg.apiVersion == DefaultAPIVersion {
		return conversationsVersionHeader
	}
	return cfg.versionHeader
}
