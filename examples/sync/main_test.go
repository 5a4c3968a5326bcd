package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	require.NoError(t, err)
	assert.False(t, cfg.realMode())
	assert.Equal(t, 3000, cfg.contacts)
	assert.Equal(t, filepath.Join(os.TempDir(), "linkedphone-demo.json"), cfg.dataPath, "the default must not write into the repository")

	cfg, err = parseConfig([]string{"-write", "-v", "-data", "x.json"}, env(map[string]string{envToken: "pit-123", envLocation: "loc1"}), io.Discard)
	require.NoError(t, err)
	assert.True(t, cfg.realMode())
	assert.True(t, cfg.write)
	assert.True(t, cfg.verbose)
	assert.Equal(t, "x.json", cfg.dataPath)

	cfg, err = parseConfig(nil, env(map[string]string{envToken: "pit-123", envLocation: "loc1"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(os.TempDir(), "linkedphone-loc1.json"), cfg.dataPath)
}

func TestParseConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"token without location": {env: map[string]string{envToken: "pit-123"}, want: "GHL_ACCESS_TOKEN is set but GHL_LOCATION_ID is not"},
		"location without token": {env: map[string]string{envLocation: "loc1"}, want: "GHL_LOCATION_ID is set but GHL_ACCESS_TOKEN is not"},
		"token with whitespace":  {env: map[string]string{envToken: "pit 123", envLocation: "loc1"}, want: "contains whitespace"},
		"bad location":           {env: map[string]string{envToken: "pit", envLocation: "a/b"}, want: "does not look like a location ID"},
		"write in demo":          {args: []string{"-write"}, want: "-write only applies with"},
		"negative contacts":      {args: []string{"-contacts", "-1"}, want: "must be between 0 and 100000"},
		"unknown flag":           {args: []string{"-nope"}, want: "flag provided but not defined"},
		"stray argument":         {args: []string{"extra"}, want: `unexpected argument "extra"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseConfig(tc.args, env(tc.env), io.Discard)
			var ue *usageError
			require.ErrorAs(t, err, &ue)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
