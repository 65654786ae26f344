package polyscore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// The training categories of the frame models (tests/vectors/frames, trained on
// DataFrames by the real libraries), read through the C ABI.
func TestCategories(t *testing.T) {
	strs := func(kind polyscore.CategoryKind, texts ...string) []polyscore.Category {
		out := make([]polyscore.Category, len(texts))
		for i, s := range texts {
			out[i] = polyscore.Category{Kind: kind, Text: s}
		}
		return out
	}
	merchants := strs(polyscore.CategoryString, "grocery", "travel", "games", "fuel", "pharmacy", "jewelry", "cash", "hotel")
	countries := strs(polyscore.CategoryString, "FR", "DE", "US", "BR", "JP")
	channels := strs(polyscore.CategoryInteger, "1", "2", "4", "8")
	frames := filepath.Join(repoRoot, "tests", "vectors", "frames")
	cases := map[string][]polyscore.CategoryList{
		"lgb4_frame_binary.txt":  {{Feature: -1, Values: merchants}, {Feature: -1, Values: countries}, {Feature: -1, Values: channels}},
		"xgb3_frame_binary.json": {{Feature: 1, Values: merchants}, {Feature: 3, Values: countries}, {Feature: 4, Values: channels}},
		"xgb3_frame_binary.ubj":  {{Feature: 1, Values: merchants}, {Feature: 3, Values: countries}, {Feature: 4, Values: channels}},
		"xgb1_frame_binary.json": {},
	}
	for file, want := range cases {
		data, err := os.ReadFile(filepath.Join(frames, file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := polyscore.LoadBuffer(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got, err := m.Categories()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Categories() = %+v, %v; want %+v", file, got, err, want)
		}
		m.Close()
		if _, err := m.Categories(); !errors.Is(err, polyscore.ErrInvalidHandle) {
			t.Errorf("%s: Categories() after Close: %v, want ErrInvalidHandle", file, err)
		}
	}
}

// CategoriesSaved: whether the file saved lists at all, even none. LightGBM's
// "pandas_categorical:[]" is saved, "null" is not; every XGBoost 3 model is, 1.x is not.
func TestCategoriesSaved(t *testing.T) {
	read := func(parts ...string) []byte {
		data, err := os.ReadFile(filepath.Join(append([]string{repoRoot, "tests", "vectors"}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	lgb := read("frames", "lgb4_frame_binary.txt")
	head := lgb[:bytes.LastIndex(lgb, []byte("pandas_categorical:"))]
	cases := []struct {
		name  string
		data  []byte
		saved bool
	}{
		{"lgb4 frame (3 lists)", lgb, true},
		{"lgb4 frame, pandas_categorical:[]", append(append([]byte{}, head...), "pandas_categorical:[]\n"...), true},
		{"lgb4 frame, pandas_categorical:null", append(append([]byte{}, head...), "pandas_categorical:null\n"...), false},
		{"xgb3 frame", read("frames", "xgb3_frame_binary.json"), true},
		{"xgb3 on arrays", read("models", "xgb3_categorical_partition.json"), true},
		{"xgb1 frame", read("frames", "xgb1_frame_binary.json"), false},
	}
	for _, c := range cases {
		m, err := polyscore.LoadBuffer(c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if saved, err := m.CategoriesSaved(); err != nil || saved != c.saved {
			t.Errorf("%s: CategoriesSaved() = %v, %v; want %v", c.name, saved, err, c.saved)
		}
		m.Close()
		if _, err := m.CategoriesSaved(); !errors.Is(err, polyscore.ErrInvalidHandle) {
			t.Errorf("%s: CategoriesSaved() after Close: %v, want ErrInvalidHandle", c.name, err)
		}
	}
}
