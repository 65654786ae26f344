package polyscore_test

import (
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
