package ghl

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// pageOf is one fetched page: its items and where the next one starts.
type pageOf[T any, C comparable] struct {
	items []T
	// more reports that the server has results after this page.
	more bool
	// next is the cursor of the following page; the zero C means the server sent none.
	next C
}

// paginate is the one pager behind every iterator. It calls fetch with the start cursor and
// then with each page's next cursor (and how many items came before that page), yielding
// items one by one, until a page says there are no more, the caller stops, ctx is done, or
// an error is yielded (iteration ends after any error, which comes after the last good
// page's items, once). A cursor the server has already sent, or a missing cursor on a page
// that claims more, ends iteration with a *PaginationError.
//
// While the caller works through a page, the next one is already being fetched: a walk takes
// about the longer of the server's time and the caller's, not their sum. At most two pages
// are held (the one being yielded and the next), requests still go one at a time through
// the client's limiter, and when the caller stops or ctx ends the fetch in flight is
// cancelled and waited for, so no goroutine outlives the loop.
func paginate[T any, C comparable](ctx context.Context, route string, start C, fetch func(ctx context.Context, cursor C, yielded int) (pageOf[T, C], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zeroT T
		var zeroC C
		if ctx == nil {
			yield(zeroT, errors.New("ghl: nil context"))
			return
		}
		if err := ctx.Err(); err != nil {
			yield(zeroT, fmt.Errorf("ghl: paging %s: %w", route, err))
			return
		}
		// seen holds the cursors already followed (one small value per page, not the items),
		// so a server that cycles back to an earlier cursor is caught as well as one that
		// repeats the last.
		seen := map[C]struct{}{}
		if start != zeroC {
			seen[start] = struct{}{}
		}
		p, err := fetch(ctx, start, 0)
		yielded := 0
		var next *prefetch[T, C]
		defer func() {
			if next != nil {
				next.stop()
			}
		}()
		for n := 1; ; n++ {
			if err != nil {
				yield(zeroT, err)
				return
			}
			var bad string
			if p.more {
				if p.next == zeroC {
					bad = "the server reported more results but sent no cursor"
				} else if _, dup := seen[p.next]; dup {
					// The page is a replay of one already yielded: do not yield it again.
					yield(zeroT, &PaginationError{Route: route, Page: n, Reason: "the server sent a cursor it had already sent"})
					return
				} else {
					seen[p.next] = struct{}{}
					next = startPrefetch(ctx, fetch, p.next, yielded+len(p.items))
				}
			}
			for _, item := range p.items {
				if !yield(item, nil) {
					return
				}
				yielded++
			}
			if bad != "" {
				yield(zeroT, &PaginationError{Route: route, Page: n, Reason: bad})
				return
			}
			if !p.more {
				return
			}
			p = pageOf[T, C]{} // the page is done: hold only the next one
			if err := ctx.Err(); err != nil {
				yield(zeroT, fmt.Errorf("ghl: paging %s: %w", route, err))
				return
			}
			pf := next
			next = nil
			p, err = pf.wait()
		}
	}
}

// prefetch is the fetch of the next page, running while the caller works on the current one.
type prefetch[T any, C comparable] struct {
	cancel context.CancelFunc
	done   chan prefetched[T, C]
}

type prefetched[T any, C comparable] struct {
	page  pageOf[T, C]
	err   error
	panic any // a panic in fetch, raised again in the caller's goroutine
}

func startPrefetch[T any, C comparable](ctx context.Context, fetch func(context.Context, C, int) (pageOf[T, C], error), cursor C, yielded int) *prefetch[T, C] {
	ctx, cancel := context.WithCancel(ctx)
	pf := &prefetch[T, C]{cancel: cancel, done: make(chan prefetched[T, C], 1)}
	go func() {
		var r prefetched[T, C]
		defer func() {
			if v := recover(); v != nil {
				r = prefetched[T, C]{panic: v}
			}
			pf.done <- r
		}()
		r.page, r.err = fetch(ctx, cursor, yielded)
	}()
	return pf
}

// wait returns the fetched page.
func (pf *prefetch[T, C]) wait() (pageOf[T, C], error) {
	r := <-pf.done
	pf.cancel()
	if r.panic != nil {
		panic(r.panic)
	}
	return r.page, r.err
}

// stop cancels the fetch and waits for it to end; what it fetched is dropped.
func (pf *prefetch[T, C]) stop() {
	pf.cancel()
	<-pf.done
}

// errSeq is an iterator that yields only err.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
