package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"
)

// ErrLockLost is returned by a lock's unlock function when the lock expired before it was
// released (and may since belong to another process): the holder worked past the lock TTL.
var ErrLockLost = errors.New("redisstore: refresh lock expired before it was released")

// Load returns the token saved under key, or an error matching ghl.ErrTokenNotFound.
func (s *Store) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	if err := checkKey("key", key); err != nil {
		return nil, err
	}
	data, err := s.rdb.Get(ctx, s.tokenKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: loading token for %q: %w", key, ghl.ErrTokenNotFound)
	}
	if err != nil {
		return nil, opError(fmt.Sprintf("loading token for %q", key), err)
	}
	tok, err := ghl.UnmarshalToken(data)
	if err != nil {
		return nil, fmt.Errorf("redisstore: loading token for %q: %w", key, err)
	}
	return tok, nil
}

// Save replaces the token saved under key. It returns once Redis has acknowledged the write.
func (s *Store) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	if tok == nil {
		return &ghl.InvalidParamError{Param: "tok", Reason: "must not be nil"}
	}
	// The SDK's own encoding keeps the GHL fields a refresh needs (userType) and that callers
	// read (locationId, companyId), and reads the same as every other store's.
	data, err := ghl.MarshalToken(tok)
	if err != nil {
		return fmt.Errorf("redisstore: saving token for %q: %w", key, err)
	}
	if err := s.rdb.Set(ctx, s.tokenKey(key), data, 0).Err(); err != nil {
		return opError(fmt.Sprintf("saving token for %q", key), err)
	}
	return nil
}

// Delete removes the token saved under key, as when the app is uninstalled from a location.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("key", key); err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, s.tokenKey(key)).Err(); err != nil {
		return opError(fmt.Sprintf("deleting token for %q", key), err)
	}
	return nil
}

// delIfEqual deletes KEYS[1] only if it still holds ARGV[1]: a lock holder whose lock expired
// cannot release the next holder's, and a webhook's processed mark is never dropped as a claim.
var delIfEqual = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

const maxLockBackoff = 100 * time.Millisecond

// Lock takes the refresh lock for key, waiting while another process holds it, until ctx is
// done. The lock expires on its own after the lock TTL, so a holder that dies does not block
// the location for longer than that. A Redis error ends the wait at once.
func (s *Store) Lock(ctx context.Context, key string) (func(context.Context) error, error) {
	if err := checkKey("key", key); err != nil {
		return nil, err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("redisstore: locking %q: %w", key, err)
	}
	owner := hex.EncodeToString(b[:])
	lk := s.lockKey(key)
	pause := s.lockBackoff
	for {
		ok, err := s.rdb.SetNX(ctx, lk, owner, s.lockTTL).Result()
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("redisstore: waiting for the refresh lock of %q: %w", key, ctxErr)
			}
			return nil, opError(fmt.Sprintf("taking the refresh lock of %q", key), err)
		}
		if ok {
			break
		}
		// Jitter keeps waiters in several processes from retrying in lockstep.
		if !sleep(ctx.Done(), pause/2+jitter(pause/2)) {
			return nil, fmt.Errorf("redisstore: waiting for the refresh lock of %q: %w", key, ctx.Err())
		}
		pause = min(pause*2, maxLockBackoff)
	}
	unlock := func(ctx context.Context) error {
		n, err := delIfEqual.Run(ctx, s.rdb, []string{lk}, owner).Int()
		if err != nil {
			return opError(fmt.Sprintf("releasing the refresh lock of %q", key), err)
		}
		if n == 0 {
			return fmt.Errorf("redisstore: releasing the refresh lock of %q: %w", key, ErrLockLost)
		}
		return nil
	}
	return unlock, nil
}

// jitter returns a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return mrand.N(d)
}
