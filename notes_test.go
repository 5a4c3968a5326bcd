package ghl

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// GetNoteSchema's example from the spec, plus a field the schema does not list.
const noteJSON = `{"id":"HGPcayliwcdoUFzvbTok","body":"lorem ipsum","userId":"TUcmRxWrjqzJS8EjkxNK",
	"dateAdded":"2021-07-08T12:02:11.285Z","contactId":"TUcmRxWrjqzJS8EjkxNK","title":"Follow-up summary",
	"color":"#FFAA00","pinned":true,"relations":[{"objectKey":"contact"}]}`

func assertSpecNote(t *testing.T, n *Note) {
	t.Helper()
	require.NotNil(t, n)
	assert.Equal(t, "HGPcayliwcdoUFzvbTok", n.ID)
	assert.Equal(t, "lorem ipsum", n.Body)
	assert.Equal(t, "TUcmRxWrjqzJS8EjkxNK", n.UserID)
	assert.Equal(t, "TUcmRxWrjqzJS8EjkxNK", n.ContactID)
	assert.Equal(t, "Follow-up summary", n.Title)
	assert.Equal(t, "#FFAA00", n.Color)
	assert.True(t, n.Pinned)
	require.NotNil(t, n.DateAdded)
	assert.Equal(t, "2021-07-08T12:02:11.285Z", n.DateAdded.Raw)
	assert.JSONEq(t, `[{"objectKey":"contact"}]`, string(n.Extra["relations"]))
}

func TestNotesList(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c1/notes", resp: `{"notes":[` + noteJSON + `]}`})
	notes, _, err := client.Notes.List(context.Background(), "c1")
	require.NoError(t, err)
	require.Len(t, notes, 1)
	assertSpecNote(t, notes[0])
}

func TestNotesGet(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{method: http.MethodGet, path: "/contacts/c1/notes/HGPcayliwcdoUFzvbTok", resp: `{"note":` + noteJSON + `}`})
	n, _, err := client.Notes.Get(context.Background(), "c1", "HGPcayliwcdoUFzvbTok")
	require.NoError(t, err)
	assertSpecNote(t, n)
}

func TestNotesCreate(t *testing.T) {
	client, mux := setup(t)
	expect(t, mux, wire{
		method: http.MethodPost, path: "/contacts/c1/notes",
		body:   `{"userId":"GCs5KuzPqTls7vWclkEV","body":"lorem ipsum","title":"Follow-up summary","color":"#FFAA00","pinned":false}`,
		status: http.StatusCreated,
		resp:   `{"note":` + noteJSON + `}`,
	})
	n, resp, err := client.Notes.Create(context.Background(), "c1", &NoteCreateRequest{
		UserID: "GCs5KuzPqTls7vWclkEV", Body: "lorem ipsum", Title: "Follow-up summary", Color: "#FFAA00", Pinned: Ptr(false),
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assertSpecNote(t, n)
}

func TestNotesCreateRejectsBadInput(t *testing.T) {
	client, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	for param, req := range map[string]*NoteCreateRequest{"req": nil, "req.Body": {Title: "no body"}} {
		_, _, err := client.Notes.Create(context.Background(), "c1", req)
		var pe *InvalidParamError
		require.ErrorAs(t, err, &pe, param)
		assert.Equal(t, param, pe.Param)
	}
	_, _, err := client.Notes.Update(context.Background(), "c1", "n1", nil)
	assert.ErrorIs(t, err, ErrInvalidParam)
}

func TestNotesUpdate(t *testing.T) {
	client, mux := setup(t)
	// Only what is set goes out; an update needs no body text.
	expect(t, mux, wire{method: http.MethodPut, path: "/contacts/c1/notes/n1", body: `{"pinned":true,"color":null,"x":"y"}`, resp: `{"note":` + noteJSON + `}`})
	n, _, err := client.Notes.Update(context.Background(), "c1", "n1", &NoteUpdateRequest{Pinned: Ptr(true), Null: []string{"color"}, Extra: Extra{"x": json.RawMessage(`"y"`)}})
	require.NoError(t, err)
	assertSpecNote(t, n)
}

func TestNotesDelete(t *testing.T) {
	client, mux := setup(t)
	calls := expect(t, mux, wire{method: http.MethodDelete, path: "/contacts/c1/notes/n1", resp: `{"succeded":true}`})
	_, err := client.Notes.Delete(context.Background(), "c1", "n1")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load())
}

func TestNoteRoundTripKeepsUnknownFields(t *testing.T) {
	var n Note
	require.NoError(t, json.Unmarshal([]byte(noteJSON), &n))
	out, err := json.Marshal(n)
	require.NoError(t, err)
	assert.JSONEq(t, noteJSON, string(out))
}
