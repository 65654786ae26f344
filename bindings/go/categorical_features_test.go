package polyscore_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// The models CategoricalFeatures is checked on: categorical ones with and without the
// training categories, and numeric-only ones (tests/vectors).
var categoricalFeatureModels = []string{
	"models/xgb34_categorical_partition.json",     // features 1 and 3; XGBoost 3.4 on arrays: no lists
	"models/xgb3_categorical_multi_softprob.json", // feature 0; XGBoost 3.2 on arrays: no lists
	"models/xgb1_categorical_onehot.json",         // XGBoost 1.7: no category lists at all
	"models/lgb4_categorical.txt",                 // LightGBM on arrays: pandas_categorical:null
	"models/lgb3_categorical_binary.txt",          // feature 0
	"frames/xgb34_frame_binary.json",              // with its training categories
	"frames/lgb4_frame_binary.txt",                // with pandas_categorical lists
	"models/xgb34_binary_logistic.json",           // numeric only
	"models/lgb4_binary.txt",                      // numeric only
}

// XGBoost writes non-finite values as bare NaN / Infinity, which encoding/json refuses:
// they become 0 (only the split types are read).
var nonFinite = regexp.MustCompile(`([\[,:])-?(?:Infinity|NaN)`)

// xgboostCategoricalSplits reads the features an XGBoost JSON model's splits test as
// categories straight from the file: split_type 1 at split_indices, internal nodes only.
func xgboostCategoricalSplits(t *testing.T, text []byte) []int {
	type trees struct {
		Trees []struct {
			LeftChildren []int `json:"left_children"`
			SplitType    []int `json:"split_type"`
			SplitIndices []int `json:"split_indices"`
		} `json:"trees"`
	}
	var model struct {
		Learner struct {
			GradientBooster struct {
				Name   string `json:"name"`
				Model  trees  `json:"model"`
				Gbtree struct {
					Model trees `json:"model"`
				} `json:"gbtree"`
			} `json:"gradient_booster"`
		} `json:"learner"`
	}
	if err := json.Unmarshal(nonFinite.ReplaceAll(text, []byte("${1}0")), &model); err != nil {
		t.Fatal(err)
	}
	b := model.Learner.GradientBooster
	ts := b.Model.Trees
	if b.Name == "dart" {
		ts = b.Gbtree.Model.Trees
	}
	set := map[int]bool{}
	for _, tree := range ts {
		for i, left := range tree.LeftChildren {
			if left != -1 && tree.SplitType[i] == 1 {
				set[tree.SplitIndices[i]] = true
			}
		}
	}
	return sortedKeys(set)
}

// lightgbmCategoricalSplits: decision_type bit 0 at split_feature, per tree.
func lightgbmCategoricalSplits(t *testing.T, text []byte) []int {
	numbers := func(s string) []int {
		var out []int
		for _, f := range strings.Fields(s) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	set := map[int]bool{}
	var features []int
	for _, line := range strings.Split(string(text), "\n") {
		if rest, ok := strings.CutPrefix(line, "split_feature="); ok {
			features = numbers(rest)
		} else if rest, ok := strings.CutPrefix(line, "decision_type="); ok {
			types := numbers(rest)
			if len(types) != len(features) {
				t.Fatalf("decision_type has %d values, split_feature %d", len(types), len(features))
			}
			for i, dt := range types {
				if dt&1 != 0 {
					set[features[i]] = true
				}
			}
		}
	}
	return sortedKeys(set)
}

func sortedKeys(set map[int]bool) []int {
	out := []int{}
	for k := range set {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func TestCategoricalFeaturesAreTheFeaturesTheSplitsTestAsCategories(t *testing.T) {
	withCategorical := 0
	for _, rel := range categoricalFeatureModels {
		text, err := os.ReadFile(vectorPath(rel))
		if err != nil {
			t.Fatal(err)
		}
		want := lightgbmCategoricalSplits(t, text)
		if filepath.Ext(rel) == ".json" {
			want = xgboostCategoricalSplits(t, text)
		}
		if len(want) > 0 {
			withCategorical++
		}
		m, err := polyscore.LoadBuffer(text)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		got, err := m.CategoricalFeatures()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: CategoricalFeatures() = %v, %v; want %v", rel, got, err, want)
		}
		m.Close()
		if _, err := m.CategoricalFeatures(); !errors.Is(err, polyscore.ErrInvalidHandle) {
			t.Errorf("%s: CategoricalFeatures() after Close: %v, want ErrInvalidHandle", rel, err)
		}
	}
	if withCategorical != 7 {
		t.Errorf("%d of the models have categorical splits, want 7", withCategorical)
	}
}
