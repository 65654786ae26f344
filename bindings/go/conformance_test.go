package polyscore_test

import (
	"math"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

var outputKinds = []struct {
	name string
	kind polyscore.OutputKind
}{{"value", polyscore.OutputValue}, {"margin", polyscore.OutputMargin}, {"leaf", polyscore.OutputLeaf}}

// TestConformance runs every case of tests/vectors/manifest.json, every output
// kind: the batch result must match the training library's values (the C suite's
// tolerance) and the C library's CLI bit for bit; for float64 input the single-row
// and CSR paths must give the same bits as the batch path.
func TestConformance(t *testing.T) {
	cli := cliPath()
	if cli == "" {
		t.Log("polyscore CLI not found: comparing with the expected files only")
	}
	cases := readManifest(t)
	checked := 0
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			model := vectorPath(c.Model)
			m, err := polyscore.Load(model)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if info, err := m.Info(); err != nil || info.NumFeatures != c.NumFeatures {
				t.Fatalf("Info() = %+v, %v; manifest says %d features", info, err, c.NumFeatures)
			}
			x, nRows := readCSV(t, vectorPath(c.Input), false)
			f32 := c.Dtype == "float32"
			rel := 1e-6
			x32 := make([]float32, len(x))
			if f32 {
				rel = 1e-5
				for i, v := range x {
					x32[i] = float32(v)
					x[i] = float64(x32[i]) // what the library sees, for the CLI
				}
			}
			for _, o := range outputKinds {
				spec, ok := c.Outputs[o.name]
				if !ok {
					continue
				}
				opts := &polyscore.PredictOptions{Output: o.kind, IterationBegin: c.IterationBegin, IterationEnd: c.IterationEnd}
				var got []float64
				if f32 {
					got, err = m.PredictFloat32(x32, nRows, opts)
				} else {
					got, err = m.Predict(x, nRows, opts)
				}
				if err != nil {
					t.Fatalf("%s: %v", o.name, err)
				}
				want, wantRows := readCSV(t, vectorPath(spec.File), false)
				if wantRows != nRows || len(want) != spec.Shape[0]*spec.Shape[1] || len(got) != len(want) {
					t.Fatalf("%s: got %d values, expected file has %d (%d rows, shape %v)", o.name, len(got), len(want), wantRows, spec.Shape)
				}
				per := len(got) / nRows
				for i := range want {
					if !closeTo(want[i], got[i], rel) {
						t.Fatalf("%s: row %d col %d: training library %v, binding %v", o.name, i/per, i%per, want[i], got[i])
					}
				}
				if cli != "" && c.IterationBegin == 0 && c.IterationEnd == 0 {
					ref := cliPredict(t, cli, model, o.name, x, c.NumFeatures)
					if len(ref) != len(got) {
						t.Fatalf("%s: CLI gave %d values, binding %d", o.name, len(ref), len(got))
					}
					for i := range ref {
						if !sameBits(ref[i], got[i]) {
							t.Fatalf("%s: value %d: C library %v, binding %v (not bit-equal)", o.name, i, ref[i], got[i])
						}
					}
				}
				if f32 {
					continue // the row and CSR paths take float64
				}
				row := make([]float64, per)
				// values over all rounds are also scored with nil options, PredictRowInto's
				// own fast path
				defaults := o.kind == polyscore.OutputValue && c.IterationBegin == 0 && c.IterationEnd == 0
				for r := 0; r < nRows; r++ {
					for _, rowOpts := range []*polyscore.PredictOptions{opts, nil} {
						if rowOpts == nil && !defaults {
							continue
						}
						clear(row)
						n, err := m.PredictRowInto(row, x[r*c.NumFeatures:(r+1)*c.NumFeatures], rowOpts)
						if err != nil || n != per {
							t.Fatalf("%s: PredictRowInto row %d (options %v): n=%d err=%v", o.name, r, rowOpts, n, err)
						}
						for k := range row {
							if !sameBits(row[k], got[r*per+k]) {
								t.Fatalf("%s: row %d (options %v): single-row path %v, batch %v", o.name, r, rowOpts, row[k], got[r*per+k])
							}
						}
					}
				}
				csr := csrOf(x, c.NumFeatures, c.Library == "lightgbm")
				gotCSR, err := m.PredictCSR(csr.indptr, csr.indices, csr.values, c.NumFeatures, opts)
				if err != nil {
					t.Fatalf("%s: PredictCSR: %v", o.name, err)
				}
				for i := range got {
					if !sameBits(gotCSR[i], got[i]) {
						t.Fatalf("%s: value %d: CSR %v, dense %v", o.name, i, gotCSR[i], got[i])
					}
				}
			}
		})
		checked++
	}
	t.Logf("%d conformance cases", checked)
}

type csrRows struct {
	indptr  []int64
	indices []int32
	values  []float64
}

// csrOf leaves out what the training library treats as absent in a sparse
// matrix: NaN for XGBoost, 0.0 for LightGBM.
func csrOf(x []float64, nCols int, lightgbm bool) csrRows {
	c := csrRows{indptr: []int64{0}}
	for i, v := range x {
		absent := math.IsNaN(v)
		if lightgbm {
			absent = v == 0
		}
		if !absent {
			c.indices = append(c.indices, int32(i%nCols))
			c.values = append(c.values, v)
		}
		if (i+1)%nCols == 0 {
			c.indptr = append(c.indptr, int64(len(c.indices)))
		}
	}
	return c
}
