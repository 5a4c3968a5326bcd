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
// then with each page's next cursor (and how many items came before that page), yielding items one by one, until a page says there are
// no more, the caller stops, ctx is done, or an error is yielded (iteration ends after any
// error). Only the current page is held. A cursor the server has already sent, or a missing
// cursor on a page that claims more, ends iteration with a *PaginationError.
func paginate[T any, C comparable](ctx context.Context, route string, start C, fetch func(ctx context.Context, cursor C, yielded int) (pageOf[T, C], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zeroT T
		var zeroC C
		if ctx == nil {
			yield(zeroT, errors.New("ghl: nil context"))
			return
		}
		cursor := start
		yielded := 0
		// seen holds the cursors already followed (one small value per page, not the items),
		// so a server that cycles back to an earlier cursor is caught as well as one that
		// repeats the last.
		seen := map[C]struct{}{}
		if cursor != zeroC {
			seen[cursor] = struct{}{}
		}
		for n := 1; ; n++ {
			if err := ctx.Err(); err != nil {
				yield(zeroT, fmt.Errorf("ghl: paging %s: %w", route, err))
				return
			}
			p, err := fetch(ctx, cursor, yielded)
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
			seen[p.next] = struct{}{}
			cursor = p.next
		}
	}
}

// errSeq is an iterator that yields only err.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
