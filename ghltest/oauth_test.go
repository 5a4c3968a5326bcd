package ghltest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postForm sends a form to the fake and decodes its JSON answer.
func postForm(t *testing.T, srv *Server, path string, form url.Values, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(data, &body), string(data))
	return resp.StatusCode, body
}

func getContacts(t *testing.T, srv *Server, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/contacts/"+missingID, nil)
	require.NoError(t, err)
	req.Header.Set("Version", APIVersion)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func exchangeForm(code, userType string) url.Values {
	return url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"grant_type": {"authorization_code"}, "code": {code}, "user_type": {userType}}
}

func refreshForm(rt string) url.Values {
	return url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "user_type": {"Location"}}
}

func TestOAuthExchangeAndRefresh(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	code := srv.AuthorizationCode("loc-a")

	// /oauth/token needs no Version header.
	status, body := postForm(t, srv, "/oauth/token", exchangeForm(code, "Location"), nil)
	require.Equal(t, http.StatusOK, status, body)
	at, rt := body["access_token"].(string), body["refresh_token"].(string)
	assert.True(t, strings.HasPrefix(at, "ghltest-at-"))
	assert.True(t, strings.HasPrefix(rt, "ghltest-rt-"))
	assert.Equal(t, map[string]any{
		"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": float64(86399),
		"scope": DefaultScope, "userType": "Location", "locationId": "loc-a", "companyId": DefaultCompanyID,
		"userId": DefaultUserID, "isBulkInstallation": false,
	}, body)

	// The token reaches the location's data (a 404 for a missing contact, not a 401).
	status, _ = getContacts(t, srv, at)
	assert.Equal(t, http.StatusNotFound, status)

	// The code is single-use.
	status, body = postForm(t, srv, "/oauth/token", exchangeForm(code, "Location"), nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", body["error"])

	status, body = postForm(t, srv, "/oauth/token", refreshForm(rt), nil)
	require.Equal(t, http.StatusOK, status, body)
	assert.NotEqual(t, rt, body["refresh_token"])
	assert.Equal(t, 1, srv.RefreshCount())
	assert.Zero(t, srv.RefreshTokenReuses())

	// This test presents a used refresh token on purpose, to check that the fake counts it.
	status, body = postForm(t, srv, "/oauth/token", refreshForm(rt), nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, map[string]any{"statusCode": float64(400), "message": "Invalid grant: refresh token is invalid", "error": "invalid_grant"}, body)
	assert.Equal(t, 1, srv.RefreshTokenReuses())
	assert.Equal(t, 1, srv.RefreshCount())

	// Unknown refresh tokens are refused without counting as a reuse.
	status, _ = postForm(t, srv, "/oauth/token", refreshForm("never-issued"), nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, 1, srv.RefreshTokenReuses())
}

func TestOAuthTokenRequestChecks(t *testing.T) {
	srv := NewServer(WithOAuthApp("cid", "csecret"))
	defer srv.Close()
	code := srv.AuthorizationCode("loc-a")
	form := url.Values{"client_id": {"cid"}, "client_secret": {"wrong"}, "grant_type": {"authorization_code"}, "code": {code}}
	status, body := postForm(t, srv, "/oauth/token", form, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "Invalid client: client credentials are invalid", body["message"])

	form.Del("client_secret")
	status, body = postForm(t, srv, "/oauth/token", form, nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Missing parameter: client_secret", body["message"])

	form.Set("client_secret", "csecret")
	form.Set("grant_type", "password")
	status, body = postForm(t, srv, "/oauth/token", form, nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Invalid parameter: grant_type", body["message"])

	form.Set("grant_type", "authorization_code")
	form.Set("user_type", "Agency")
	status, _ = postForm(t, srv, "/oauth/token", form, nil)
	assert.Equal(t, http.StatusBadRequest, status)

	form.Set("user_type", "Company")
	status, body = postForm(t, srv, "/oauth/token", form, nil)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "Company", body["userType"])
	assert.Nil(t, body["locationId"])
	assert.Equal(t, []any{"loc-a"}, body["approvedLocations"])
}

func TestOAuthAccessTokenLifetimeAndExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := NewServer(WithAccessTokenLifetime(90*time.Second), WithClock(clock))
	defer srv.Close()
	status, body := postForm(t, srv, "/oauth/token", exchangeForm(srv.AuthorizationCode("loc-a"), "Location"), nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(90), body["expires_in"])
	at := body["access_token"].(string)

	status, body = getContacts(t, srv, "not-a-token")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, map[string]any{"statusCode": float64(401), "message": "Invalid token: access token is invalid", "error": "Unauthorized"}, body)

	srv.ExpireAccessTokens()
	status, body = getContacts(t, srv, at)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "Invalid JWT: access token has expired", body["message"])

	// Fixed tokens do not expire.
	status, _ = getContacts(t, srv, srv.Token())
	assert.Equal(t, http.StatusNotFound, status)
}

func TestOAuthLocationInactive(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, body := postForm(t, srv, "/oauth/token", exchangeForm(srv.AuthorizationCode("loc-a"), "Location"), nil)
	rt := body["refresh_token"].(string)

	srv.SetLocationActive("loc-a", false)
	status, body := postForm(t, srv, "/oauth/token", refreshForm(rt), nil)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, map[string]any{"statusCode": float64(400), "message": "Location is not active"}, body)

	srv.SetLocationActive("loc-a", true)
	status, _ = postForm(t, srv, "/oauth/token", refreshForm(rt), nil)
	assert.Equal(t, http.StatusOK, status, "the refresh token survived")
	assert.Zero(t, srv.RefreshTokenReuses())
}

func TestOAuthLocationToken(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	_, body := postForm(t, srv, "/oauth/token", exchangeForm(srv.AuthorizationCode("loc-a"), "Company"), nil)
	agency := body["access_token"].(string)
	form := url.Values{"companyId": {DefaultCompanyID}, "locationId": {"loc-a"}}

	// Unlike /oauth/token, this endpoint requires Version.
	status, body := postForm(t, srv, "/oauth/locationToken", form, http.Header{"Authorization": {"Bearer " + agency}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "version header was not found", body["message"])

	hdr := http.Header{"Authorization": {"Bearer " + agency}, "Version": {APIVersion}}
	status, body = postForm(t, srv, "/oauth/locationToken", form, hdr)
	require.Equal(t, http.StatusCreated, status, body)
	assert.Equal(t, "loc-a", body["locationId"])
	assert.Equal(t, "Location", body["userType"])
	assert.NotEmpty(t, body["refresh_token"])
	assert.Equal(t, 1, srv.LocationTokensMinted())
	status, _ = getContacts(t, srv, body["access_token"].(string))
	assert.Equal(t, http.StatusNotFound, status)

	// A location token cannot mint.
	status, _ = postForm(t, srv, "/oauth/locationToken", form, http.Header{"Authorization": {"Bearer " + body["access_token"].(string)}, "Version": {APIVersion}})
	assert.Equal(t, http.StatusUnauthorized, status)

	status, body = postForm(t, srv, "/oauth/locationToken", url.Values{"companyId": {DefaultCompanyID}}, hdr)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Equal(t, []any{"locationId should not be empty"}, body["message"])

	srv.SetLocationActive("loc-a", false)
	status, body = postForm(t, srv, "/oauth/locationToken", form, hdr)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "Location is not active", body["message"])

	srv.RevokeTokens(DefaultCompanyID)
	status, _ = postForm(t, srv, "/oauth/locationToken", form, hdr)
	assert.Equal(t, http.StatusUnauthorized, status)
}
