package polyscore_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the polyscore checkout holding this module (bindings/go).
var repoRoot = func() string {
	p, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return p
}()

var fraudModel = filepath.Join(repoRoot, "examples", "fraud", "fraud-v3.json")

type output struct {
	File  string `json:"file"`
	Shape []int  `json:"shape"`
}

type vectorCase struct {
	Name           string            `json:"name"`
	Library        string            `json:"library"`
	Model          string            `json:"model"`
	Format         string            `json:"format"`
	NumFeatures    int               `json:"num_features"`
	Input          string            `json:"input"`
	Dtype          string            `json:"dtype"`
	IterationBegin int               `json:"iteration_begin"`
	IterationEnd   int               `json:"iteration_end"`
	Outputs        map[string]output `json:"outputs"`
}

func vectorPath(rel string) string { return filepath.Join(repoRoot, "tests", "vectors", rel) }

func readManifest(t testing.TB) []vectorCase {
	t.Helper()
	data, err := os.ReadFile(vectorPath("manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatal("manifest has no cases")
	}
	return m.Cases
}

func parseValue(t testing.TB, s string) float64 {
	t.Helper()
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "nan") {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q: %v", s, err)
	}
	return v
}

// parseCSV reads headerless comma-separated numbers ("nan" or empty = NaN) into a
// flat row-major slice and returns it with the row count.
func parseCSV(t testing.TB, text []byte, header bool) ([]float64, int) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if header && len(recs) > 0 {
		recs = recs[1:]
	}
	var flat []float64
	for _, rec := range recs {
		for _, f := range rec {
			flat = append(flat, parseValue(t, f))
		}
	}
	return flat, len(recs)
}

func readCSV(t testing.TB, path string, header bool) ([]float64, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseCSV(t, data, header)
}

// cliPath is the polyscore CLI of the library under test, or "" when not found.
func cliPath() string {
	dir := os.Getenv("POLYSCORE_BUILD_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot, "build")
	}
	p := filepath.Join(dir, "polyscore")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}

// cliPredict runs `polyscore predict MODEL --input - --output KIND` on rows.
func cliPredict(t testing.TB, cli, model, kind string, rows []float64, nCols int) []float64 {
	t.Helper()
	var in bytes.Buffer
	for i, v := range rows {
		if math.IsNaN(v) {
			in.WriteString("nan")
		} else {
			in.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		if (i+1)%nCols == 0 {
			in.WriteByte('\n')
		} else {
			in.WriteByte(',')
		}
	}
	cmd := exec.Command(cli, "predict", model, "--input", "-", "--output", kind)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", cli, err, stderr.String())
	}
	flat, _ := parseCSV(t, out, false)
	return flat
}

// sameBits compares two results bit for bit (NaN equals NaN).
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// close is the C conformance test's comparison: relative tolerance, NaN = NaN.
func closeTo(expected, actual, rel float64) bool {
	if math.IsNaN(expected) {
		return math.IsNaN(actual)
	}
	if expected == actual {
		return true
	}
	return math.Abs(expected-actual) <= rel*math.Max(math.Abs(expected), math.Abs(actual))
}

// rssBytes is the resident set size of this process, from /proc/self/statm.
func rssBytes(t testing.TB) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	fields := strings.Fields(string(data))
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
