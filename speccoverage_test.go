package ghl

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestMain runs the suite, then checks that the tests sent every operation of the Contacts
// spec (testdata/contacts.openapi.json, a copy of GHL's) through the SDK. The check judges
// only a run of the whole package: with -run or -skip, most requests are never sent. Started
// with -ghl.serve-contacts, the binary is a server process instead (startContactsServer).
func TestMain(m *testing.M) {
	flag.Parse()
	if *serveContacts > 0 {
		os.Exit(serveContactsMain(*serveContacts))
	}
	code := m.Run()
	if code == 0 && wholePackageRan() {
		report, ok := checkSpecCoverage("testdata/contacts.openapi.json", &sentRequests)
		fmt.Println(report)
		if !ok {
			code = 1
		}
	}
	os.Exit(code)
}

func wholePackageRan() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

// specOperation is one (method, path template) of the spec.
type specOperation struct {
	method, template string
	re               *regexp.Regexp
	params           int
}

func loadSpecOperations(file string) ([]specOperation, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, err
	}
	param := regexp.MustCompile(`\\\{[^}]+\\\}`)
	var ops []specOperation
	for tmpl, methods := range spec.Paths {
		for m := range methods {
			switch m {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue // "parameters" and extensions
			}
			ops = append(ops, specOperation{
				method:   strings.ToUpper(m),
				template: tmpl,
				re:       regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$"),
				params:   strings.Count(tmpl, "{"),
			})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].template+ops[i].method < ops[j].template+ops[j].method })
	return ops, nil
}

// checkSpecCoverage reports which spec operations no test sent. A request counts for the most
// specific operation it matches, so DELETE .../campaigns/removeAll does not also stand in for
// DELETE .../campaigns/{campaignId}.
func checkSpecCoverage(file string, log *requestLog) (string, bool) {
	ops, err := loadSpecOperations(file)
	if err != nil {
		return "spec coverage: " + err.Error(), false
	}
	covered := map[int]bool{}
	log.mu.Lock()
	for key := range log.sent {
		method, path, _ := strings.Cut(key, " ")
		best := -1
		for i, op := range ops {
			if op.method == method && op.re.MatchString(path) && (best < 0 || op.params < ops[best].params) {
				best = i
			}
		}
		if best >= 0 {
			covered[best] = true
		}
	}
	log.mu.Unlock()
	var missing []string
	for i, op := range ops {
		// Cross-check with the shared matcher, which every covered operation must satisfy.
		if !covered[i] || !log.matched(op.method, op.template) {
			missing = append(missing, op.method+" "+op.template)
		}
	}
	report := fmt.Sprintf("spec coverage: %d/%d operations", len(ops)-len(missing), len(ops))
	if len(missing) > 0 {
		report += "; never sent by a test:\n\t" + strings.Join(missing, "\n\t")
	}
	return report, len(missing) == 0 && len(ops) > 0
}

// The check must fail when an operation was never sent, and a literal path must not stand in
// for the template it also matches.
func TestSpecCoverageCheckFailsOnMissingOperation(t *testing.T) {
	file := t.TempDir() + "/spec.json"
	spec := `{"paths":{
		"/contacts/{contactId}/campaigns/{campaignId}":{"delete":{},"parameters":[]},
		"/contacts/{contactId}/campaigns/removeAll":{"delete":{}},
		"/contacts/upsert":{"post":{}}}}`
	if err := os.WriteFile(file, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	var log requestLog
	log.add("DELETE", "/contacts/c1/campaigns/removeAll")
	log.add("POST", "/contacts/upsert")
	log.add("GET", "/contacts/c1")
	report, ok := checkSpecCoverage(file, &log)
	if ok {
		t.Fatalf("check passed with an operation never sent: %s", report)
	}
	want := "spec coverage: 2/3 operations; never sent by a test:\n\tDELETE /contacts/{contactId}/campaigns/{campaignId}"
	if report != want {
		t.Errorf("report = %q, want %q", report, want)
	}

	log.add("DELETE", "/contacts/c1/campaigns/camp%2F1")
	if report, ok := checkSpecCoverage(file, &log); !ok || report != "spec coverage: 3/3 operations" {
		t.Errorf("report = %q, ok = %v", report, ok)
	}
}

func TestSpecCopyHasAllOperations(t *testing.T) {
	ops, err := loadSpecOperations("testdata/contacts.openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 32 {
		t.Fatalf("testdata spec has %d operations, want 32", len(ops))
	}
}
