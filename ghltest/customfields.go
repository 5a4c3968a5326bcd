package ghltest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Custom fields: the definitions under /locations/{locationId}/customFields, and the check that
// a contact's values name fields the location has.

// CustomField describes a custom field to add with AddCustomField.
type CustomField struct {
	Name string
	// FieldKey is the key contacts are written with ("contact.last_call"); empty derives it
	// from Name as GHL does ("Last call" -> "contact.last_call").
	FieldKey string
	// DataType is TEXT (the default), NUMERICAL, DATE, ... (see customFieldTypes).
	DataType string
	// Model is "contact" (the default) or "opportunity".
	Model           string
	Placeholder     string
	PicklistOptions []string
}

type customFieldDoc struct {
	id, loc               string
	f                     CustomField
	position              int
	parentID, description string
}

// customFieldTypes are the data types the fake accepts. GHL's spec lists none; these are the
// types its UI offers and third-party clients send (the stricter reading: others are refused).
var customFieldTypes = []string{"TEXT", "LARGE_TEXT", "NUMERICAL", "PHONE", "MONETORY", "CHECKBOX", "SINGLE_OPTIONS",
	"MULTIPLE_OPTIONS", "FLOAT", "TIME", "DATE", "TEXTBOX_LIST", "FILE_UPLOAD", "SIGNATURE", "RADIO", "EMAIL"}

// AddCustomField adds a custom field to a location and returns its ID.
func (s *Server) AddCustomField(locationID string, f CustomField) (string, error) {
	if f.DataType == "" {
		f.DataType = "TEXT"
	}
	if f.Model == "" {
		f.Model = "contact"
	}
	switch {
	case strings.TrimSpace(f.Name) == "":
		return "", fmt.Errorf("ghltest: a custom field needs a name")
	case !slices.Contains(customFieldTypes, f.DataType):
		return "", fmt.Errorf("ghltest: unknown custom field data type %q", f.DataType)
	case f.Model != "contact" && f.Model != "opportunity":
		return "", fmt.Errorf("ghltest: unknown custom field model %q", f.Model)
	}
	f.PicklistOptions = slices.Clone(f.PicklistOptions)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.locations[locationID]; !ok {
		return "", fmt.Errorf("ghltest: unknown location %q", locationID)
	}
	d, err := s.addFieldLocked(s.calLocLocked(locationID), locationID, f)
	if err != nil {
		return "", err
	}
	return d.id, nil
}

// fieldKey derives a field's key as GHL does: the model, a dot, and the name (or the key
// asked for) in lower case with runs of other characters as one underscore.
func fieldKey(model, name, key string) string {
	if key != "" {
		if strings.HasPrefix(key, model+".") {
			return key
		}
		return model + "." + key
	}
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		} else {
			under = true
		}
	}
	return model + "." + b.String()
}

func (s *Server) addFieldLocked(cl *calLocation, loc string, f CustomField) (*customFieldDoc, error) {
	f.FieldKey = fieldKey(f.Model, f.Name, f.FieldKey)
	if cl.fieldByKey(f.FieldKey) != nil {
		return nil, fmt.Errorf("ghltest: custom field key %q already exists", f.FieldKey)
	}
	d := &customFieldDoc{id: newID(), loc: loc, f: f, position: len(cl.fieldOrder)}
	cl.fields[d.id] = d
	cl.fieldOrder = append(cl.fieldOrder, d.id)
	return d, nil
}

func (cl *calLocation) fieldByKey(key string) *customFieldDoc {
	for _, id := range cl.fieldOrder {
		if d := cl.fields[id]; d.f.FieldKey == key {
			return d
		}
	}
	return nil
}

func (d *customFieldDoc) json() map[string]any {
	out := map[string]any{
		"id": d.id, "name": d.f.Name, "fieldKey": d.f.FieldKey, "placeholder": d.f.Placeholder, "dataType": d.f.DataType,
		"position": d.position, "picklistOptions": append([]string{}, d.f.PicklistOptions...), "picklistImageOptions": []string{},
		"isAllowedCustomOption": false, "isMultiFileAllowed": false, "maxFileLimit": 0, "locationId": d.loc, "model": d.f.Model,
	}
	if d.parentID != "" {
		out["parentId"] = d.parentID
	}
	if d.description != "" {
		out["description"] = d.description
	}
	return out
}

