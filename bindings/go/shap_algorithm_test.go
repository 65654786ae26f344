package polyscore_test

// PredictOptions.ShapAlgorithm (ps_predict_options.shap_algorithm, ABI 6), bit for bit
// against the training libraries' vectors: xgb34_* files were explained by XGBoost 3.4.1
// (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact TreeSHAP), so each case
// gives its vector under its own algorithm and not under the other; under the other it
// gives the cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0 explaining the
// 3.4.1 file, XGBoost 3.4.1 explaining the 3.2.0 file).

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

const (
	quadratureCase = "xgb34_binary_logistic" // XGBoost 3.4.1's pred_contribs
	treeshapCase   = "xgb3_binary_logistic"  // XGBoost 3.2.0's pred_contribs
	lightgbmCase   = "lgb4_binary"
)

type shapCase struct {
	vectorCase
	Interactions *output `json:"interactions"`
}

func shapCaseNamed(t *testing.T, name string) shapCase {
	t.Helper()
	data, err := os.ReadFile(vectorPath("manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []shapCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %s in the manifest", name)
	return shapCase{}
}

// crossVector is the other XGBoost's output for case under algorithm (its own bits), and
// its row count.
func crossVector(t *testing.T, name, algorithm, kind string) ([]float64, int) {
	t.Helper()
	data, err := os.ReadFile(vectorPath("shap_algorithms/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cases {
		var n string
		if json.Unmarshal(c["name"], &n) == nil && n == name+"."+algorithm {
			var o output
			if err := json.Unmarshal(c[kind], &o); err != nil {
				t.Fatal(err)
			}
			return readCSV(t, vectorPath("shap_algorithms/"+o.File), false)
		}
	}
	t.Fatalf("no cross vector %s.%s", name, algorithm)
	return nil, 0
}

// checkCross predicts kind of the first n rows under algo and checks it against the cross vector.
func checkCross(t *testing.T, m *polyscore.Model, c shapCase, x []float64, kind polyscore.OutputKind,
	algo polyscore.ShapAlgorithm) {
	t.Helper()
	want, n := crossVector(t, c.Name, algo.String(), map[polyscore.OutputKind]string{
		polyscore.OutputContrib: "contrib", polyscore.OutputInteractions: "interactions"}[kind])
	got, err := m.Predict(x[:n*c.NumFeatures], n, &polyscore.PredictOptions{Output: kind, NumThreads: 1, ShapAlgorithm: algo})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSlice(want, got) {
		t.Errorf("%v under %v differs from tests/vectors/shap_algorithms' %s.%s", kind, algo, c.Name, algo)
	}
}

func loadCase(t *testing.T, c shapCase) (*polyscore.Model, []float64, int) {
	t.Helper()
	m, err := polyscore.Load(vectorPath(c.Model))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	x, nRows := readCSV(t, vectorPath(c.Input), false)
	return m, x, nRows
}

// sameSlice reports whether got equals want bit for bit.
func sameSlice(want, got []float64) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !sameBits(want[i], got[i]) {
			return false
		}
	}
	return true
}

