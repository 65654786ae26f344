package polyscore_test

// Rows given by feature name (PredictNamed, NamedRows): the same scores as the
// positional Predict, bit for bit, and a clear error for every mismatch.

import (
	"math"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

// loadVectorCase loads the model of the manifest case name and its input rows.
func loadVectorCase(t *testing.T, name string) (*polyscore.Model, []float64, int) {
	t.Helper()
	for _, c := range readManifest(t) {
		if c.Name != name {
			continue
		}
		m, err := polyscore.Load(vectorPath(c.Model))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		x, nRows := readCSV(t, vectorPath(c.Input), false)
		return m, x, nRows
	}
	t.Fatalf("no case %q in the manifest", name)
	return nil, nil, 0
}

// byName turns row-major rows into maps from the model's feature names, filling each
// map in reverse column order (what the caller's order is must not matter).
func byName(names []string, x []float64, nRows int) []map[string]float64 {
	rows := make([]map[string]float64, nRows)
	for r := range rows {
		rows[r] = make(map[string]float64, len(names))
		for j := len(names) - 1; j >= 0; j-- {
			rows[r][names[j]] = x[r*len(names)+j]
		}
	}
	return rows
}

func TestPredictNamedEqualsPredictBitForBit(t *testing.T) {
	// LightGBM conformance models with feature names (Column_0...; multiclass, and
	// categorical splits; their inputs have missing values), then the fraud example
	// (amount_zscore, velocity).
	for _, name := range []string{"lgb4_multiclass", "lgb4_categorical"} {
		t.Run(name, func(t *testing.T) {
			m, x, nRows := loadVectorCase(t, name)
			names, err := m.FeatureNames()
			if err != nil {
				t.Fatal(err)
			}
			rows := byName(names, x, nRows)
			for _, opts := range []*polyscore.PredictOptions{nil, {Output: polyscore.OutputMargin, NumThreads: 2}} {
				want, err := m.Predict(x, nRows, opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.PredictNamed(rows, opts)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("PredictNamed gave %d values, Predict %d", len(got), len(want))
				}
				for i := range want {
					if !sameBits(got[i], want[i]) {
						t.Fatalf("value %d: PredictNamed %v, Predict %v", i, got[i], want[i])
					}
				}
			}
		})
	}
	m := loadFraud(t)
	got, err := m.PredictNamed([]map[string]float64{
		{"velocity": 1.2, "amount_zscore": 0.4},
		{"amount_zscore": math.NaN(), "velocity": 0.5},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Predict([]float64{0.4, 1.2, math.NaN(), 0.5}, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !sameBits(got[0], want[0]) || !sameBits(got[1], want[1]) {
		t.Fatalf("fraud model: PredictNamed %v, Predict %v", got, want)
	}
}

func TestNamedRowsLaysOutTheModelsOrder(t *testing.T) {
	m := loadFraud(t)
	flat, err := m.NamedRows([]map[string]float64{{"velocity": 2, "amount_zscore": 1}})
	if err != nil || len(flat) != 2 || flat[0] != 1 || flat[1] != 2 {
		t.Fatalf("NamedRows = %v, %v; want [1 2] (amount_zscore, velocity)", flat, err)
	}
	got, err := m.PredictNamed(nil, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("PredictNamed(no rows) = %v, %v; want an empty result", got, err)
	}
}

func TestPredictNamedErrors(t *testing.T) {
	m := loadFraud(t)
	ok := map[string]float64{"amount_zscore": 0.4, "velocity": 1.2}

	// A typo: the unknown name and the feature it left out are both named.
	_, err := m.PredictNamed([]map[string]float64{ok, {"amount_zscore": 0.4, "velocty": 1.2}}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, "row 1", `unknown feature "velocty"`,
		`missing feature "velocity"`)
	// A name the model does not have, beside all that it has.
	_, err = m.PredictNamed([]map[string]float64{{"amount_zscore": 0.4, "velocity": 1.2, "country": 3}}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, "row 0", `unknown feature "country"`)
	// A feature left out: an error, as a missing DataFrame column is in Python.
	_, err = m.PredictNamed([]map[string]float64{{"amount_zscore": 0.4}}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, `missing feature "velocity"`, "NaN")
	_, err = m.PredictNamed([]map[string]float64{nil}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, `missing features "amount_zscore", "velocity"`)
	// Names match exactly as the model stores them.
	_, err = m.PredictNamed([]map[string]float64{{"Amount_zscore": 0.4, "velocity": 1.2}}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, `unknown feature "Amount_zscore"`)

	// A model whose file names no features (this XGBoost model has none).
	unnamed, _, _ := loadVectorCase(t, "xgb1_binary_logistic")
	_, err = unnamed.PredictNamed([]map[string]float64{{"f0": 1}}, nil)
	wantError(t, err, polyscore.ErrInvalidArgument, "names no feature", "Predict")

	m.Close()
	_, err = m.PredictNamed([]map[string]float64{ok}, nil)
	wantError(t, err, polyscore.ErrInvalidHandle)
	var nilModel *polyscore.Model
	_, err = nilModel.PredictNamed([]map[string]float64{ok}, nil)
	wantError(t, err, polyscore.ErrInvalidHandle)
}
