package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// fakeClock advances by step on every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func newTestProgress(tty bool, step time.Duration) (*Progress, *strings.Builder) {
	var b strings.Builder
	p := NewProgress(&b, tty, "import")
	p.now = fakeClock(step)
	p.start = p.now()
	p.last = p.start
	return p, &b
}

func TestProgressPlainLines(t *testing.T) {
	// Each reading is 500 ms apart, so a plain line every 2 s is one per 4 items.
	p, out := newTestProgress(false, 500*time.Millisecond)
	p.SetTotal(10)
	for range 10 {
		p.Add(1)
	}
	p.Done()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Equal(t, []string{
		"import  4/10   40%  2/s  ETA 3s",
		"import  8/10   80%  2/s  ETA 1s",
		"import  10/10  100%  2/s  done in 5.5s",
	}, lines)
	assert.NotContains(t, out.String(), "\r", "no carriage returns outside a terminal")
}

func TestProgressRedrawsOnTerminal(t *testing.T) {
	p, out := newTestProgress(true, 100*time.Millisecond)
	p.SetTotal(3)
	p.Add(1)
	p.Add(1)
	p.Add(1)
	p.Done()
	assert.Equal(t,
		"\rimport  1/3   33%  10/s  ETA 200ms\x1b[K"+
			"\rimport  2/3   66%  10/s  ETA 100ms\x1b[K"+
			"\rimport  3/3  100%  10/s\x1b[K"+
			"\rimport  3/3  100%  8/s  done in 400ms\x1b[K\n", out.String())
}

func TestProgressUnknownTotal(t *testing.T) {
	p, out := newTestProgress(false, time.Second)
	p.Done()
	assert.Equal(t, "import  0  0/s  done in 1s\n", out.String())
}
