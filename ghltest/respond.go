package ghltest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
)

// Reading request bodies and writing GHL's answers, as its NestJS services do: validation
// errors are 422 with a list of messages in the words of class-validator, other errors carry
// {statusCode, message}.

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes GHL's {statusCode, message} body.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

// writeBadRequest writes the Calendars API's validation answer: 400, whose spec lists no 422.
// One message is a string, several a list (as GHL's validation pipe sends them).
func writeBadRequest(w http.ResponseWriter, msgs ...string) {
	var msg any = msgs
	if len(msgs) == 1 {
		msg = msgs[0]
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"statusCode": 400, "message": msg, "error": "Bad Request"})
}

// writeUnprocessable writes GHL's 422 body, whose message is a list.
func writeUnprocessable(w http.ResponseWriter, msgs ...string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"statusCode": 422, "message": msgs, "error": "Unprocessable Entity"})
}

func writeNotFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, what+" not found")
}

func writeContactNotFound(w http.ResponseWriter) { writeNotFound(w, "Contact") }

func itoa(n int) string { return strconv.Itoa(n) }

// readObject decodes a JSON object body. An empty body is an error unless optional is set,
// in which case it reads as {} (GHL's body parser does the same for empty bodies).
func readObject(w http.ResponseWriter, r *http.Request, optional bool) (map[string]any, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request entity too large")
		return nil, false
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if optional {
			return map[string]any{}, true
		}
		writeUnprocessable(w, "request body should not be empty")
		return nil, false
	}
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil || in == nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return nil, false
	}
	return in, true
}

// decodeBody decodes a JSON body into v, answering 400 (and returning false) when it is
// missing or not valid JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Unexpected token in JSON body")
		return false
	}
	return true
}

// unknownProperties lists the properties of in that the operation does not accept, in the
// words of GHL's validator, so a misplaced field fails instead of being ignored.
func unknownProperties(in map[string]any, allowed ...string) []string {
	var msgs []string
	for k := range in {
		if !slices.Contains(allowed, k) {
			msgs = append(msgs, "property "+k+" should not exist")
		}
	}
	sort.Strings(msgs)
	return msgs
}

// stringList reads a required array of strings. It returns the messages GHL gives when the
// property is missing, not an array, holds non-strings, or (with nonEmpty) is empty.
func stringList(in map[string]any, key string, nonEmpty bool) ([]string, []string) {
	v, ok := in[key]
	if !ok || v == nil {
		return nil, []string{key + " should not be empty", key + " must be an array"}
	}
	list, isList := v.([]any)
	if !isList {
		return nil, []string{key + " must be an array"}
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, isStr := item.(string)
		if !isStr {
			return nil, []string{"each value in " + key + " must be a string"}
		}
		out = append(out, s)
	}
	if nonEmpty && len(out) == 0 {
		return nil, []string{key + " should not be empty"}
	}
	return out, nil
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// checkLocationID answers 403 when a request names another location than its token's.
func checkLocationID(w http.ResponseWriter, l *location, id string) bool {
	if id == "" {
		writeUnprocessable(w, "locationId should not be empty")
		return false
	}
	if id != l.id {
		writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "The token does not have access to this location.", "error": "Forbidden"})
		return false
	}
	return true
}

// withContact runs fn under the lock when the request's contact exists, and answers 404
// otherwise. fn returns what to write once the lock is released.
func (s *Server) withContact(w http.ResponseWriter, r *http.Request, fn func(l *location, c *contactDoc) func()) {
	l := locFrom(r)
	s.mu.Lock()
	c, ok := l.contacts[r.PathValue("contactId")]
	var after func()
	if ok {
		after = fn(l, c)
	}
	s.mu.Unlock()
	if !ok {
		writeContactNotFound(w)
		return
	}
	after()
}
