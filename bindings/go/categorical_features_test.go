package polyscore_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// The features each model's splits test as categories, read straight from the model
// files by tests/gen/make_categorical_feature_vectors.py: categorical models with and
// without the training categories, and numeric-only ones.
type categoricalFeaturesCase struct {
	Model               string `json:"model"`
	CategoricalFeatures []int  `json:"categorical_features"`
}

func readCategoricalFeatures(t *testing.T) []categoricalFeaturesCase {
	t.Helper()
	data, err := os.ReadFile(vectorPath("categorical_features.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []categoricalFeaturesCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Cases
}

func TestCategoricalFeaturesAreTheFeaturesTheSplitsTestAsCategories(t *testing.T) {
	withCategorical, numericOnly := 0, 0
	for _, c := range readCategoricalFeatures(t) {
		if len(c.CategoricalFeatures) > 0 {
			withCategorical++
		} else {
			numericOnly++
		}
		m, err := polyscore.Load(vectorPath(c.Model))
		if err != nil {
			t.Fatalf("%s: %v", c.Model, err)
		}
		got, err := m.CategoricalFeatures()
		if err != nil || !reflect.DeepEqual(got, c.CategoricalFeatures) {
			t.Errorf("%s: CategoricalFeatures() = %v, %v; want %v", c.Model, got, err, c.CategoricalFeatures)
		}
		m.Close()
		if _, err := m.CategoricalFeatures(); !errors.Is(err, polyscore.ErrInvalidHandle) {
			t.Errorf("%s: CategoricalFeatures() after Close: %v, want ErrInvalidHandle", c.Model, err)
		}
	}
	if withCategorical == 0 || numericOnly == 0 {
		t.Errorf("%d models with categorical splits, %d numeric-only: want both", withCategorical, numericOnly)
	}
}
