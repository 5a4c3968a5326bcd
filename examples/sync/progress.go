package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// isTerminal reports whether f is a character device (a terminal), where a progress line can
// be redrawn in place. Pipes, files and CI logs get plain lines instead.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Progress reports how far a long job is: count, total, rate and ETA. On a terminal it
// redraws one line in place; elsewhere it prints a plain line every interval, so logs stay
// readable and do not fill with carriage returns.
type Progress struct {
	w        io.Writer
	tty      bool
	label    string
	now      func() time.Time
	redraw   time.Duration // minimum time between redraws on a terminal
	interval time.Duration // time between plain lines

	mu    sync.Mutex
	total int
	count int
	start time.Time
	last  time.Time // last time a line was written
	drawn bool      // a line is on screen and has no newline yet
}

// NewProgress returns a progress reporter writing to w; tty selects in-place redraws.
func NewProgress(w io.Writer, tty bool, label string) *Progress {
	p := &Progress{w: w, tty: tty, label: label, now: time.Now, redraw: 100 * time.Millisecond, interval: 2 * time.Second}
	p.start = p.now()
	// The first line comes one interval in: a rate measured over the first item is noise.
	p.last = p.start
	return p
}

// SetTotal sets the expected count (0: unknown, no percentage or ETA).
func (p *Progress) SetTotal(n int) {
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
}

// Add counts n more items and redraws or prints when it is time to.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count += n
	now := p.now()
	gap := p.interval
	if p.tty {
		gap = p.redraw
	}
	if now.Sub(p.last) < gap {
		return
	}
	p.last = now
	p.writeLocked(now, false)
}

// Done writes the final line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writeLocked(p.now(), true)
}

func (p *Progress) writeLocked(now time.Time, final bool) {
	line := p.lineLocked(now, final)
	if p.tty {
		// \r returns to the line start and \x1b[K clears what a longer earlier line left.
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
		p.drawn = true
		if final {
			fmt.Fprintln(p.w)
			p.drawn = false
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// lineLocked formats "label  1500/3000  50%  2345/s  ETA 1s".
func (p *Progress) lineLocked(now time.Time, final bool) string {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.count) / elapsed.Seconds()
	}
	var s string
	if p.total > 0 {
		pct := 100 * p.count / p.total
		s = fmt.Sprintf("%s  %d/%d  %3d%%  %.0f/s", p.label, p.count, p.total, pct, rate)
	} else {
		s = fmt.Sprintf("%s  %d  %.0f/s", p.label, p.count, rate)
	}
	switch {
	case final:
		s += "  done in " + elapsed.Round(time.Millisecond).String()
	case p.total > 0 && rate > 0 && p.count < p.total:
		eta := time.Duration(float64(p.total-p.count) / rate * float64(time.Second))
		s += "  ETA " + eta.Round(100*time.Millisecond).String()
	}
	return s
}
