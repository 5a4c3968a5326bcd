package ghl

import (
	"context"
	"time"
)

// ReplayStore remembers webhook IDs so each delivery is processed once, across retries from
// GHL and across replicas that share the store. Implementations must be safe for concurrent
// use; Claim must be atomic.
type ReplayStore interface {
	// Claim reserves id for processing for up to ttl. It returns false if id is already
	// claimed or processed.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// MarkProcessed records id as processed, remembering it for ttl.
	MarkProcessed(ctx context.Context, id string, ttl time.Duration) error
	// Release drops a claim whose processing failed, so a redelivery is processed again.
	Release(ctx context.Context, id string) error
	// Processed reports whether id was recorded as processed.
	Processed(ctx context.Context, id string) (bool, error)
}
