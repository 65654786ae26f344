package polyscore

// The binding's view of the C ABI equals abi_tests/layout.json, which
// abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md):
// every public C struct, as cgo translates it, has the header's size and alignment
// and every field its name, order, offset, size and type; every PS_* constant the
// binding defines in Go (Status, Format, OutputKind, requiredABI) or passes to C
// (the dtypes) has the header's value, and the binding covers all of them.
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
	"sort"
	"strconv"
	"strings"
	"testing"
	"unsafe"
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
}

// goCovers says, by the prefix of a C constant's name, which Go constant the
// binding must have for it ("" means none: the binding passes C.PS_DTYPE_* as
// cgo gives them, checked through cgoConstants).
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
	case strings.HasPrefix(c, "PS_DTYPE_"):
		return "", true
	}
	return "", false
}

func TestABILayoutPlatform(t *testing.T) {
	want := readLayout(t).Platform
	got := cgoPlatform()
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("layout.json platform has %s, which cgoPlatform (layout.go) lacks", k)
		} else if g != v {
			t.Errorf("sizeof %s = %d, layout.json %d: this data model differs, the table does not apply", k, g, v)
		}
	}
	if p := unsafe.Sizeof(uintptr(0)); p != want["pointer_size"] {
		t.Errorf("Go pointer size %d, layout.json %d", p, want["pointer_size"])
	}
}

func TestABILayoutEveryStructIsChecked(t *testing.T) {
	l := readLayout(t)
	have := cgoStructs()
	for name := range l.Structs {
		if _, ok := have[name]; !ok {
			t.Errorf("layout.json has struct %s, which cgoStructs (layout.go) does not check", name)
		}
	}
	for name := range have {
		if _, ok := l.Structs[name]; !ok {
			t.Errorf("cgoStructs (layout.go) has %s, which layout.json lacks", name)
		}
	}
}

// kindsOf lists the reflect.Kinds a C type of layout.json may have in cgo's view.
func kindsOf(cType string) []reflect.Kind {
	switch cType {
	case "size_t":
		return []reflect.Kind{reflect.Uint64, reflect.Uint32, reflect.Uintptr}
	case "int32_t":
		return []reflect.Kind{reflect.Int32}
	case "uint32_t":
		return []reflect.Kind{reflect.Uint32}
	case "int64_t":
		return []reflect.Kind{reflect.Int64}
	case "double":
		return []reflect.Kind{reflect.Float64}
	case "float":
		return []reflect.Kind{reflect.Float32}
	case "char": // signed or not, by platform
		return []reflect.Kind{reflect.Int8, reflect.Uint8}
	}
	return nil
}

func checkType(t *testing.T, where string, got reflect.Type, cType string) {
	t.Helper()
	if elem, n, ok := strings.Cut(cType, "["); ok {
		if got.Kind() != reflect.Array || strings.TrimSuffix(n, "]") != strconv.Itoa(got.Len()) {
			t.Errorf("%s: cgo type %v, layout.json %s", where, got, cType)
			return
		}
		checkType(t, where+"[]", got.Elem(), elem)
		return
	}
	kinds := kindsOf(cType)
	if kinds == nil {
		t.Errorf("%s: layout.json type %q is unknown to this test", where, cType)
		return
	}
	for _, k := range kinds {
		if got.Kind() == k {
			return
		}
	}
	t.Errorf("%s: cgo type %v (%v), layout.json %s", where, got, got.Kind(), cType)
}

func TestABILayoutStructs(t *testing.T) {
	l := readLayout(t)
	have := cgoStructs()
	names := make([]string, 0, len(l.Structs))
	for name := range l.Structs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := l.Structs[name]
		got, ok := have[name]
		if !ok {
			continue // TestABILayoutEveryStructIsChecked reports it
		}
		t.Run(name, func(t *testing.T) {
			if got.size != want.Size || got.typ.Size() != want.Size {
				t.Errorf("unsafe.Sizeof = %d (reflect %d), layout.json %d", got.size, got.typ.Size(), want.Size)
			}
			if got.align != want.Align {
				t.Errorf("unsafe.Alignof = %d, layout.json %d", got.align, want.Align)
			}
			// cgo's struct: every field, in order; cgo may add "_" padding fields.
			var fields []reflect.StructField
			for i := 0; i < got.typ.NumField(); i++ {
				if f := got.typ.Field(i); f.Name != "_" {
					fields = append(fields, f)
				}
			}
			var gotNames, wantNames []string
			for _, f := range fields {
				gotNames = append(gotNames, f.Name)
			}
			for _, f := range want.Fields {
				wantNames = append(wantNames, f.Name)
			}
			if !reflect.DeepEqual(gotNames, wantNames) {
				t.Fatalf("fields %v, layout.json %v", gotNames, wantNames)
			}
			if len(got.offsets) != len(want.Fields) {
				t.Errorf("layout.go takes unsafe.Offsetof of %d fields, layout.json has %d", len(got.offsets), len(want.Fields))
			}
			for i, w := range want.Fields {
				f := fields[i]
				where := name + "." + w.Name
				off, ok := got.offsets[w.Name]
				if !ok {
					t.Errorf("%s: layout.go does not take its unsafe.Offsetof", where)
				} else if off != w.Offset {
					t.Errorf("%s: unsafe.Offsetof = %d, layout.json %d", where, off, w.Offset)
				}
				if f.Offset != w.Offset {
					t.Errorf("%s: reflect offset %d, layout.json %d", where, f.Offset, w.Offset)
				}
				if f.Type.Size() != w.Size {
					t.Errorf("%s: size %d, layout.json %d", where, f.Type.Size(), w.Size)
				}
				checkType(t, where, f.Type, w.Type)
			}
			if n := len(want.Fields); n > 0 {
				last := want.Fields[n-1]
				if tail := got.size - last.Offset - last.Size; tail != want.TailPadding {
					t.Errorf("tail padding %d, layout.json %d", tail, want.TailPadding)
				}
			}
		})
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

	// What cgo sees in the header (the values behind C.PS_* in polyscore.go).
	cgo := cgoConstants()
	for c, v := range want {
		if got, ok := cgo[c]; !ok {
			t.Errorf("layout.json has %s = %d, which cgoConstants (layout.go) lacks", c, v)
		} else if got != v {
			t.Errorf("C.%s = %d as cgo sees it, layout.json %d", c, got, v)
		}
	}
	for c := range cgo {
		if _, ok := want[c]; !ok {
			t.Errorf("cgoConstants (layout.go) has %s, which layout.json lacks", c)
		}
	}

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
