package polyscore

// What the binding declares of the C ABI itself equals abi_tests/layout.json, the one
// table abi_tests/layout_gen.c prints from the C header (schema: abi_tests/README.md):
// every PS_* constant the binding defines in Go (Status, Format, OutputKind,
// requiredABI) has the header's value, the binding covers all of them, and Info has
// one field for each field of ps_model_info. The C structs themselves are not compared:
// the binding has no definition of its own (cgo builds them from the header, so
// comparing them would compare the header with itself, which cannot fail).
//
// POLYSCORE_ABI_LAYOUT names another layout.json (to show that the check fails).

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type layoutField struct {
	Name   string `json:"name"`
	Offset uintptr
	Size   uintptr
	Type   string
}

type layoutStruct struct {
	Size        uintptr
	Align       uintptr
	Fields      []layoutField
	TailPadding uintptr `json:"tail_padding"`
}

type layoutTable struct {
	Schema     int
	ABIVersion int64 `json:"abi_version"`
	Platform   map[string]uintptr
	Structs    map[string]layoutStruct
	Constants  map[string]int64
}

func readLayout(t *testing.T) layoutTable {
	t.Helper()
	path := os.Getenv("POLYSCORE_ABI_LAYOUT")
	if path == "" {
		path = filepath.Join("..", "..", "abi_tests", "layout.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var l layoutTable
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if l.Schema != 1 {
		t.Fatalf("%s: schema %d, this test reads schema 1", path, l.Schema)
	}
	if len(l.Structs) == 0 || len(l.Constants) == 0 {
		t.Fatalf("%s: no structs or no constants", path)
	}
	return l
}

// goConstants are the PS_* constants the binding defines in Go, by Go name.
var goConstants = map[string]struct {
	c     string
	value int64
}{
	"requiredABI":           {"PS_ABI_VERSION", int64(requiredABI)},
	"StatusOK":              {"PS_OK", int64(StatusOK)},
	"StatusInvalidArgument": {"PS_ERR_INVALID_ARGUMENT", int64(StatusInvalidArgument)},
	"StatusInvalidHandle":   {"PS_ERR_INVALID_HANDLE", int64(StatusInvalidHandle)},
	"StatusIO":              {"PS_ERR_IO", int64(StatusIO)},
	"StatusParse":           {"PS_ERR_PARSE", int64(StatusParse)},
	"StatusUnsupported":     {"PS_ERR_UNSUPPORTED", int64(StatusUnsupported)},
	"StatusShape":           {"PS_ERR_SHAPE", int64(StatusShape)},
	"StatusBufferTooSmall":  {"PS_ERR_BUFFER_TOO_SMALL", int64(StatusBufferTooSmall)},
	"StatusOutOfMemory":     {"PS_ERR_OUT_OF_MEMORY", int64(StatusOutOfMemory)},
	"StatusABIVersion":      {"PS_ERR_ABI_VERSION", int64(StatusABIVersion)},
	"StatusInternal":        {"PS_ERR_INTERNAL", int64(StatusInternal)},
	"FormatAuto":            {"PS_FORMAT_AUTO", int64(FormatAuto)},
	"FormatXGBoostJSON":     {"PS_FORMAT_XGBOOST_JSON", int64(FormatXGBoostJSON)},
	"FormatXGBoostUBJSON":   {"PS_FORMAT_XGBOOST_UBJSON", int64(FormatXGBoostUBJSON)},
	"FormatLightGBMText":    {"PS_FORMAT_LIGHTGBM_TEXT", int64(FormatLightGBMText)},
	"OutputValue":           {"PS_OUTPUT_VALUE", int64(OutputValue)},
	"OutputMargin":          {"PS_OUTPUT_MARGIN", int64(OutputMargin)},
	"OutputLeaf":            {"PS_OUTPUT_LEAF", int64(OutputLeaf)},
	"OutputContrib":         {"PS_OUTPUT_CONTRIB", int64(OutputContrib)},
	"OutputInteractions":    {"PS_OUTPUT_INTERACTIONS", int64(OutputInteractions)},
	"ShapAuto":              {"PS_SHAP_AUTO", int64(ShapAuto)},
	"ShapTreeSHAP":          {"PS_SHAP_TREESHAP", int64(ShapTreeSHAP)},
	"ShapQuadrature":        {"PS_SHAP_QUADRATURE", int64(ShapQuadrature)},
	"CategoryString":        {"PS_CATEGORY_STRING", int64(CategoryString)},
	"CategoryInteger":       {"PS_CATEGORY_INTEGER", int64(CategoryInteger)},
	"CategoryReal":          {"PS_CATEGORY_REAL", int64(CategoryReal)},
	"CategoryBoolean":       {"PS_CATEGORY_BOOLEAN", int64(CategoryBoolean)},
}

// goCovers says, by the prefix of a C constant's name, which Go constant the
// binding must have for it ("" means none: the binding passes C.PS_DTYPE_* as cgo
// gives them, so it has no copy that could drift).
func goCovers(c string) (prefix string, known bool) {
	switch {
	case c == "PS_ABI_VERSION":
		return "requiredABI", true
	case c == "PS_OK", strings.HasPrefix(c, "PS_ERR_"):
		return "Status", true
	case strings.HasPrefix(c, "PS_FORMAT_"):
		return "Format", true
	case strings.HasPrefix(c, "PS_OUTPUT_"):
		return "Output", true
	case strings.HasPrefix(c, "PS_SHAP_"):
		return "Shap", true
	case strings.HasPrefix(c, "PS_DTYPE_"), c == "PS_CATEGORY_FEATURE_UNKNOWN":
		return "", true
	case strings.HasPrefix(c, "PS_CATEGORY_"):
		return "Category", true
	}
	return "", false
}

// goFieldName is the Go name of a C field: num_features -> NumFeatures.
func goFieldName(c string) string {
	parts := strings.Split(c, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// Info, the Go view of ps_model_info, has each of its fields (but struct_size and
// reserved ones), in order.
func TestABILayoutInfoFields(t *testing.T) {
	st, ok := readLayout(t).Structs["ps_model_info"]
	if !ok {
		t.Fatal("layout.json has no ps_model_info")
	}
	var want []string
	for _, f := range st.Fields {
		if f.Name != "struct_size" && !strings.HasPrefix(f.Name, "reserved") {
			want = append(want, goFieldName(f.Name))
		}
	}
	var got []string
	typ := reflect.TypeOf(Info{})
	for i := 0; i < typ.NumField(); i++ {
		got = append(got, typ.Field(i).Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Info has fields %v, ps_model_info in layout.json %v", got, want)
	}
}

// declaredConstants returns the names of every constant declared in the
// package's non-test Go files.
func declaredConstants(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					names = append(names, id.Name)
				}
			}
		}
	}
	return names
}

func TestABILayoutConstants(t *testing.T) {
	want := readLayout(t).Constants

	// Every constant the Go code declares is one of goConstants...
	for _, name := range declaredConstants(t) {
		if _, ok := goConstants[name]; !ok {
			t.Errorf("constant %s is declared in the package but not checked against layout.json (add it to goConstants)", name)
		}
	}
	// ...and has the header's value.
	covered := map[string]string{}
	for goName, gc := range goConstants {
		covered[gc.c] = goName
		v, ok := want[gc.c]
		if !ok {
			t.Errorf("%s stands for %s, which layout.json lacks", goName, gc.c)
			continue
		}
		if gc.value != v {
			t.Errorf("%s = %d, but %s = %d in layout.json", goName, gc.value, gc.c, v)
		}
	}
	// Every constant of the table has its Go constant, where the binding has one.
	for c := range want {
		prefix, known := goCovers(c)
		switch {
		case !known:
			t.Errorf("layout.json has %s, of a kind this test does not know: decide which Go constant stands for it", c)
		case prefix == "" && covered[c] != "":
			t.Errorf("%s has Go constant %s; update goCovers", c, covered[c])
		case prefix != "" && !strings.HasPrefix(covered[c], prefix):
			t.Errorf("layout.json has %s, but the binding has no %s* constant for it", c, prefix)
		}
	}

	// Status.String gives the C name of each status code.
	for goName, gc := range goConstants {
		if p, _ := goCovers(gc.c); p == "Status" {
			if got := Status(gc.value).String(); got != gc.c {
				t.Errorf("%s.String() = %q, want %q", goName, got, gc.c)
			}
		}
	}
}
