package ghltest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every row of FIDELITY.md names at least one test, and every test it names exists.
func TestFidelityRowsNameTests(t *testing.T) {
	doc, err := os.ReadFile("FIDELITY.md")
	require.NoError(t, err)
	sources := map[string]string{} // package prefix ("" or "ghlclient.") -> its test sources
	for prefix, dir := range map[string]string{"": ".", "ghlclient.": "ghlclient"} {
		files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		require.NoError(t, err)
		var b strings.Builder
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			b.Write(src)
		}
		sources[prefix] = b.String()
	}
	row := regexp.MustCompile(`^\| (\d+) \|`)
	named := regexp.MustCompile("`((?:ghlclient\\.)?)(Test[A-Za-z0-9_]+)`")
	rows := 0
	for _, line := range strings.Split(string(doc), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		tests := named.FindAllStringSubmatch(line, -1)
		if !assert.NotEmpty(t, tests, "row %s names no test", m[1]) {
			continue
		}
		for _, tc := range tests {
			assert.Contains(t, sources[tc[1]], "func "+tc[2]+"(t *testing.T)", "row %s names %s%s", m[1], tc[1], tc[2])
		}
	}
	assert.Equal(t, 92, rows)
}
