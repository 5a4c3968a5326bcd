package ghl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ContactFields maps the contact custom fields of the client's location between their keys
// ("contact.last_call") and their IDs. GHL's contacts carry only {id, value} (tracker #177,
// #87), so reading a field by key needs its ID; and a value written under a key or ID the
// location does not have must not vanish: ContactFields turns such a write into an error
// before anything is sent. Contacts.Create, Update and Upsert use it to send the custom
// fields given by key (CustomFieldInput.Key) by their IDs.
//
// The field list is fetched on first use and kept for the client's life. A key or ID that is
// not in it makes ContactFields fetch the list again, once (concurrent lookups share one
// fetch); if it is still unknown, the lookup fails with an *UnknownCustomFieldError. Fields
// created, updated or deleted through the same client's Locations service update the list
// without a fetch. It is safe for concurrent use.
type ContactFields struct {
	s   *LocationsService
	sem chan struct{} // held by the fetch in flight
	// onWait, set by tests only, is called when a lookup starts waiting for the fetch slot.
	onWait func()

	mu      sync.Mutex
	started uint64 // fetches started
	done    uint64 // the value of started when the last successful fetch began; 0: none yet
	byKey   map[string]*CustomField
	byID    map[string]*CustomField
}

// ContactFields returns the client's key <-> ID map of the contact custom fields of its
// location (one per client, made on first use).
func (s *LocationsService) ContactFields() *ContactFields {
	c := &s.client.caches
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fields == nil {
		c.fields = &ContactFields{s: s, sem: make(chan struct{}, 1)}
	}
	return c.fields
}

// ID returns the ID of the contact custom field with the given key ("contact.last_call").
func (f *ContactFields) ID(ctx context.Context, key string) (string, error) {
	cf, err := f.find(ctx, key, "")
	if err != nil {
		return "", err
	}
	return cf.ID, nil
}

// Key returns the key of the contact custom field with the given ID.
func (f *ContactFields) Key(ctx context.Context, id string) (string, error) {
	cf, err := f.find(ctx, "", id)
	if err != nil {
		return "", err
	}
	return cf.FieldKey, nil
}

// Field returns the definition of the contact custom field with the given key (its data
// type, options, ...). The value is shared: do not modify it.
func (f *ContactFields) Field(ctx context.Context, key string) (*CustomField, error) {
	return f.find(ctx, key, "")
}

// Input returns the CustomFieldInput that sets the field with the given key to value,
// addressed by the field's ID: the write side of custom fields by key.
func (f *ContactFields) Input(ctx context.Context, key string, value any) (CustomFieldInput, error) {
	id, err := f.ID(ctx, key)
	if err != nil {
		return CustomFieldInput{}, err
	}
	return CustomFieldInput{ID: id, Value: value}, nil
}

// Resolve returns a copy of in in which every input given by key is given by its field's ID
// instead, and checks that every ID names a field of the location. An input that names both
// must name the same field. The first unknown key or ID fails the whole list, so no value is
// dropped silently.
func (f *ContactFields) Resolve(ctx context.Context, in []CustomFieldInput) ([]CustomFieldInput, error) {
	if in == nil {
		return nil, nil
	}
	// A list fetched while this call runs is the one refresh for every input of it.
	seen := f.fetchesStarted()
	out := make([]CustomFieldInput, len(in))
	for i, x := range in {
		if x.Key == "" && x.ID == "" {
			return nil, &InvalidParamError{Param: fmt.Sprintf("customFields[%d]", i), Reason: "names no field: set ID or Key"}
		}
		cf, err := f.findAfter(ctx, x.Key, x.ID, seen)
		if err != nil {
			return nil, err
		}
		if x.Key != "" && x.ID != "" && cf.ID != x.ID {
			return nil, &InvalidParamError{Param: fmt.Sprintf("customFields[%d]", i), Reason: fmt.Sprintf("key %q is field %s, not %s", x.Key, cf.ID, x.ID)}
		}
		out[i] = CustomFieldInput{ID: cf.ID, Value: x.Value}
	}
	return out, nil
}

// Value returns the value of the contact's custom field with the given key: the read side of
// custom fields by key. ok is false when the field exists but the contact has no value in it.
func (f *ContactFields) Value(ctx context.Context, c *Contact, key string) (v CustomFieldValue, ok bool, err error) {
	if c == nil {
		return CustomFieldValue{}, false, &InvalidParamError{Param: "c", Reason: "must not be nil"}
	}
	id, err := f.ID(ctx, key)
	if err != nil {
		return CustomFieldValue{}, false, err
	}
	for _, cf := range c.CustomFields {
		if cf.ID == id {
			return cf, true, nil
		}
	}
	return CustomFieldValue{}, false, nil
}

