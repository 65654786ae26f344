package polyscore_test

// PredictOptions.BaseMargin: per-row margin offsets (XGBoost's base_margin), checked
// against tests/vectors/offsets, made by XGBoost with base_margin and by LightGBM with
// init_score added by hand.

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

type offsetCase struct {
	Name       string            `json:"name"`
	Library    string            `json:"library"`
	Model      string            `json:"model"`
	NumMargins int               `json:"num_margins"`
	Input      string            `json:"input"`
	BaseMargin string            `json:"base_margin"`
	Outputs    map[string]output `json:"outputs"`
}

func offsetCases(t *testing.T) []offsetCase {
	t.Helper()
	data, err := os.ReadFile(vectorPath("offsets/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []offsetCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &m); err != nil || len(m.Cases) == 0 {
		t.Fatalf("offsets manifest: %v (%d cases)", err, len(m.Cases))
	}
	return m.Cases
}

// XGBoost's float32 results are repeated to the bit; LightGBM's value was made with
// numpy's exp, which may differ from the C library's in the last bit.
func sameOffsetResult(c offsetCase, want, got float64) bool {
	if c.Library == "lightgbm" {
		return closeTo(want, got, 4e-16)
	}
	return sameBits(want, got)
}

func TestBaseMarginMatchesTheLibrary(t *testing.T) {
	kinds := map[string]polyscore.OutputKind{
		"value": polyscore.OutputValue, "margin": polyscore.OutputMargin, "contrib": polyscore.OutputContrib,
		"interactions": polyscore.OutputInteractions,
	}
	for _, c := range offsetCases(t) {
		m, err := polyscore.Load(vectorPath("offsets/" + c.Model))
		if err != nil {
			t.Fatal(err)
		}
		x, nRows := readCSV(t, vectorPath("offsets/"+c.Input), false)
		bm, _ := readCSV(t, vectorPath("offsets/"+c.BaseMargin), false)
		nCols := len(x) / nRows
		for name, kind := range kinds {
			if _, ok := c.Outputs[name]; !ok {
				continue // interactions: XGBoost tree models only
			}
			want, _ := readCSV(t, vectorPath("offsets/"+c.Outputs[name].File), false)
			opts := &polyscore.PredictOptions{Output: kind, NumThreads: 1, BaseMargin: bm}
			got, err := m.Predict(x, nRows, opts)
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, name, err)
			}
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v) // the inputs are float32 values
			}
			got32, err := m.PredictFloat32(x32, nRows, opts)
			if err != nil {
				t.Fatalf("%s %s float32: %v", c.Name, name, err)
			}
			if len(got) != len(want) || len(got32) != len(want) {
				t.Fatalf("%s %s: %d and %d values, want %d", c.Name, name, len(got), len(got32), len(want))
			}
			for i := range want {
				if !sameOffsetResult(c, want[i], got[i]) || !sameBits(got[i], got32[i]) {
					t.Fatalf("%s %s value %d: want %v, got %v (float32 input %v)", c.Name, name, i, want[i], got[i], got32[i])
				}
			}
			// Sparse input, and each row alone with its own offsets.
			csr := csrOf(x, nCols, c.Library == "lightgbm")
			gotCSR, err := m.PredictCSR(csr.indptr, csr.indices, csr.values, nCols, opts)
			if err != nil {
				t.Fatalf("%s %s CSR: %v", c.Name, name, err)
			}
			per := len(want) / nRows
			for r := 0; r < nRows; r++ {
				rowOpts := &polyscore.PredictOptions{Output: kind, BaseMargin: bm[r*c.NumMargins : (r+1)*c.NumMargins]}
				one, err := m.PredictRow(x[r*nCols:(r+1)*nCols], rowOpts)
				if err != nil {
					t.Fatalf("%s %s row %d: %v", c.Name, name, r, err)
				}
				for k := 0; k < per; k++ {
					if !sameBits(one[k], got[r*per+k]) || !sameBits(gotCSR[r*per+k], got[r*per+k]) {
						t.Fatalf("%s %s row %d: row or CSR path disagrees with dense", c.Name, name, r)
					}
				}
			}
			// Without the offsets: the model's base score, other numbers.
			plain, err := m.Predict(x, nRows, &polyscore.PredictOptions{Output: kind, NumThreads: 1})
			if err != nil {
				t.Fatal(err)
			}
			differ := 0
			for i := range want {
				if !sameOffsetResult(c, want[i], plain[i]) {
					differ++
				}
			}
			if differ <= nRows/2 {
				t.Fatalf("%s %s: only %d values change without the offsets", c.Name, name, differ)
			}
		}
		m.Close()
	}
}

func TestBaseMarginErrors(t *testing.T) {
	m, err := polyscore.Load(vectorPath("offsets/models/xgb3_offset_softprob.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	row := make([]float64, 5)
	rows := make([]float64, 5*4)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"one per row for three margins", func() error {
			_, err := m.Predict(rows, 4, &polyscore.PredictOptions{NumThreads: 1, BaseMargin: make([]float64, 4)})
			return err
		}, "expected 4 rows x 3 margins = 12"},
		{"empty, not nil", func() error {
			_, err := m.Predict(rows, 4, &polyscore.PredictOptions{NumThreads: 1, BaseMargin: []float64{}})
			return err
		}, "expected 4 rows x 3 margins = 12"},
		{"single row", func() error {
			_, err := m.PredictRow(row, &polyscore.PredictOptions{BaseMargin: []float64{1}})
			return err
		}, "expected 1 rows x 3 margins = 3"},
		{"leaf output", func() error {
			_, err := m.Predict(rows, 4, &polyscore.PredictOptions{Output: polyscore.OutputLeaf, NumThreads: 1,
				BaseMargin: make([]float64, 12)})
			return err
		}, "PS_OUTPUT_LEAF"},
	} {
		err := tc.call()
		if !errors.Is(err, polyscore.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrInvalidArgument with %q", tc.name, err, tc.want)
		}
	}
	// NaN offsets go through, as the training library takes them.
	out, err := m.PredictRow(row, &polyscore.PredictOptions{Output: polyscore.OutputMargin,
		BaseMargin: []float64{math.NaN(), 0, 0}})
	if err != nil || !math.IsNaN(out[0]) || math.IsNaN(out[1]) {
		t.Errorf("NaN offset: %v %v", out, err)
	}
}