// Body members of create and update: the spec's, plus those GHL takes but does not document
// (parentId, fieldKey, description: tracker #300; options, which picklist clients send).
var (
	fieldUpdateMembers = []string{"name", "placeholder", "acceptedFormat", "isMultipleFile", "maxNumberOfFiles",
		"textBoxListOptions", "position", "model", "options"}
	fieldCreateMembers = append([]string{"dataType", "fieldKey", "parentId", "description"}, fieldUpdateMembers...)
)

// checkFieldBody validates a create or update body; it returns GHL's 422 messages.
func checkFieldBody(in map[string]any, create bool) []string {
	allowed := fieldUpdateMembers
	if create {
		allowed = fieldCreateMembers
	}
	var msgs []string
	for k, v := range in {
		if !slices.Contains(allowed, k) {
			msgs = append(msgs, "property "+k+" should not exist")
			continue
		}
		switch k {
		case "name", "dataType", "placeholder", "model", "fieldKey", "parentId", "description":
			if _, ok := v.(string); !ok {
				msgs = append(msgs, k+" must be a string")
			}
		case "position", "maxNumberOfFiles":
			if _, ok := v.(float64); !ok {
				msgs = append(msgs, k+" must be a number conforming to the specified constraints")
			}
		}
	}
	if strings.TrimSpace(str(in, "name")) == "" {
		msgs = append(msgs, "name should not be empty")
	}
	if create && !slices.Contains(customFieldTypes, str(in, "dataType")) {
		msgs = append(msgs, "dataType must be one of the following values: "+strings.Join(customFieldTypes, ", "))
	}
	if m, ok := in["model"]; ok && m != "contact" && m != "opportunity" {
		msgs = append(msgs, "model must be one of the following values: contact, opportunity")
	}
	slices.Sort(msgs)
	return msgs
}

// withFieldLocation answers for a location that is not the token's, and otherwise runs fn
// under the lock.
func (s *Server) withFieldLocation(w http.ResponseWriter, r *http.Request, fn func(l *location, cl *calLocation)) {
	l := locFrom(r)
	if !checkLocationID(w, l, r.PathValue("locationId")) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(l, s.calLocLocked(l.id))
}

func (s *Server) listCustomFields(w http.ResponseWriter, r *http.Request) {
	model := r.URL.Query().Get("model")
	if model != "" && model != "contact" && model != "opportunity" && model != "all" {
		writeUnprocessable(w, "model must be one of the following values: contact, opportunity, all")
		return
	}
	s.withFieldLocation(w, r, func(_ *location, cl *calLocation) {
		list := []map[string]any{}
		for _, id := range cl.fieldOrder {
			if d := cl.fields[id]; model == "" || model == "all" || d.f.Model == model {
				list = append(list, d.json())
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"customFields": list})
	})
}

// fieldFromPath finds the field named by the path's {id}: an ID, or for GET a field key.
func (cl *calLocation) fieldFromPath(r *http.Request, byKey bool) *customFieldDoc {
	id := r.PathValue("id")
	if d := cl.fields[id]; d != nil {
		return d
	}
	if byKey {
		return cl.fieldByKey(id)
	}
	return nil
}

func (s *Server) getCustomField(w http.ResponseWriter, r *http.Request) {
	s.withFieldLocation(w, r, func(_ *location, cl *calLocation) {
		d := cl.fieldFromPath(r, true)
		if d == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Custom field not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"customField": d.json()})
	})
}