// Missing returns the keys, among keys, that name no contact custom field of the location, in
// the order given: the setup check of an integration that writes fields of its own. It
// fetches the field list at most once for all of them (when it has none yet, or a key is not
// in it).
func (f *ContactFields) Missing(ctx context.Context, keys ...string) ([]string, error) {
	seen := f.fetchesStarted()
	var missing []string
	for _, key := range keys {
		_, err := f.findAfter(ctx, key, "", seen)
		if errors.Is(err, ErrUnknownCustomField) {
			missing = append(missing, key)
		} else if err != nil {
			return nil, err
		}
	}
	return missing, nil
}

// resolveFieldKeys returns the custom field inputs of a contact write to location loc with
// every input given by key given by its field's ID instead, through the client's ContactFields
// (see Resolve); in itself is left as it is. A list that names no key is returned unchanged and
// costs no request. Keys name fields of the client's location only, so a write with keys to
// another location is refused.
func resolveFieldKeys(ctx context.Context, c *Client, loc string, in []CustomFieldInput) ([]CustomFieldInput, error) {
	if !slices.ContainsFunc(in, func(x CustomFieldInput) bool { return x.Key != "" }) {
		return in, nil
	}
	if loc != c.locationID {
		return nil, &InvalidParamError{Param: "req.CustomFields",
			Reason: fmt.Sprintf("keys name fields of the client's location, not of %s: give field IDs", loc)}
	}
	return c.Locations.ContactFields().Resolve(ctx, in)
}

// Refresh fetches the field list again now.
func (f *ContactFields) Refresh(ctx context.Context) error {
	return f.fetchAfter(ctx, f.fetchesStarted(), true)
}

// find looks a field up by key (or, with key empty, by ID), fetching the list when it has none
// yet or does not know the field: once, unless a fetch that began after this lookup did has
// completed meanwhile.
func (f *ContactFields) find(ctx context.Context, key, id string) (*CustomField, error) {
	return f.findAfter(ctx, key, id, f.fetchesStarted())
}

// fetchesStarted returns how many fetches of the list have started so far.
func (f *ContactFields) fetchesStarted() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started
}

// findAfter is find for a lookup that began when seen fetches had started: a fetch begun
// since then that has completed counts as its refresh.
func (f *ContactFields) findAfter(ctx context.Context, key, id string, seen uint64) (*CustomField, error) {
	if key == "" && id == "" {
		return nil, &InvalidParamError{Param: "key", Reason: "must not be empty"}
	}
	f.mu.Lock()
	cf, ok := f.lookupLocked(key, id)
	f.mu.Unlock()
	if ok {
		return cf, nil
	}
	if err := f.fetchAfter(ctx, seen, false); err != nil {
		return nil, err
	}
	f.mu.Lock()
	cf, ok = f.lookupLocked(key, id)
	f.mu.Unlock()
	if !ok {
		return nil, &UnknownCustomFieldError{LocationID: f.s.client.locationID, Key: key, ID: id}
	}
	return cf, nil
}

func (f *ContactFields) lookupLocked(key, id string) (*CustomField, bool) {
	var cf *CustomField
	if key != "" {
		cf = f.byKey[key]
	} else {
		cf = f.byID[id]
	}
	return cf, cf != nil
}

// fetchAfter fetches the field list unless a fetch begun after the caller saw seen fetches
// started has completed (force fetches regardless).
func (f *ContactFields) fetchAfter(ctx context.Context, seen uint64, force bool) error {
	if ctx == nil {
		return errors.New("ghl: nil context")
	}
	if f.onWait != nil {
		f.onWait()
	}
	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.sem }()
	f.mu.Lock()
	if !force && f.done > seen {
		f.mu.Unlock()
		return nil
	}
	f.started++
	gen := f.started
	f.mu.Unlock()

	list, _, err := f.s.CustomFields(ctx, &CustomFieldListOptions{Model: CustomFieldModelContact})
	if err != nil {
		return err
	}
	byKey := make(map[string]*CustomField, len(list))
	byID := make(map[string]*CustomField, len(list))
	for _, cf := range list {
		if cf == nil || cf.ID == "" {
			continue
		}
		byID[cf.ID] = cf
		if cf.FieldKey != "" {
			byKey[cf.FieldKey] = cf
		}
	}
	f.mu.Lock()
	f.byKey, f.byID, f.done = byKey, byID, gen
	f.mu.Unlock()
	return nil
}

// learn records a field created or changed through this client, if the list is loaded and
// the field is a contact field.
func (f *ContactFields) learn(cf *CustomField) {
	if cf == nil || cf.ID == "" || (cf.Model != "" && cf.Model != CustomFieldModelContact) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byID == nil {
		return
	}
	if old := f.byID[cf.ID]; old != nil && old.FieldKey != cf.FieldKey {
		delete(f.byKey, old.FieldKey)
	}
	f.byID[cf.ID] = cf
	if cf.FieldKey != "" {
		f.byKey[cf.FieldKey] = cf
	}
}

// forget drops a field deleted through this client.
func (f *ContactFields) forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old := f.byID[id]; old != nil {
		delete(f.byID, id)
		delete(f.byKey, old.FieldKey)
	}
}