// checkAlgorithms predicts kind under each algorithm and checks which give want's bits.
func checkAlgorithms(t *testing.T, m *polyscore.Model, x []float64, nRows int, kind polyscore.OutputKind,
	want []float64, same map[polyscore.ShapAlgorithm]bool) {
	t.Helper()
	for algo, equal := range same {
		got, err := m.Predict(x, nRows, &polyscore.PredictOptions{Output: kind, NumThreads: 1, ShapAlgorithm: algo})
		if err != nil {
			t.Fatalf("%v %v: %v", kind, algo, err)
		}
		if sameSlice(want, got) != equal {
			t.Errorf("%v under %v: equal to the library's vector bit for bit = %v, want %v",
				kind, algo, !equal, equal)
		}
		if !equal { // other rounding of the same values
			for i := range want {
				if !closeTo(want[i], got[i], 1e-5) && !(abs(want[i]-got[i]) < 1e-6) {
					t.Fatalf("%v under %v: value %d is %v, the library's %v", kind, algo, i, got[i], want[i])
				}
			}
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestShapAlgorithmQuadratureIsXGBoost34(t *testing.T) {
	c := shapCaseNamed(t, quadratureCase)
	m, x, nRows := loadCase(t, c)
	want, _ := readCSV(t, vectorPath(c.Outputs["contrib"].File), false)
	checkAlgorithms(t, m, x, nRows, polyscore.OutputContrib, want, map[polyscore.ShapAlgorithm]bool{
		polyscore.ShapAuto: true, polyscore.ShapQuadrature: true, polyscore.ShapTreeSHAP: false})

	if c.Interactions == nil {
		t.Fatal("the case has no interactions vector")
	}
	wantI, _ := readCSV(t, vectorPath(c.Interactions.File), false)
	n := c.Interactions.Shape[0]
	checkAlgorithms(t, m, x[:n*c.NumFeatures], n, polyscore.OutputInteractions, wantI,
		map[polyscore.ShapAlgorithm]bool{polyscore.ShapQuadrature: true, polyscore.ShapTreeSHAP: false})

	// XGBoost 3.2.0's own bits explaining this 3.4.1 file
	checkCross(t, m, c, x, polyscore.OutputContrib, polyscore.ShapTreeSHAP)
	checkCross(t, m, c, x, polyscore.OutputInteractions, polyscore.ShapTreeSHAP)
}

func TestShapAlgorithmTreeSHAPIsXGBoost32(t *testing.T) {
	c := shapCaseNamed(t, treeshapCase)
	m, x, nRows := loadCase(t, c)
	want, _ := readCSV(t, vectorPath(c.Outputs["contrib"].File), false)
	checkAlgorithms(t, m, x, nRows, polyscore.OutputContrib, want, map[polyscore.ShapAlgorithm]bool{
		polyscore.ShapAuto: true, polyscore.ShapTreeSHAP: true, polyscore.ShapQuadrature: false})
	// XGBoost 3.4.1's own bits explaining this 3.2.0 file (what its pred_contribs gives)
	checkCross(t, m, c, x, polyscore.OutputContrib, polyscore.ShapQuadrature)

	// PredictRow and PredictCSR take it too.
	perRow := c.NumFeatures + 1
	quad, err := m.Predict(x, nRows, &polyscore.PredictOptions{Output: polyscore.OutputContrib,
		NumThreads: 1, ShapAlgorithm: polyscore.ShapQuadrature})
	if err != nil {
		t.Fatal(err)
	}
	row, err := m.PredictRow(x[:c.NumFeatures], &polyscore.PredictOptions{Output: polyscore.OutputContrib,
		ShapAlgorithm: polyscore.ShapQuadrature})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSlice(quad[:perRow], row) || sameSlice(want[:perRow], row) {
		t.Errorf("PredictRow under ShapQuadrature: %v, want %v (not the TreeSHAP %v)", row, quad[:perRow], want[:perRow])
	}
	csr := csrOf(x[:c.NumFeatures], c.NumFeatures, false)
	sparse, err := m.PredictCSR(csr.indptr, csr.indices, csr.values, c.NumFeatures,
		&polyscore.PredictOptions{Output: polyscore.OutputContrib, NumThreads: 1, ShapAlgorithm: polyscore.ShapQuadrature})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSlice(quad[:perRow], sparse) {
		t.Errorf("PredictCSR under ShapQuadrature: %v, want %v", sparse, quad[:perRow])
	}
}

func TestShapAlgorithmUnknownIsRefused(t *testing.T) {
	c := shapCaseNamed(t, quadratureCase)
	m, x, nRows := loadCase(t, c)
	opts := &polyscore.PredictOptions{Output: polyscore.OutputContrib, ShapAlgorithm: polyscore.ShapAlgorithm(7)}
	for name, call := range map[string]func() error{
		"Predict":    func() error { _, err := m.Predict(x, nRows, opts); return err },
		"PredictRow": func() error { _, err := m.PredictRow(x[:c.NumFeatures], opts); return err },
		"OutputSize": func() error { _, err := m.OutputSize(1, opts); return err },
	} {
		err := call()
		if !errors.Is(err, polyscore.ErrInvalidArgument) || !strings.Contains(err.Error(), "ShapAlgorithm 7") ||
			!strings.Contains(err.Error(), `"auto", "treeshap" or "quadrature"`) {
			t.Errorf("%s with ShapAlgorithm(7): %v, want ErrInvalidArgument naming 7 and the names", name, err)
		}
	}
	for name, want := range map[string]polyscore.ShapAlgorithm{
		"auto": polyscore.ShapAuto, "treeshap": polyscore.ShapTreeSHAP, "quadrature": polyscore.ShapQuadrature} {
		got, err := polyscore.ParseShapAlgorithm(name)
		if err != nil || got != want || got.String() != name {
			t.Errorf("ParseShapAlgorithm(%q) = %v, %v", name, got, err)
		}
	}
	_, err := polyscore.ParseShapAlgorithm("exact")
	if !errors.Is(err, polyscore.ErrInvalidArgument) || !strings.Contains(err.Error(), `"exact"`) ||
		!strings.Contains(err.Error(), `"auto", "treeshap" or "quadrature"`) {
		t.Errorf(`ParseShapAlgorithm("exact"): %v`, err)
	}
}

func TestShapAlgorithmQuadratureOnLightGBMIsUnsupported(t *testing.T) {
	c := shapCaseNamed(t, lightgbmCase)
	m, x, nRows := loadCase(t, c)
	_, err := m.Predict(x, nRows, &polyscore.PredictOptions{Output: polyscore.OutputContrib, NumThreads: 1,
		ShapAlgorithm: polyscore.ShapQuadrature})
	if !errors.Is(err, polyscore.ErrUnsupported) || !strings.Contains(strings.ToLower(err.Error()), "quadrature") {
		t.Errorf("ShapQuadrature on LightGBM: %v, want ErrUnsupported", err)
	}
	auto, err1 := m.Predict(x, nRows, &polyscore.PredictOptions{Output: polyscore.OutputContrib, NumThreads: 1})
	exact, err2 := m.Predict(x, nRows, &polyscore.PredictOptions{Output: polyscore.OutputContrib, NumThreads: 1,
		ShapAlgorithm: polyscore.ShapTreeSHAP})
	if err1 != nil || err2 != nil || !sameSlice(auto, exact) {
		t.Errorf("LightGBM under ShapTreeSHAP differs from ShapAuto (%v, %v)", err1, err2)
	}
}
