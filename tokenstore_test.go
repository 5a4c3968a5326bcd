package ghl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func testStoreRoundTrip(t *testing.T, store interface {
	TokenStore
	Delete(context.Context, string) error
}) {
	ctx := context.Background()
	_, err := store.Load(ctx, "nobody")
	require.ErrorIs(t, err, ErrTokenNotFound)

	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := (&oauth2.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: exp}).WithExtra(map[string]any{
		"userType": "Company", "locationId": "L", "companyId": "C", "userId": "U", "scope": "a b",
		"approvedLocations": []any{"L1", "L2"}, "installToFutureLocations": true, "access_token": "at-1",
	})
	require.NoError(t, store.Save(ctx, "loc/../1", tok))
	got, err := store.Load(ctx, "loc/../1")
	require.NoError(t, err)
	assert.Equal(t, "at-1", got.AccessToken)
	assert.Equal(t, "rt-1", got.RefreshToken)
	assert.Equal(t, "Bearer", got.TokenType)
	assert.True(t, exp.Equal(got.Expiry))
	assert.Equal(t, TokenInfo{UserType: UserTypeCompany, LocationID: "L", CompanyID: "C", UserID: "U", Scope: "a b",
		ApprovedLocations: []string{"L1", "L2"}, InstallToFutureLocations: true}, TokenInfoOf(got))

	got.AccessToken = "mutated"
	again, err := store.Load(ctx, "loc/../1")
	require.NoError(t, err)
	assert.Equal(t, "at-1", again.AccessToken, "a loaded token must be a copy")

	require.NoError(t, store.Delete(ctx, "loc/../1"))
	_, err = store.Load(ctx, "loc/../1")
	require.ErrorIs(t, err, ErrTokenNotFound)

	// Concurrent saves and loads of one key (run with -race).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, store.Save(ctx, "k", &oauth2.Token{AccessToken: fmt.Sprint("at-", i), RefreshToken: "rt"}))
			_, err := store.Load(ctx, "k")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	got, err = store.Load(ctx, "k")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.AccessToken, "at-"))
}

func TestMemoryTokenStore(t *testing.T) {
	testStoreRoundTrip(t, NewMemoryTokenStore())
}

func TestFileTokenStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	store, err := NewFileTokenStore(dir)
	require.NoError(t, err)
	testStoreRoundTrip(t, store)

	require.NoError(t, store.Save(context.Background(), "loc/../x", &oauth2.Token{AccessToken: "a", RefreshToken: "r"}))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), e.Name())
	}
	// One file per key, no temporary files left, and no key escapes the directory.
	assert.ElementsMatch(t, []string{"k.json", "loc%2F%2E%2E%2Fx.json"}, names)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	_, err = store.Load(context.Background(), "..")
	require.ErrorIs(t, err, ErrInvalidParam)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"access_token":"secret-at-xyz"`), 0o600))
	_, err = store.Load(context.Background(), "bad")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-at-xyz")
}

func TestMarshalTokenRoundTrip(t *testing.T) {
	tok := (&oauth2.Token{AccessToken: "a", RefreshToken: "r"}).WithExtra(map[string]any{"userType": "Location", "locationId": "L", "unrelated": 1})
	data, err := MarshalToken(tok)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "unrelated")
	got, err := UnmarshalToken(data)
	require.NoError(t, err)
	assert.Equal(t, "Location", got.Extra("userType"))
	assert.Equal(t, "L", TokenInfoOf(got).Key())
	_, err = MarshalToken(nil)
	require.Error(t, err)
}

// A crash during Save leaves a temporary file holding tokens: opening the store removes it,
// and a later Save removes one left while the store was open once it is a minute old.
func TestFileTokenStoreRemovesLeftoverTempFiles(t *testing.T) {
	dir := t.TempDir()
	crashed := filepath.Join(dir, ".token-1234.tmp")
	require.NoError(t, os.WriteFile(crashed, []byte(`{"access_token":"at-left-by-a-crash"}`), 0o600))
	unrelated := filepath.Join(dir, "README")
	require.NoError(t, os.WriteFile(unrelated, []byte("not a token"), 0o600))

	store, err := NewFileTokenStore(dir)
	require.NoError(t, err)
	assert.NoFileExists(t, crashed)
	assert.FileExists(t, unrelated)

	stale := filepath.Join(dir, ".token-5678.tmp")
	young := filepath.Join(dir, ".token-9012.tmp") // may be another Save in progress
	for _, p := range []string{stale, young} {
		require.NoError(t, os.WriteFile(p, []byte(`{"access_token":"at-in-a-temp-file"}`), 0o600))
	}
	old := time.Now().Add(-2 * staleTmpAge)
	require.NoError(t, os.Chtimes(stale, old, old))
	require.NoError(t, store.Save(context.Background(), "loc", &oauth2.Token{AccessToken: "a", RefreshToken: "r"}))
	assert.NoFileExists(t, stale)
	assert.FileExists(t, young)
	assert.FileExists(t, filepath.Join(dir, "loc.json"))
}

// A directory others may read is tightened to 0700 (it holds refresh tokens).
func TestFileTokenStoreTightensDirectory(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix mode bits")
	}
	dir := filepath.Join(t.TempDir(), "open")
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chmod(dir, 0o777))
	_, err := NewFileTokenStore(dir)
	require.NoError(t, err)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = NewFileTokenStore(file)
	require.Error(t, err)
}
