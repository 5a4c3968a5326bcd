package ghltest

import (
	"maps"
	"net/http"
	"sync"
)

// RequestStats counts the API requests the server received (admin requests excluded).
type RequestStats struct {
	// Total counts every request.
	Total int `json:"total"`
	// ByRoute counts requests by operation, named by method and GHL's path template:
	// "GET /contacts/{contactId}". Requests to no operation count under "(unrouted)".
	ByRoute map[string]int `json:"byRoute"`
	// ByStatus counts requests by the status answered; 0 counts connections reset before an
	// answer.
	ByStatus map[int]int `json:"byStatus"`
	// ByRouteStatus counts requests by operation, then status.
	ByRouteStatus map[string]map[int]int `json:"byRouteStatus"`
}

const unrouted = "(unrouted)"

type requestStats struct {
	mu     sync.Mutex
	s      RequestStats
	byPath map[string]int // "METHOD /escaped/path", for Requests
}

func (c *requestStats) record(r *http.Request, rt *route, status int) {
	key := unrouted
	if rt != nil {
		key = rt.key()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byPath == nil {
		c.byPath = map[string]int{}
		c.s.ByRoute, c.s.ByStatus, c.s.ByRouteStatus = map[string]int{}, map[int]int{}, map[string]map[int]int{}
	}
	c.byPath[r.Method+" "+r.URL.EscapedPath()]++
	c.s.Total++
	c.s.ByRoute[key]++
	c.s.ByStatus[status]++
	if c.s.ByRouteStatus[key] == nil {
		c.s.ByRouteStatus[key] = map[int]int{}
	}
	c.s.ByRouteStatus[key][status]++
}

// snapshot returns a copy of the counters.
func (c *requestStats) snapshot() RequestStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := RequestStats{Total: c.s.Total, ByRoute: maps.Clone(c.s.ByRoute), ByStatus: maps.Clone(c.s.ByStatus),
		ByRouteStatus: map[string]map[int]int{}}
	if out.ByRoute == nil {
		out.ByRoute, out.ByStatus = map[string]int{}, map[int]int{}
	}
	for k, v := range c.s.ByRouteStatus {
		out.ByRouteStatus[k] = maps.Clone(v)
	}
	return out
}

// Requests returns how many requests the server received for method and path (the escaped
// path as sent, e.g. "/contacts/abc"). Stats counts by operation instead.
func (s *Server) Requests(method, path string) int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return s.stats.byPath[method+" "+path]
}
