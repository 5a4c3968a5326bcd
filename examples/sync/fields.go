package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	ghl "github.com/linkedphone/ghl-go"
)

// LinkedPhone's own fields on a GHL contact: custom fields of the location's contact model,
// written by key. GHL's contacts carry custom fields as {id, value} only; the SDK turns each
// key into its field's ID (Locations.ContactFields), so the sync names them by key alone.
const (
	fieldLastCall      = "contact.last_call"      // when the latest call began, RFC 3339 in UTC
	fieldCallCount     = "contact.call_count"     // how many calls LinkedPhone has logged
	fieldLinkedPhoneID = "contact.linkedphone_id" // the LinkedPhone record's ID ("lp-12")
)

// contactField is one of those fields as the location must have it; an admin creates it in
// GHL under Settings > Custom Fields with this name and type, which gives it this key.
type contactField struct {
	Key, Name, DataType, TypeName string
}

var linkedPhoneFields = []contactField{
	{fieldLastCall, "Last call", "DATE", "Date Picker"},
	{fieldCallCount, "Call count", "NUMERICAL", "Number"},
	{fieldLinkedPhoneID, "LinkedPhone ID", "TEXT", "Single Line"},
}

// fieldState is which of LinkedPhone's fields the location has, once CheckFields looked.
type fieldState struct {
	mu    sync.Mutex
	keys  []string // the fields found, in linkedPhoneFields order; nil: none written
	wrote int      // values written
}

// FieldCheck is what CheckFields found.
type FieldCheck struct {
	Found   []string       // keys of the fields the location has
	Missing []contactField // the fields it lacks, which are not written
}

// CheckFields looks LinkedPhone's fields up in the location (one request: the location's
// contact field list, which the SDK keeps, so the writes by key that follow cost nothing
// more) and from then on writes those it found on every contact PushContact sends. A field
// the location lacks is left out rather than failing the push: the SDK refuses a write
// with an unknown key (*ghl.UnknownCustomFieldError) before sending anything.
func (s *Syncer) CheckFields(ctx context.Context) (*FieldCheck, error) {
	keys := make([]string, len(linkedPhoneFields))
	for i, f := range linkedPhoneFields {
		keys[i] = f.Key
	}
	missing, err := s.client.Locations.ContactFields().Missing(ctx, keys...)
	if err != nil {
		return nil, fmt.Errorf("looking up LinkedPhone's custom fields: %w", err)
	}
	res := &FieldCheck{}
	for _, f := range linkedPhoneFields {
		if slices.Contains(missing, f.Key) {
			res.Missing = append(res.Missing, f)
		} else {
			res.Found = append(res.Found, f.Key)
		}
	}
	s.fields.mu.Lock()
	s.fields.keys = res.Found
	s.fields.mu.Unlock()
	return res, nil
}

// fieldInputs returns the values of LinkedPhone's fields for a record, by key, for the fields
// the location has.
func (s *Syncer) fieldInputs(r *Record) []ghl.CustomFieldInput {
	s.fields.mu.Lock()
	keys := s.fields.keys
	s.fields.mu.Unlock()
	var out []ghl.CustomFieldInput
	for _, key := range keys {
		var v any
		switch key {
		case fieldLastCall:
			last := lastCall(r)
			if last.IsZero() {
				continue
			}
			v = last.UTC().Format(time.RFC3339)
		case fieldCallCount:
			v = len(r.Calls)
		case fieldLinkedPhoneID:
			v = r.ID
		}
		out = append(out, ghl.CustomFieldInput{Key: key, Value: v})
	}
	return out
}

// countFields records values written.
func (s *Syncer) countFields(n int) {
	s.fields.mu.Lock()
	s.fields.wrote += n
	s.fields.mu.Unlock()
}

// lastCall returns when the record's latest call began (zero without calls).
func lastCall(r *Record) time.Time {
	var t time.Time
	for _, c := range r.Calls {
		if c.At.After(t) {
			t = c.At
		}
	}
	return t
}

// describeFields is a one-line view of field inputs: key=value ...
func describeFields(in []ghl.CustomFieldInput) string {
	parts := make([]string, len(in))
	for i, f := range in {
		parts[i] = fmt.Sprintf("%s=%v", f.Key, f.Value)
	}
	return strings.Join(parts, " ")
}

// missingFieldsText tells an admin how to create the fields the location lacks.
func missingFieldsText(missing []contactField) string {
	var b strings.Builder
	for _, f := range missing {
		fmt.Fprintf(&b, "\n  %s: create a %s field named %q (Settings > Custom Fields, object Contact)", f.Key, f.TypeName, f.Name)
	}
	return b.String()
}

// fieldList names the fields written, for the summary.
func fieldList(keys []string) string {
	if len(keys) == 0 {
		return "none: the location has none of LinkedPhone's fields"
	}
	return strings.Join(keys, ", ")
}
