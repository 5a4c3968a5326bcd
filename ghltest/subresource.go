package ghltest

import (
	"net/http"
	"slices"
)

// subDoc is an item stored under a contact (a task or a note).
type subDoc interface {
	docID() string
	json() map[string]any  // as the API returns it
	event() map[string]any // as webhooks carry it
}

// subResource serves create, get, update, delete and list for one kind of item stored per
// contact. State changes under s.mu; webhooks are emitted and responses written after it is
// released.
type subResource[T subDoc] struct {
	s                *Server
	name             string // the 404 message is name + " not found"
	key, plural      string // body keys for one item and for a list; plural is also the path segment
	param            string // path parameter naming the item
	items            func(*location) map[string][]T
	input            func(in map[string]any, create bool) (map[string]any, []string)
	newItem          func(id, contactID, dateAdded string) T
	apply            func(T, map[string]any) (event string) // the event an update emits, "" for none
	created, deleted string                                 // events
}

// readFields reads a body and validates it, answering the error itself when it is not usable.
func readFields(w http.ResponseWriter, r *http.Request, validate func(map[string]any) (map[string]any, []string)) (map[string]any, bool) {
	in, ok := readObject(w, r, false)
	if !ok {
		return nil, false
	}
	fields, msgs := validate(in)
	if len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return nil, false
	}
	return fields, true
}

func (sr *subResource[T]) read(w http.ResponseWriter, r *http.Request, create bool) (map[string]any, bool) {
	return readFields(w, r, func(in map[string]any) (map[string]any, []string) { return sr.input(in, create) })
}

func (sr *subResource[T]) create(w http.ResponseWriter, r *http.Request) {
	fields, ok := sr.read(w, r, true)
	if !ok {
		return
	}
	sr.s.withContact(w, r, func(l *location, c *contactDoc) func() {
		it := sr.newItem(newID(), c.id(), sr.s.now())
		sr.apply(it, fields) // a new item emits only the create event
		sr.items(l)[c.id()] = append(sr.items(l)[c.id()], it)
		body, ev := it.json(), it.event()
		return func() {
			sr.s.emit(l.id, sr.created, ev)
			writeJSON(w, http.StatusCreated, map[string]any{sr.key: body})
		}
	})
}

func (sr *subResource[T]) list(w http.ResponseWriter, r *http.Request) {
	sr.s.withContact(w, r, func(l *location, c *contactDoc) func() {
		items := sr.items(l)[c.id()]
		list := make([]map[string]any, 0, len(items))
		for _, it := range items {
			list = append(list, it.json())
		}
		return func() { writeJSON(w, http.StatusOK, map[string]any{sr.plural: list}) }
	})
}

// with runs fn under the lock on the request's item, answering 404 for an unknown contact or
// item. remove deletes the item from its contact.
func (sr *subResource[T]) with(w http.ResponseWriter, r *http.Request, fn func(l *location, it T, remove func()) func()) {
	id := r.PathValue(sr.param)
	sr.s.withContact(w, r, func(l *location, c *contactDoc) func() {
		m := sr.items(l)
		i := slices.IndexFunc(m[c.id()], func(it T) bool { return it.docID() == id })
		if i < 0 {
			return func() { writeNotFound(w, sr.name) }
		}
		return fn(l, m[c.id()][i], func() { m[c.id()] = slices.Delete(m[c.id()], i, i+1) })
	})
}

func (sr *subResource[T]) get(w http.ResponseWriter, r *http.Request) {
	sr.with(w, r, func(_ *location, it T, _ func()) func() {
		body := it.json()
		return func() { writeJSON(w, http.StatusOK, map[string]any{sr.key: body}) }
	})
}

func (sr *subResource[T]) update(w http.ResponseWriter, r *http.Request) {
	if fields, ok := sr.read(w, r, false); ok {
		sr.change(w, r, fields)
	}
}

// change applies validated fields to the request's item and emits the event apply names.
func (sr *subResource[T]) change(w http.ResponseWriter, r *http.Request, fields map[string]any) {
	sr.with(w, r, func(l *location, it T, _ func()) func() {
		event := sr.apply(it, fields)
		body, ev := it.json(), it.event()
		return func() {
			if event != "" {
				sr.s.emit(l.id, event, ev)
			}
			writeJSON(w, http.StatusOK, map[string]any{sr.key: body})
		}
	})
}

func (sr *subResource[T]) delete(w http.ResponseWriter, r *http.Request) {
	sr.with(w, r, func(l *location, it T, remove func()) func() {
		remove()
		ev := it.event()
		return func() {
			sr.s.emit(l.id, sr.deleted, ev)
			writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
		}
	})
}
