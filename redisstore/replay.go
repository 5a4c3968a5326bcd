package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The value of a webhook ID's key says how far its processing got.
const (
	webhookClaimed   = "claimed"
	webhookProcessed = "processed"
)

// Claim reserves a webhook ID for processing for up to ttl. It returns false if the ID is
// already claimed (by any replica) or processed. The claim expires after ttl, so an event
// whose processor died is processed again on redelivery.
func (s *Store) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	if err := checkKey("id", id); err != nil {
		return false, err
	}
	if err := checkTTL("claiming webhook", ttl); err != nil {
		return false, err
	}
	ok, err := s.rdb.SetNX(ctx, s.webhookKey(id), webhookClaimed, ttl).Result()
	if err != nil {
		return false, opError(fmt.Sprintf("claiming webhook %q", id), err)
	}
	return ok, nil
}

// MarkProcessed records a webhook ID as processed, remembering it for ttl.
func (s *Store) MarkProcessed(ctx context.Context, id string, ttl time.Duration) error {
	if err := checkKey("id", id); err != nil {
		return err
	}
	if err := checkTTL("marking webhook processed", ttl); err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.webhookKey(id), webhookProcessed, ttl).Err(); err != nil {
		return opError(fmt.Sprintf("marking webhook %q processed", id), err)
	}
	return nil
}

// Release drops the claim on a webhook ID whose processing failed, so a redelivery is
// processed again. An ID already marked processed stays so: a replica whose handler failed
// must not erase another replica's record that the event was processed.
func (s *Store) Release(ctx context.Context, id string) error {
	if err := checkKey("id", id); err != nil {
		return err
	}
	if err := delIfEqual.Run(ctx, s.rdb, []string{s.webhookKey(id)}, webhookClaimed).Err(); err != nil {
		return opError(fmt.Sprintf("releasing webhook %q", id), err)
	}
	return nil
}

// Processed reports whether a webhook ID was recorded as processed (and not yet forgotten).
func (s *Store) Processed(ctx context.Context, id string) (bool, error) {
	if err := checkKey("id", id); err != nil {
		return false, err
	}
	v, err := s.rdb.Get(ctx, s.webhookKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, opError(fmt.Sprintf("checking webhook %q", id), err)
	}
	return v == webhookProcessed, nil
}

// checkTTL rejects a TTL Redis would refuse or round to nothing (PX takes whole milliseconds).
func checkTTL(op string, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("redisstore: %s: ttl %v is shorter than a millisecond", op, ttl)
	}
	return nil
}
