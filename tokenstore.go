package ghl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TokenStore persists OAuth tokens by key (a location or company ID). Because GHL refresh
// tokens are single-use, a store must save the rotated pair durably before Save returns: the
// old refresh token is already dead. A store must keep the token's GHL fields (userType,
// locationId, companyId, ...) that Token.Extra returns; MarshalToken does that for stores that
// keep bytes.
type TokenStore interface {
	// Load returns the token saved under key, or an error matching ErrTokenNotFound.
	Load(ctx context.Context, key string) (*oauth2.Token, error)
	// Save replaces the token saved under key.
	Save(ctx context.Context, key string, tok *oauth2.Token) error
}

// TokenLocker is implemented by a TokenStore shared by several processes, so that only one of
// them refreshes a key's token at a time. Lock waits until the lock for key is free or ctx is
// done, and returns the function that releases it. A lock must expire on its own if its holder
// dies, and unlock must not release a lock that has since passed to someone else.
type TokenLocker interface {
	Lock(ctx context.Context, key string) (unlock func(context.Context) error, err error)
}

// tokenExtraKeys are the GHL fields a stored token keeps: a refresh sends userType back, and
// callers read the IDs.
var tokenExtraKeys = [...]string{
	"userType", "locationId", "companyId", "userId", "scope", "planId", "approvedLocations",
	"isBulkInstallation", "installToFutureLocations", "approveAllLocations", "appId", "versionId",
}

// storedToken is the JSON form of a token in MarshalToken and the file store. ExpiresIn is
// kept so that every process knows the token's lifetime (the refresh margin is at most half
// of it).
type storedToken struct {
	AccessToken  string                     `json:"access_token"`
	TokenType    string                     `json:"token_type,omitempty"`
	RefreshToken string                     `json:"refresh_token,omitempty"`
	Expiry       time.Time                  `json:"expiry,omitempty"`
	ExpiresIn    int64                      `json:"expires_in,omitempty"`
	Extra        map[string]json.RawMessage `json:"extra,omitempty"`
}

// TokenInfo holds the GHL fields of a token response.
type TokenInfo struct {
	UserType   UserType
	LocationID string // only on location (sub-account) tokens
	CompanyID  string
	UserID     string // the user who installed the app
	Scope      string // space-separated
	PlanID     string
	// ApprovedLocations are the locations a company token may mint location tokens for.
	ApprovedLocations        []string
	IsBulkInstallation       bool
	InstallToFutureLocations bool
	ApproveAllLocations      bool
	AppID                    string // on minted location tokens
	VersionID                string
}

// TokenInfoOf reads the GHL fields of tok (from a token response or a TokenStore).
func TokenInfoOf(tok *oauth2.Token) TokenInfo {
	if tok == nil {
		return TokenInfo{}
	}
	str := func(k string) string { s, _ := tok.Extra(k).(string); return s }
	flag := func(k string) bool {
		switch v := tok.Extra(k).(type) {
		case bool:
			return v
		case string:
			b, _ := strconv.ParseBool(v)
			return b
		}
		return false
	}
	info := TokenInfo{
		UserType:                 UserType(str("userType")),
		LocationID:               str("locationId"),
		CompanyID:                str("companyId"),
		UserID:                   str("userId"),
		Scope:                    str("scope"),
		PlanID:                   str("planId"),
		IsBulkInstallation:       flag("isBulkInstallation"),
		InstallToFutureLocations: flag("installToFutureLocations"),
		ApproveAllLocations:      flag("approveAllLocations"),
		AppID:                    str("appId"),
		VersionID:                str("versionId"),
	}
	switch v := tok.Extra("approvedLocations").(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				info.ApprovedLocations = append(info.ApprovedLocations, s)
			}
		}
	case []string:
		info.ApprovedLocations = append([]string(nil), v...)
	}
	return info
}

// Key returns the TokenStore key of the token: its location ID, or its company ID for a
// company token.
func (i TokenInfo) Key() string {
	if i.LocationID != "" {
		return i.LocationID
	}
	return i.CompanyID
}

// MarshalToken encodes tok with its GHL fields, for stores that keep bytes. The result
// holds the tokens: keep it where only the application can read it.
func MarshalToken(tok *oauth2.Token) ([]byte, error) {
	if tok == nil {
		return nil, errors.New("ghl: MarshalToken: nil token")
	}
	st := storedToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken,
		Expiry: tok.Expiry, ExpiresIn: tok.ExpiresIn}
	for _, k := range tokenExtraKeys {
		v := tok.Extra(k)
		if v == nil {
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("ghl: MarshalToken: field %s: %w", k, err)
		}
		if st.Extra == nil {
			st.Extra = make(map[string]json.RawMessage, len(tokenExtraKeys))
		}
		st.Extra[k] = raw
	}
	return json.Marshal(st)
}

// UnmarshalToken decodes what MarshalToken encoded.
func UnmarshalToken(data []byte) (*oauth2.Token, error) {
	var st storedToken
	if err := json.Unmarshal(data, &st); err != nil {
		// The JSON error could quote the bytes, which hold tokens: say only what failed.
		return nil, fmt.Errorf("ghl: UnmarshalToken: not a stored token (%d bytes)", len(data))
	}
	tok := &oauth2.Token{AccessToken: st.AccessToken, TokenType: st.TokenType, RefreshToken: st.RefreshToken,
		Expiry: st.Expiry, ExpiresIn: st.ExpiresIn}
	extra := make(map[string]any, len(st.Extra))
	for k, raw := range st.Extra {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			extra[k] = v
		}
	}
	return tok.WithExtra(extra), nil
}

