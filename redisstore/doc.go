// Package redisstore keeps in Redis the state that several replicas of a service using the
// ghl SDK must share:
//
//   - OAuth tokens (ghl.TokenStore) with a refresh lock (ghl.TokenLocker). GHL's refresh
//     tokens are single-use, so only one replica may refresh a location at a time. The lock
//     holds a random owner value and expires after the lock TTL (WithLockTTL), so a replica
//     that dies holding it blocks refreshes only until then; it is released by
//     compare-and-delete, so a replica that outlived its lock cannot release another's.
//   - Webhook IDs (ghl.ReplayStore), so an event delivered to two replicas, or redelivered
//     by GHL, is processed once.
//   - The rate budget (ghl.Limiter, from Store.Limiter). GHL counts requests per app and
//     location, not per process: replicas with a limiter each would together send more than
//     the location's budget and be answered 429.
//
// One Store serves all three. Every key starts with the prefix (WithPrefix, default "ghl:"):
//
//	<prefix>token:<location or company ID>      the token pair, as ghl.MarshalToken encodes it
//	<prefix>lock:<location or company ID>       the refresh lock
//	<prefix>webhook:<webhookId>                 "claimed" or "processed", with a TTL (see below)
//	<prefix>ratelimit:{<location ID>}:log       receipt times (sorted set)
//	<prefix>ratelimit:{<location ID>}:pending   requests in flight (sorted set)
//	<prefix>ratelimit:{<location ID>}:state     learned window, daily budget, pause (hash)
//
// The rate-limit keys of a location share a Redis Cluster hash tag, so a redis.ClusterClient
// works too. Tokens are kept without expiry; the other keys expire on their own.
//
// Redis must keep the tokens: a token key holds the only copy of the location's live refresh
// token (GHL's are single-use), and a lost one means installing the app again. Run Redis with
// persistence (appendonly yes; with appendfsync everysec a crash of the Redis host may lose the
// last second of writes) and maxmemory-policy noeviction (a full Redis then refuses writes,
// and the SDK keeps an unsaved pair in memory and saves it again, rather than have Redis evict
// a token). Should Redis forget a token all the same (a restart without persistence), a
// replica that still holds the pair writes it back under the lock before its next refresh; a
// pair no replica holds is gone.
//
// Size maxmemory for the webhook keys, which noeviction will not make room for: a handled
// webhook ID is kept for the TTL the verifier gives it, twice the tolerance plus GHL's
// 75-minute redelivery horizon plus a minute (86 minutes with the default 5-minute
// tolerance; it was 11), so Redis holds about 8 times as many webhook keys as before: one per
// delivery of the last 86 minutes, about 180 bytes each with a 36-character webhookId
// (measured on Redis 7). At 10 deliveries a second that is some 52,000 keys, about 9.5 MB.
//
// Redis errors are returned wrapped, naming the operation that failed ("redisstore: saving
// token for ..."), and never contain tokens. A call made while Redis is unreachable fails
// rather than waits; a refreshed token pair that could not be saved stays in the ghl token
// source's memory and is saved before it is used, once Redis answers again.
package redisstore
