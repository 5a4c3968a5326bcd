package redisstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

var (
	_ ghl.TokenStore  = (*Store)(nil)
	_ ghl.TokenLocker = (*Store)(nil)
	_ ghl.ReplayStore = (*Store)(nil)
	_ ghl.Limiter     = (*Limiter)(nil)
)

func TestNewRejectsBadOptions(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	_, err := New(nil)
	require.EqualError(t, err, "redisstore: nil Redis client")
	_, err = New(rdb, WithPrefix(""))
	require.EqualError(t, err, "redisstore: WithPrefix: empty prefix")
	_, err = New(rdb, WithLockTTL(time.Microsecond))
	require.EqualError(t, err, "redisstore: WithLockTTL: 1µs is shorter than a millisecond")
	_, err = New(rdb, WithLimiterConfig(LimiterConfig{Max: 0, Interval: time.Second, MaxPause: time.Second, Lease: time.Second}))
	require.EqualError(t, err, "redisstore: limiter Max 0 must be at least 1")
	_, err = New(rdb, WithLogger(nil))
	require.EqualError(t, err, "redisstore: WithLogger: nil logger")
}

func TestTokenRoundTripKeepsGHLFields(t *testing.T) {
	srv := startRedis(t)
	st, err := New(srv.Client(t), WithPrefix("app1:"))
	require.NoError(t, err)
	ctx := context.Background()

	expiry := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	tok := (&oauth2.Token{
		AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: expiry,
	}).WithExtra(map[string]any{
		"userType": "Location", "locationId": "loc-1", "companyId": "co-1", "scope": "contacts.readonly",
		"approvedLocations": []any{"loc-1", "loc-2"}, "isBulkInstallation": true,
	})
	require.NoError(t, st.Save(ctx, "loc-1", tok))

	got, err := st.Load(ctx, "loc-1")
	require.NoError(t, err)
	assert.Equal(t, "at-1", got.AccessToken)
	assert.Equal(t, "Bearer", got.TokenType)
	assert.Equal(t, "rt-1", got.RefreshToken)
	assert.True(t, expiry.Equal(got.Expiry), "expiry %v", got.Expiry)
	assert.Equal(t, "Location", got.Extra("userType"))
	assert.Equal(t, "loc-1", got.Extra("locationId"))
	assert.Equal(t, "co-1", got.Extra("companyId"))
	assert.Equal(t, "contacts.readonly", got.Extra("scope"))
	assert.Equal(t, []any{"loc-1", "loc-2"}, got.Extra("approvedLocations"))
	assert.Equal(t, true, got.Extra("isBulkInstallation"))

	// The key is namespaced by the prefix, so two apps on one Redis do not share tokens.
	raw, err := srv.Client(t).Get(ctx, "app1:token:loc-1").Result()
	require.NoError(t, err)
	assert.Contains(t, raw, `"refresh_token":"rt-1"`)
	other, err := New(srv.Client(t), WithPrefix("app2:"))
	require.NoError(t, err)
	_, err = other.Load(ctx, "loc-1")
	require.ErrorIs(t, err, ghl.ErrTokenNotFound)

	// Save replaces; Delete removes.
	require.NoError(t, st.Save(ctx, "loc-1", &oauth2.Token{AccessToken: "at-2", RefreshToken: "rt-2"}))
	got, err = st.Load(ctx, "loc-1")
	require.NoError(t, err)
	assert.Equal(t, "rt-2", got.RefreshToken)
	assert.Nil(t, got.Extra("userType"))
	require.NoError(t, st.Delete(ctx, "loc-1"))
	_, err = st.Load(ctx, "loc-1")
	require.ErrorIs(t, err, ghl.ErrTokenNotFound)
	require.EqualError(t, err, `redisstore: loading token for "loc-1": ghl: no token saved for this key`)

	require.EqualError(t, st.Save(ctx, "loc-1", nil), "ghl: invalid tok: must not be nil")
}

func TestEmptyKeysAreRejectedBeforeRedis(t *testing.T) {
	// No server: a rejected call must not reach the network.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	st, err := New(rdb)
	require.NoError(t, err)
	ctx := context.Background()
	check := func(err error, param string) {
		t.Helper()
		var ipe *ghl.InvalidParamError
		require.ErrorAs(t, err, &ipe)
		assert.Equal(t, param, ipe.Param)
		assert.ErrorIs(t, err, ghl.ErrInvalidParam)
	}
	_, err = st.Load(ctx, "")
	check(err, "key")
	check(st.Save(ctx, "", &oauth2.Token{AccessToken: "a"}), "key")
	check(st.Delete(ctx, ""), "key")
	_, err = st.Lock(ctx, "")
	check(err, "key")
	_, err = st.Claim(ctx, "", time.Minute)
	check(err, "id")
	check(st.MarkProcessed(ctx, "", time.Minute), "id")
	check(st.Release(ctx, ""), "id")
	_, err = st.Processed(ctx, "")
	check(err, "id")
}

func TestLoadCorruptValueDoesNotEchoIt(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	ctx := context.Background()
	require.NoError(t, srv.Client(t).Set(ctx, st.tokenKey("loc"), `{"access_token":"secret-at"`, 0).Err())
	_, err := st.Load(ctx, "loc")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-at")
	assert.False(t, errors.Is(err, ghl.ErrTokenNotFound))
}

func TestLockExcludesAndHandsOver(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	ctx := context.Background()

	unlock, err := st.Lock(ctx, "loc")
	require.NoError(t, err)

	// A second taker waits while the lock is held...
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = st.Lock(short, "loc")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), `redisstore: waiting for the refresh lock of "loc"`)

	// ...and gets it once it is released.
	got := make(chan error, 1)
	go func() {
		u2, err := st.Lock(ctx, "loc")
		if err == nil {
			err = u2(ctx)
		}
		got <- err
	}()
	require.NoError(t, unlock(ctx))
	require.NoError(t, <-got)

	// Another key is independent.
	u3, err := st.Lock(ctx, "other")
	require.NoError(t, err)
	require.NoError(t, u3(ctx))
}

func TestExpiredLockIsTakenAndNotReleasedByItsFormerHolder(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv, WithLockTTL(100*time.Millisecond))
	ctx := context.Background()

	stale, err := st.Lock(ctx, "loc")
	require.NoError(t, err)
	// The holder "dies": the next taker gets the lock once the TTL has passed.
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	fresh, err := st.Lock(wait, "loc")
	require.NoError(t, err)

	// The former holder wakes up and releases: the new holder's lock must survive.
	err = stale(ctx)
	require.ErrorIs(t, err, ErrLockLost)
	ttl, err := srv.Client(t).PTTL(ctx, st.lockKey("loc")).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Duration(0), "the new holder's lock was deleted")

	require.NoError(t, fresh(ctx))
	n, err := srv.Client(t).Exists(ctx, st.lockKey("loc")).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestTokenOpsFailClearlyWithoutRedis(t *testing.T) {
	srv := startRedis(t)
	st := newStore(t, srv)
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := st.Load(ctx, "loc")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: loading token for "loc": `), err.Error())
	assert.False(t, errors.Is(err, ghl.ErrTokenNotFound))

	err = st.Save(ctx, "loc", &oauth2.Token{AccessToken: "secret-at", RefreshToken: "secret-rt"})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: saving token for "loc": `), err.Error())
	assert.NotContains(t, err.Error(), "secret")

	_, err = st.Lock(ctx, "loc")
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `redisstore: taking the refresh lock of "loc": `), err.Error())
	require.NoError(t, ctx.Err(), "Lock must fail at once, not wait for the context")
}
