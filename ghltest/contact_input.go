package ghltest

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/linkedphone/ghl-go/internal/e164"
)

// The contact DTOs of the spec (CreateContactDto, UpsertContactDto, UpdateContactDto), checked
// the way GHL's validator checks them: every property has a type, only some may be null, and
// a property the DTO does not declare is an error ("property x should not exist").

type inputMode int

const (
	inputCreate inputMode = iota
	inputUpsert
	inputUpdate
)

type fieldKind int

const (
	kString fieldKind = iota
	kBool
	kTags
	kCustomFields
	kDNDSettings
	kInboundDND
	kEmail
	kPhone
	kDate
	kCountry
)

// contactProperty returns the kind of a DTO property and whether it may be null, or false
// when the DTO of mode has no such property.
func contactProperty(name string, mode inputMode) (kind fieldKind, nullable, ok bool) {
	switch name {
	case "firstName", "lastName", "name", "address1", "city", "state", "website", "timezone":
		return kString, true, true
	case "email":
		return kEmail, true, true
	case "phone":
		return kPhone, true, true
	case "dateOfBirth":
		return kDate, true, true
	case "postalCode":
		return kString, false, true
	case "country":
		return kCountry, false, true
	case "source", "assignedTo":
		return kString, mode == inputUpdate, true // nullable on update only
	case "dnd":
		return kBool, false, true
	case "tags":
		return kTags, false, true
	case "customFields":
		return kCustomFields, false, true
	case "dndSettings":
		return kDNDSettings, false, true
	case "inboundDndSettings":
		return kInboundDND, false, true
	case "locationId", "gender":
		return kString, false, mode != inputUpdate
	case "companyName":
		return kString, true, mode != inputUpdate
	case "createNewIfDuplicateAllowed":
		return kBool, false, mode == inputUpsert
	}
	return 0, false, false
}

// contactInput validates a contact body. It returns the fields to store (phones in E.164 by
// country, dates of birth as YYYY-MM-DD), the messages for properties the DTO does not
// declare, and the messages for values of the wrong type or shape.
func contactInput(in map[string]any, mode inputMode, country string) (fields map[string]any, unknown, msgs []string) {
	fields = map[string]any{}
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := in[k]
		kind, nullable, ok := contactProperty(k, mode)
		if !ok {
			unknown = append(unknown, "property "+k+" should not exist")
			continue
		}
		if v == nil {
			if nullable {
				fields[k] = nil
			} else {
				msgs = append(msgs, typeMessage(k, kind))
			}
			continue
		}
		stored, msg := checkContactValue(k, kind, v, country)
		if msg != "" {
			msgs = append(msgs, msg)
			continue
		}
		fields[k] = stored
	}
	return fields, unknown, msgs
}

func typeMessage(k string, kind fieldKind) string {
	switch kind {
	case kBool:
		return k + " must be a boolean value"
	case kTags:
		return k + " must be an array"
	case kCustomFields:
		return k + " must be an array"
	case kDNDSettings, kInboundDND:
		return k + " must be an object"
	}
	return k + " must be a string"
}

// checkContactValue checks one non-null value and returns what to store, or a message.
func checkContactValue(k string, kind fieldKind, v any, country string) (any, string) {
	switch kind {
	case kBool:
		if _, ok := v.(bool); !ok {
			return nil, typeMessage(k, kind)
		}
		return v, ""
	case kTags:
		list, ok := v.([]any)
		if !ok {
			return nil, typeMessage(k, kind)
		}
		for _, t := range list {
			if _, ok := t.(string); !ok {
				return nil, "each value in " + k + " must be a string"
			}
		}
		return v, ""
	case kCustomFields:
		list, ok := v.([]any)
		if !ok {
			return nil, typeMessage(k, kind)
		}
		for _, item := range list {
			m, ok := item.(map[string]any)
			if !ok || (str(m, "id") == "" && str(m, "key") == "") {
				return nil, "each value in " + k + " must be an object with an id or a key"
			}
		}
		return v, ""
	case kDNDSettings:
		return v, checkDND(k, v, []string{"Call", "Email", "SMS", "WhatsApp", "GMB", "FB"}, "active, inactive, permanent")
	case kInboundDND:
		return v, checkDND(k, v, []string{"all"}, "active, inactive")
	}
	s, ok := v.(string)
	if !ok {
		return nil, typeMessage(k, kind)
	}
	switch kind {
	case kEmail:
		if at := strings.IndexByte(s, '@'); s != "" && (at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t")) {
			return nil, k + " must be an email"
		}
	case kPhone:
		if s == "" {
			return s, ""
		}
		e164, err := e164.Normalize(s, country)
		if err != nil {
			return nil, k + " must be a valid phone number"
		}
		return e164, ""
	case kDate:
		if s == "" {
			return s, ""
		}
		d, ok := parseBirthDate(s)
		if !ok {
			return nil, k + " must be a date as YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD or MM_DD_YYYY"
		}
		return d, ""
	case kCountry:
		if len(s) != 2 || strings.ToUpper(s) != s || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return nil, k + " must be a valid ISO31661 Alpha2 code"
		}
	}
	return s, ""
}

// checkDND checks a DND settings object: known channels, each with a status from the enum.
func checkDND(k string, v any, channels []string, statuses string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return k + " must be an object"
	}
	for _, ch := range slices.Sorted(maps.Keys(m)) {
		setting := m[ch]
		if !slices.Contains(channels, ch) {
			return "property " + k + "." + ch + " should not exist"
		}
		sm, ok := setting.(map[string]any)
		if !ok {
			return k + "." + ch + " must be an object"
		}
		status, _ := sm["status"].(string)
		if !slices.Contains(strings.Split(statuses, ", "), status) {
			return fmt.Sprintf("%s.%s.status must be one of the following values: %s", k, ch, statuses)
		}
		for _, field := range slices.Sorted(maps.Keys(sm)) {
			fv := sm[field]
			switch field {
			case "status":
			case "message", "code":
				if _, ok := fv.(string); !ok {
					return k + "." + ch + "." + field + " must be a string"
				}
			default:
				return "property " + k + "." + ch + "." + field + " should not exist"
			}
		}
	}
	return ""
}

// parseBirthDate reads the date formats GHL lists for dateOfBirth and returns YYYY-MM-DD,
// the form GHL returns.
func parseBirthDate(s string) (string, bool) {
	for _, sep := range []string{"-", "/", ".", "_"} {
		for _, layout := range []string{"2006" + sep + "01" + sep + "02", "01" + sep + "02" + sep + "2006"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02"), true
			}
		}
	}
	return "", false
}
