package main

import (
	"context"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// stats counts what the SDK did, through its Observer interface: the same hook a service
// would feed Prometheus or OpenTelemetry from.
type stats struct {
	ghl.NopObserver

	mu        sync.Mutex
	attempts  int
	byStatus  map[int]int
	retries   int
	waits     int
	waited    time.Duration
	transport int // attempts that got no response
	webhooks  map[string]int
}

func newStats() *stats {
	return &stats{byStatus: map[int]int{}, webhooks: map[string]int{}}
}

func (s *stats) OnAttempt(_ context.Context, info ghl.AttemptInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if info.Err != nil || info.StatusCode == 0 {
		s.transport++
		return
	}
	s.byStatus[info.StatusCode]++
}

func (s *stats) OnRetry(context.Context, ghl.RetryInfo) {
	s.mu.Lock()
	s.retries++
	s.mu.Unlock()
}

func (s *stats) OnRateLimitWait(_ context.Context, info ghl.RateLimitWaitInfo) {
	s.mu.Lock()
	s.waits++
	s.waited += info.Waited
	s.mu.Unlock()
}

func (s *stats) OnWebhook(_ context.Context, info ghl.WebhookInfo) {
	s.mu.Lock()
	s.webhooks[info.Outcome]++
	s.mu.Unlock()
}

// snapshot is a copy of the counters at one moment.
type snapshot struct {
	Attempts, Retries, Waits, TransportErrors int
	Waited                                    time.Duration
	Status429                                 int
	Status5xx                                 int
	// Status403 counts GHL's refusals of a text's status update inside its window, among
	// others.
	Status403 int
	Webhooks  map[string]int
}

func (s *stats) snapshot() snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := snapshot{Attempts: s.attempts, Retries: s.retries, Waits: s.waits, Waited: s.waited,
		TransportErrors: s.transport, Status429: s.byStatus[429], Status403: s.byStatus[403], Webhooks: map[string]int{}}
	for code, n := range s.byStatus {
		if code >= 500 {
			out.Status5xx += n
		}
	}
	for k, v := range s.webhooks {
		out.Webhooks[k] = v
	}
	return out
}