// copyToken returns a copy of tok that shares nothing mutable with it.
func copyToken(tok *oauth2.Token) *oauth2.Token {
	if tok == nil {
		return nil
	}
	extra := make(map[string]any, len(tokenExtraKeys))
	for _, k := range tokenExtraKeys {
		if v := tok.Extra(k); v != nil {
			if list, ok := v.([]any); ok {
				v = append([]any(nil), list...)
			} else if list, ok := v.([]string); ok {
				v = append([]string(nil), list...)
			}
			extra[k] = v
		}
	}
	t2 := *tok
	return t2.WithExtra(extra)
}

// MemoryTokenStore keeps tokens in memory: for tests, and for processes that get their
// tokens elsewhere at start. Tokens are lost when the process ends. It is safe for
// concurrent use.
type MemoryTokenStore struct {
	mu   sync.RWMutex
	toks map[string]*oauth2.Token
}

// NewMemoryTokenStore returns an empty store.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{toks: map[string]*oauth2.Token{}}
}

// Load returns a copy of the token saved under key.
func (m *MemoryTokenStore) Load(_ context.Context, key string) (*oauth2.Token, error) {
	m.mu.RLock()
	tok, ok := m.toks[key]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, ErrTokenNotFound)
	}
	return copyToken(tok), nil
}

// Save keeps a copy of tok under key.
func (m *MemoryTokenStore) Save(_ context.Context, key string, tok *oauth2.Token) error {
	if tok == nil {
		return fmt.Errorf("ghl: saving token for %q: nil token", key)
	}
	tok = copyToken(tok)
	m.mu.Lock()
	m.toks[key] = tok
	m.mu.Unlock()
	return nil
}

// Delete forgets the token saved under key, as when the app is uninstalled (see
// LocationClients.Forget).
func (m *MemoryTokenStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.toks, key)
	m.mu.Unlock()
	return nil
}

// FileTokenStore keeps one file per key in a directory that only its owner can read: the
// directory is made (or tightened to) mode 0700, each file is 0600. It is for a single process,
// or several that do not share the directory; replicas of a service share a store that
// implements TokenLocker instead (the redisstore module has one).
//
// Each Save writes a temporary file in the same directory, syncs it and renames it over the
// old one, so a crash leaves either the old pair or the new one, never half of either. The
// temporary files a crash leaves behind hold tokens: the store removes them when it is opened,
// and on Save once they are a minute old. It is safe for concurrent use within a process.
type FileTokenStore struct {
	dir string
	mu  sync.Mutex // serialises writes, so the last Save of a key wins
}

const (
	tmpPattern = ".token-*.tmp"
	// staleTmpAge is the age past which a temporary file is abandoned: a Save takes
	// milliseconds.
	staleTmpAge = time.Minute
)

// NewFileTokenStore returns a store in dir, creating it (mode 0700) if needed. An existing
// directory that others may read or write is tightened to 0700; if that fails (it belongs to
// another user), NewFileTokenStore refuses it.
func NewFileTokenStore(dir string) (*FileTokenStore, error) {
	if dir == "" {
		return nil, &InvalidParamError{Param: "dir", Reason: "must not be empty"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ghl: token store directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("ghl: token store directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("ghl: token store directory %q is not a directory", dir)
	}
	// Windows has no such mode bits; its ACLs are the operator's to set.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("ghl: token store directory %q is open to other users (mode %v) and cannot be restricted to 0700: %w",
				dir, fi.Mode().Perm(), err)
		}
	}
	f := &FileTokenStore{dir: dir}
	f.removeTemps(0)
	return f, nil
}

// removeTemps deletes temporary files older than age, left by a Save that crashed.
func (f *FileTokenStore) removeTemps(age time.Duration) {
	names, _ := filepath.Glob(filepath.Join(f.dir, tmpPattern))
	for _, name := range names {
		if age > 0 {
			fi, err := os.Lstat(name)
			if err != nil || time.Since(fi.ModTime()) < age {
				continue
			}
		}
		_ = os.Remove(name)
	}
}

// path returns the file of key. Keys are encoded so that none can leave the directory.
func (f *FileTokenStore) path(key string) (string, error) {
	if err := checkID("key", key); err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString(".json")
	return filepath.Join(f.dir, b.String()), nil
}

// Load reads the token saved under key.
func (f *FileTokenStore) Load(_ context.Context, key string) (*oauth2.Token, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, ErrTokenNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, err)
	}
	tok, err := UnmarshalToken(data)
	if err != nil {
		return nil, fmt.Errorf("ghl: loading token for %q: %w", key, err)
	}
	return tok, nil
}

// Save writes tok under key atomically and durably.
func (f *FileTokenStore) Save(_ context.Context, key string, tok *oauth2.Token) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	data, err := MarshalToken(tok)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeTemps(staleTmpAge)
	if err := writeFileAtomic(f.dir, p, data); err != nil {
		return fmt.Errorf("ghl: saving token for %q: %w", key, err)
	}
	return nil
}

// Delete removes the token saved under key, as when the app is uninstalled (see
// LocationClients.Forget).
func (f *FileTokenStore) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("ghl: deleting token for %q: %w", key, err)
	}
	return nil
}

func writeFileAtomic(dir, path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, tmpPattern)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
