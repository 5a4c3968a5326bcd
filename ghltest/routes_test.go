package ghltest

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation of the Contacts spec reaches a handler of the fake: the answer is one of
// the fake's JSON bodies, never ServeMux's plain-text 404 or 405.
func TestEveryOperationIsRouted(t *testing.T) {
	raw, err := os.ReadFile("../testdata/contacts.openapi.json")
	require.NoError(t, err)
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))

	srv := newAPIServer(t)
	cid := createContactAPI(t, srv, map[string]any{"email": "routes@example.com"})
	res := callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/tasks", map[string]any{"title": "t", "dueDate": "2024-01-01T00:00:00Z", "completed": false})
	taskID := res.body["task"].(map[string]any)["id"].(string)
	res = callAPI(t, srv, http.MethodPost, "/contacts/"+cid+"/notes", map[string]any{"body": "n"})
	noteID := res.body["note"].(map[string]any)["id"].(string)
	params := strings.NewReplacer("{contactId}", cid, "{taskId}", taskID, "{id}", noteID, "{campaignId}", "camp1",
		"{workflowId}", "wf1", "{businessId}", "biz1", "{type}", "add")

	var ops []string
	for path, methods := range spec.Paths {
		for method := range methods {
			switch method {
			case "get", "post", "put", "delete", "patch":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(ops)
	// Delete the contact last, so the other operations find it.
	const deleteContact = "DELETE /contacts/{contactId}"
	require.Contains(t, ops, deleteContact)
	ops = append(slices.DeleteFunc(ops, func(op string) bool { return op == deleteContact }), deleteContact)
	require.Len(t, ops, 32)
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		var body any
		if method != http.MethodGet {
			body = map[string]any{}
		}
		res := callAPI(t, srv, method, params.Replace(path)+"?locationId="+srv.LocationID(), body)
		assert.NotEqual(t, http.StatusMethodNotAllowed, res.status, op)
		assert.NotNil(t, res.body, "%s answered %d %s", op, res.status, res.raw)
		assert.NotContains(t, string(res.raw), "Cannot "+method, op)
	}
}