func (s *Server) createCustomField(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	if msgs := checkFieldBody(in, true); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withFieldLocation(w, r, func(l *location, cl *calLocation) {
		f := CustomField{Name: str(in, "name"), FieldKey: str(in, "fieldKey"), DataType: str(in, "dataType"),
			Model: str(in, "model"), Placeholder: str(in, "placeholder"), PicklistOptions: optionList(in["options"])}
		if f.Model == "" {
			f.Model = "contact"
		}
		d, err := s.addFieldLocked(cl, l.id, f)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "A custom field with this key already exists", "error": "Bad Request"})
			return
		}
		d.parentID, d.description = str(in, "parentId"), str(in, "description")
		if p, ok := in["position"].(float64); ok {
			d.position = int(p)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"customField": d.json()})
	})
}

func optionList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) updateCustomField(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if !decodeBody(w, r, &in) {
		return
	}
	if msgs := checkFieldBody(in, false); len(msgs) > 0 {
		writeUnprocessable(w, msgs...)
		return
	}
	s.withFieldLocation(w, r, func(_ *location, cl *calLocation) {
		d := cl.fieldFromPath(r, false)
		if d == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Custom field not found"})
			return
		}
		// The key stays what it was: contacts and workflows refer to it.
		d.f.Name = str(in, "name")
		if v, ok := in["placeholder"].(string); ok {
			d.f.Placeholder = v
		}
		if p, ok := in["position"].(float64); ok {
			d.position = int(p)
		}
		if _, ok := in["options"]; ok {
			d.f.PicklistOptions = optionList(in["options"])
		}
		writeJSON(w, http.StatusOK, map[string]any{"customField": d.json()})
	})
}

func (s *Server) deleteCustomField(w http.ResponseWriter, r *http.Request) {
	s.withFieldLocation(w, r, func(l *location, cl *calLocation) {
		d := cl.fieldFromPath(r, false)
		if d == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": "Custom field not found"})
			return
		}
		delete(cl.fields, d.id)
		cl.fieldOrder = slices.DeleteFunc(cl.fieldOrder, func(id string) bool { return id == d.id })
		// A deleted field's values go with it.
		for _, c := range l.contacts {
			if list, ok := c.f["customFields"].([]any); ok {
				c.f["customFields"] = slices.DeleteFunc(slices.Clone(list), func(item any) bool {
					m, _ := item.(map[string]any)
					return str(m, "id") == d.id
				})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"succeded": true})
	})
}

// contactCustomFieldsLocked checks the customFields of a contact create, update or upsert body
// against the location's contact custom fields and returns them addressed by ID. Each item
// names its field by "id" or "key" and carries "field_value" (or "value"). An item that names
// no contact field of the location is refused with a 422 message instead of being stored (or
// dropped): GHL's answer is not documented, and this is the stricter reading. The contacts
// handlers call it (resolveCustomFieldsLocked) before they store anything.
func (s *Server) contactCustomFieldsLocked(l *location, input any) ([]any, []string) {
	if input == nil {
		return []any{}, nil
	}
	list, ok := input.([]any)
	if !ok {
		return nil, []string{"customFields must be an array"}
	}
	cl := s.calLocLocked(l.id)
	out := make([]any, 0, len(list))
	var msgs []string
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("customFields.%d must be an object", i))
			continue
		}
		id, key := str(m, "id"), str(m, "key")
		var d *customFieldDoc
		switch {
		case id != "":
			d = cl.fields[id]
		case key != "":
			d = cl.fieldByKey(key)
		default:
			msgs = append(msgs, fmt.Sprintf("customFields.%d must name a field by id or key", i))
			continue
		}
		if d == nil || d.f.Model != "contact" {
			what := "id " + id
			if id == "" {
				what = "key " + key
			}
			msgs = append(msgs, fmt.Sprintf("customFields.%d: no contact custom field with %s in this location", i, what))
			continue
		}
		v, ok := m["field_value"]
		if !ok {
			v = m["value"]
		}
		out = append(out, map[string]any{"id": d.id, "field_value": v})
	}
	return out, msgs
}

// CustomFieldID returns the ID of a location's custom field with the given key.
func (s *Server) CustomFieldID(locationID, key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.locations[locationID]; !ok {
		return "", false
	}
	if d := s.calLocLocked(locationID).fieldByKey(key); d != nil {
		return d.id, true
	}
	return "", false
}
