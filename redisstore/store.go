package redisstore

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	ghl "github.com/linkedphone/ghl-go"
	"github.com/redis/go-redis/v9"
)

// Defaults for the options.
const (
	// DefaultPrefix starts every key the store writes, so it can share a database with the
	// application's own keys.
	DefaultPrefix = "ghl:"
	// DefaultLockTTL is how long a refresh lock lives if its holder never releases it (a crash).
	// It is longer than the OAuth app's default RequestTimeout (30 s), which bounds a whole
	// refresh (waiting for the lock included), so a live holder never outlasts its lock.
	DefaultLockTTL = 40 * time.Second
)

// Store keeps OAuth tokens, refresh locks and webhook IDs in Redis. It implements
// ghl.TokenStore, ghl.TokenLocker and ghl.ReplayStore, and makes the shared rate limiter
// (Store.Limiter). It is safe for concurrent use, and any number of processes may use stores
// over the same Redis and prefix at once.
type Store struct {
	rdb         redis.UniversalClient
	prefix      string
	lockTTL     time.Duration
	lockBackoff time.Duration // first pause between tries of a held lock; doubles up to maxLockBackoff
	limits      LimiterConfig
	logger      *slog.Logger
}

// Option configures a Store.
type Option func(*Store) error

// WithPrefix sets the prefix of every key (default "ghl:"). Stores of different applications,
// or of different GHL apps, sharing one Redis need different prefixes.
func WithPrefix(prefix string) Option {
	return func(s *Store) error {
		if prefix == "" {
			return errors.New("redisstore: WithPrefix: empty prefix")
		}
		s.prefix = prefix
		return nil
	}
}

// WithLockTTL sets how long a refresh lock lives before it expires on its own (default 40 s).
// It must be longer than a token refresh can take (the OAuth app's RequestTimeout): a holder
// that outlives it may race a second refresher. A shorter TTL lets other processes refresh
// sooner after a holder crashed.
func WithLockTTL(d time.Duration) Option {
	return func(s *Store) error {
		if d < time.Millisecond {
			return fmt.Errorf("redisstore: WithLockTTL: %v is shorter than a millisecond", d)
		}
		s.lockTTL = d
		return nil
	}
}

// WithLimiterConfig sets the budget the shared limiter assumes for a location until GHL's
// X-RateLimit-* headers say otherwise.
func WithLimiterConfig(c LimiterConfig) Option {
	return func(s *Store) error {
		if err := c.validate(); err != nil {
			return err
		}
		s.limits = c
		return nil
	}
}

// WithLogger sends the store's warnings (a rate-limit outcome that could not be recorded) to l.
// By default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) error {
		if l == nil {
			return errors.New("redisstore: WithLogger: nil logger")
		}
		s.logger = l
		return nil
	}
}

// New returns a store over rdb (a *redis.Client, *redis.ClusterClient or any
// redis.UniversalClient). The caller keeps ownership of rdb and closes it.
func New(rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil Redis client")
	}
	s := &Store{
		rdb:         rdb,
		prefix:      DefaultPrefix,
		lockTTL:     DefaultLockTTL,
		lockBackoff: 5 * time.Millisecond,
		limits:      DefaultLimiterConfig(),
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Keys name their kind before the caller's part, so a location ID can never make one kind's
// key collide with another's.
func (s *Store) tokenKey(key string) string  { return s.prefix + "token:" + key }
func (s *Store) lockKey(key string) string   { return s.prefix + "lock:" + key }
func (s *Store) webhookKey(id string) string { return s.prefix + "webhook:" + id }
func (s *Store) limitKeys(key string) []string {
	// One hash tag per location keeps a location's keys in one Redis Cluster slot, which a
	// script touching them all requires.
	base := s.prefix + "ratelimit:{" + key + "}:"
	return []string{base + "log", base + "pending", base + "state"}
}

// checkKey rejects an empty token key or webhook ID before anything is sent: it would name a
// key that every caller with the same mistake shares.
func checkKey(param, v string) error {
	if v == "" {
		return &ghl.InvalidParamError{Param: param, Reason: "must not be empty"}
	}
	return nil
}

// opError names the store operation that failed, so a Redis outage reads as what it broke.
func opError(op string, err error) error {
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// sleep waits for d or until ctx is done.
func sleep(ctxDone <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctxDone:
		return false
	case <-t.C:
		return true
	}
}
