package redisstore

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/linkedphone/ghl-go/ghltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// crashingStore makes Redis go down just before the next Save: a refresh has then spent the
// old refresh token at GHL, and the new pair cannot be stored.
type crashingStore struct {
	*Store
	beforeSave atomic.Pointer[func()]
}

func (c *crashingStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	if f := c.beforeSave.Swap(nil); f != nil {
		(*f)()
	}
	return c.Store.Save(ctx, key, tok)
}

func TestRedisOutageFailsCallsClearlyAndLosesNoToken(t *testing.T) {
	rs := startPersistentRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	const loc = "loc-outage"
	contacts := srv.Seed(loc, 1, 1)
	// A short lock TTL: a lock taken just before Redis went down outlives the outage.
	base := newStore(t, rs, WithLockTTL(time.Second))
	st := &crashingStore{Store: base}
	installApp(t, srv, st, loc)
	installed, err := st.Load(context.Background(), loc)
	require.NoError(t, err)

	client := oauthClient(t, srv, st, loc, ghl.WithMaxRetries(0), ghl.WithRateLimiter(base.Limiter()))
	get := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _, err := client.Contacts.Get(ctx, contacts[0])
		return err
	}
	require.NoError(t, get())

	// Redis goes down: calls fail at once, saying which store operation failed.
	rs.Stop()
	err = get()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `redisstore: reserving a request in the rate limit of "loc-outage": `)
	assert.NotContains(t, err.Error(), installed.AccessToken)
	assert.NotContains(t, err.Error(), installed.RefreshToken)

	// It comes back with its data: the same token serves, nothing was refreshed.
	rs.Restart()
	require.NoError(t, get())
	require.Equal(t, 0, srv.RefreshCount())

	// Redis dies in the middle of a refresh, after GHL rotated the pair and before it was
	// saved: the call fails, and the only live refresh token is kept in memory...
	srv.ExpireAccessTokens()
	stop := rs.Stop
	st.beforeSave.Store(&stop)
	err = get()
	require.Error(t, err)
	var saveErr *ghl.TokenSaveError
	require.ErrorAs(t, err, &saveErr, "got %v", err)
	assert.Contains(t, err.Error(), `redisstore: saving token for "loc-outage": `)
	assert.NotContains(t, err.Error(), installed.RefreshToken)
	require.Equal(t, 1, srv.RefreshCount())

	// ...and saved once Redis is back, before it is used: no second refresh, no reuse.
	rs.Restart()
	require.NoError(t, get())
	require.Equal(t, 1, srv.RefreshCount())
	require.Equal(t, 0, srv.RefreshTokenReuses())
	saved, err := st.Load(context.Background(), loc)
	require.NoError(t, err)
	assert.NotEqual(t, installed.RefreshToken, saved.RefreshToken, "the rotated pair was saved")

	// The saved pair is the live one: a replica that reads it from the store refreshes with it
	// when GHL refuses it, without a reuse. (The client above renewed it moments ago: a 401 for
	// it now reaches its caller instead of rotating the pair again.)
	srv.ExpireAccessTokens()
	replica := oauthClient(t, srv, st, loc, ghl.WithMaxRetries(0), ghl.WithRateLimiter(base.Limiter()))
	_, _, err = replica.Contacts.Get(context.Background(), contacts[0])
	require.NoError(t, err)
	require.Equal(t, 2, srv.RefreshCount())
	require.Equal(t, 0, srv.RefreshTokenReuses())
}

func TestLockWaitEndsWithTheContext(t *testing.T) {
	rs := startRedis(t)
	st := newStore(t, rs)
	unlock, err := st.Lock(context.Background(), "loc")
	require.NoError(t, err)
	defer func() { require.NoError(t, unlock(context.Background())) }()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = st.Lock(ctx, "loc")
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	require.True(t, strings.HasPrefix(err.Error(), `redisstore: waiting for the refresh lock of "loc": `), err.Error())
}

// Redis restarts without persistence and forgets every key: the replica that holds the pair
// writes it back under the lock before refreshing it, so no pair is lost and it rotates once.
// (Run Redis with persistence all the same: a replica that held nothing cannot help.)
func TestRedisRestartWithoutPersistenceLosesNoPair(t *testing.T) {
	rs := startRedis(t)
	srv := ghltest.NewServer()
	defer srv.Close()
	const loc = "loc-amnesia"
	contacts := srv.Seed(loc, 1, 1)
	st := newStore(t, rs)
	installApp(t, srv, st, loc)
	installed, err := st.Load(context.Background(), loc)
	require.NoError(t, err)
	client := oauthClient(t, srv, st, loc, ghl.WithMaxRetries(0))
	_, _, err = client.Contacts.Get(context.Background(), contacts[0])
	require.NoError(t, err)

	rs.Restart() // without its data
	_, err = st.Load(context.Background(), loc)
	require.ErrorIs(t, err, ghl.ErrTokenNotFound)

	// A day later GHL refuses the access token: the held pair is written back, then refreshed.
	srv.ExpireAccessTokens()
	_, _, err = client.Contacts.Get(context.Background(), contacts[0])
	require.NoError(t, err)
	require.Equal(t, 1, srv.RefreshCount(), "rotations: 1")
	require.Equal(t, 0, srv.RefreshTokenReuses())
	saved, err := st.Load(context.Background(), loc)
	require.NoError(t, err)
	assert.NotEqual(t, installed.RefreshToken, saved.RefreshToken, "the rotated pair was saved: pairs lost 0")

	// Any replica can use it now.
	srv.ExpireAccessTokens()
	other := oauthClient(t, srv, st, loc, ghl.WithMaxRetries(0))
	_, _, err = other.Contacts.Get(context.Background(), contacts[0])
	require.NoError(t, err)
	require.Equal(t, 2, srv.RefreshCount())
	require.Equal(t, 0, srv.RefreshTokenReuses())
}
