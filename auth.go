package ghl

import (
	"context"
	"errors"

	"golang.org/x/oauth2"
)

// TokenStore persists OAuth tokens by key (a location or company ID). Because GHL refresh
// tokens are single-use, a store must save the rotated pair durably before Save returns: the
// old refresh token is already dead.
type TokenStore interface {
	// Load returns the token saved under key, or an error matching ErrTokenNotFound.
	Load(ctx context.Context, key string) (*oauth2.Token, error)
	// Save replaces the token saved under key.
	Save(ctx context.Context, key string, tok *oauth2.Token) error
}

// ErrTokenNotFound is returned (or matched) by TokenStore.Load when no token is saved under the key.
var ErrTokenNotFound = errors.New("ghl: no token saved for this key")

// TokenLocker is implemented by a TokenStore shared by several processes, so that only one of
// them refreshes a key's token at a time. Lock waits until the lock for key is free or ctx is
// done, and returns the function that releases it. A lock must expire on its own if its holder
// dies, and unlock must not release a lock that has since passed to someone else.
type TokenLocker interface {
	Lock(ctx context.Context, key string) (unlock func(context.Context) error, err error)
}
