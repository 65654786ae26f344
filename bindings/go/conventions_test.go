package polyscore_test

// The conventions every binding shares with C (docs/bindings.md): num_threads 0 is
// all cores, an empty batch gives an empty result, info after close and any use of
// a nil model give a typed invalid-handle error and never a panic.

import (
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

func TestNumThreadsZeroIsAllCoresAndNegativeIsAnError(t *testing.T) {
	m := loadFraud(t)
	rows := []float64{0.4, 1.2, 0, 0.5}
	one, err := m.Predict(rows, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, err := m.Predict(rows, 2, &polyscore.PredictOptions{NumThreads: 0})
	if err != nil || len(all) != 2 || !sameBits(all[0], one[0]) || !sameBits(all[1], one[1]) {
		t.Fatalf("NumThreads 0: %v, %v; want %v", all, err, one)
	}
	_, err = m.Predict(rows, 2, &polyscore.PredictOptions{NumThreads: -1})
	wantError(t, err, polyscore.ErrInvalidArgument, "NumThreads", "-1")
	if d := polyscore.DefaultPredictOptions(); d.NumThreads != 1 || d.Output != polyscore.OutputValue {
		t.Fatalf("DefaultPredictOptions() = %+v, want PS_PREDICT_OPTIONS_INIT's one thread, values", d)
	}
}

func TestEmptyBatchGivesEmptyResult(t *testing.T) {
	m := loadFraud(t)
	for _, opts := range []*polyscore.PredictOptions{nil, {Output: polyscore.OutputLeaf}} {
		got, err := m.Predict([]float64{}, 0, opts)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Predict(empty, 0, %+v) = %#v, %v; want an empty slice", opts, got, err)
		}
		got32, err := m.PredictFloat32(nil, 0, opts)
		if err != nil || len(got32) != 0 {
			t.Fatalf("PredictFloat32(nil, 0) = %v, %v", got32, err)
		}
	}
}

func TestNilModelNeverPanics(t *testing.T) {
	var m *polyscore.Model
	calls := map[string]func() error{
		"Info":           func() error { _, err := m.Info(); return err },
		"FeatureNames":   func() error { _, err := m.FeatureNames(); return err },
		"Categories":     func() error { _, err := m.Categories(); return err },
		"OutputSize":     func() error { _, err := m.OutputSize(1, nil); return err },
		"Predict":        func() error { _, err := m.Predict([]float64{1, 2}, 1, nil); return err },
		"PredictFloat32": func() error { _, err := m.PredictFloat32([]float32{1, 2}, 1, nil); return err },
		"PredictInto":    func() error { _, err := m.PredictInto(make([]float64, 1), []float64{1, 2}, 1, nil); return err },
		"PredictCSR": func() error {
			_, err := m.PredictCSR([]int64{0, 1}, []int32{0}, []float64{1}, 2, nil)
			return err
		},
		"PredictRow":     func() error { _, err := m.PredictRow([]float64{1, 2}, nil); return err },
		"PredictRowInto": func() error { _, err := m.PredictRowInto(make([]float64, 1), []float64{1, 2}, nil); return err },
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close() on a nil model = %v", err)
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantError(t, call(), polyscore.ErrInvalidHandle)
		})
	}
}

func TestInfoAfterCloseIsAnInvalidHandleError(t *testing.T) {
	m, err := polyscore.Load(fraudModel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Info(); err != nil {
		t.Fatal(err)
	}
	m.Close()
	_, err = m.Info()
	wantError(t, err, polyscore.ErrInvalidHandle, "closed")
}

func TestNamesAreTheCLIs(t *testing.T) {
	for f, want := range map[polyscore.Format]string{
		polyscore.FormatXGBoostJSON: "xgboost-json", polyscore.FormatXGBoostUBJSON: "xgboost-ubjson",
		polyscore.FormatLightGBMText: "lightgbm-text",
	} {
		if f.String() != want {
			t.Errorf("%d.String() = %q, want %q", int32(f), f.String(), want)
		}
	}
	if polyscore.StatusParse.String() != "PS_ERR_PARSE" || polyscore.OutputMargin.String() != "margin" {
		t.Errorf("names: %v %v", polyscore.StatusParse, polyscore.OutputMargin)
	}
}

func TestEmptyCSRBatchGivesEmptyResult(t *testing.T) {
	m := loadFraud(t)
	got, err := m.PredictCSR([]int64{0}, nil, nil, 2, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("PredictCSR of 0 rows = %v, %v; want an empty slice", got, err)
	}
}
