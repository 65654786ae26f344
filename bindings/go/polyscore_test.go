package polyscore_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

func loadFraud(t testing.TB) *polyscore.Model {
	t.Helper()
	m, err := polyscore.Load(fraudModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestFraudExample(t *testing.T) {
	m := loadFraud(t)
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != polyscore.FormatXGBoostJSON || info.NumFeatures != 2 || info.NumOutputs != 1 ||
		info.Objective != "binary:logistic" {
		t.Fatalf("Info() = %+v", info)
	}
	names, err := m.FeatureNames()
	if err != nil || strings.Join(names, ",") != "amount_zscore,velocity" {
		t.Fatalf("FeatureNames() = %q, %v", names, err)
	}
	expected, n := readCSV(t, filepath.Join(repoRoot, "examples", "fraud", "expected.csv"), true)
	for r := 0; r < n; r++ {
		rec := expected[r*3 : r*3+3]
		got, err := m.PredictRow(rec[:2], nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !closeTo(rec[2], got[0], 1e-6) {
			t.Errorf("row %v: got %v, want %v", rec[:2], got, rec[2])
		}
	}
	if v := polyscore.Version(); v == "" || polyscore.ABIVersion() < 1 {
		t.Errorf("Version() = %q, ABIVersion() = %d", v, polyscore.ABIVersion())
	}
}

func TestLoadBuffer(t *testing.T) {
	data, err := os.ReadFile(fraudModel)
	if err != nil {
		t.Fatal(err)
	}
	m, err := polyscore.LoadBuffer(data)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ref := loadFraud(t)
	rows := []float64{0.4, 1.2, 0, 0.5, math.NaN(), 3}
	a, err := m.Predict(rows, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ref.Predict(rows, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if !sameBits(a[i], b[i]) {
			t.Fatalf("LoadBuffer and Load disagree: %v vs %v", a, b)
		}
	}
}

func TestEmptyBatch(t *testing.T) {
	m := loadFraud(t)
	got, err := m.Predict(nil, 0, &polyscore.PredictOptions{NumThreads: 0})
	if err != nil || len(got) != 0 {
		t.Fatalf("Predict(nil, 0) = %v, %v", got, err)
	}
}

// wantError checks err's kind with errors.Is and errors.As and that the message
// contains each of the given parts.
func wantError(t *testing.T, err error, kind error, parts ...string) *polyscore.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %v is not %v", err, kind)
	}
	var pe *polyscore.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %T is not a *polyscore.Error", err)
	}
	for _, p := range parts {
		if !strings.Contains(pe.Message, p) {
			t.Fatalf("message %q does not contain %q", pe.Message, p)
		}
	}
	return pe
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()

	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(dir, "nope.json")
		_, err := polyscore.Load(path)
		wantError(t, err, polyscore.ErrIO, path, "No such file")
		if errors.Is(err, polyscore.ErrParse) {
			t.Fatal("an I/O error also matches ErrParse")
		}
	})

	t.Run("corrupt model", func(t *testing.T) {
		for _, name := range []string{"fraud", "lgb"} {
			src := fraudModel
			if name == "lgb" {
				src = vectorPath(readManifest(t)[0].Model)
			}
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+"-truncated"+filepath.Ext(src))
			if err := os.WriteFile(path, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = polyscore.Load(path)
			pe := wantError(t, err, polyscore.ErrParse, path)
			t.Logf("%s: %v (offset %d)", name, err, pe.Offset)
			_, err = polyscore.LoadBuffer(data[:len(data)/2])
			wantError(t, err, polyscore.ErrParse)
		}
		_, err := polyscore.LoadBuffer(nil)
		wantError(t, err, polyscore.ErrParse)
	})

	m := loadFraud(t)

	t.Run("wrong feature count", func(t *testing.T) {
		_, err := m.PredictRow([]float64{1, 2, 3}, nil)
		wantError(t, err, polyscore.ErrShape, "input has 3 features per row but the model expects 2")
		_, err = m.Predict([]float64{1, 2, 3, 4, 5, 6}, 2, nil)
		wantError(t, err, polyscore.ErrShape, "3 features", "expects 2")
		_, err = m.PredictFloat32([]float32{1, 2, 3}, 3, nil)
		wantError(t, err, polyscore.ErrShape, "1 features", "expects 2")
		_, err = m.PredictRow(nil, nil)
		wantError(t, err, polyscore.ErrShape, "input has 0 features")
		_, err = m.PredictCSR([]int64{0, 1}, []int32{0}, []float64{1}, 5, nil)
		wantError(t, err, polyscore.ErrShape, "5 features")
	})

	t.Run("wrong slice length", func(t *testing.T) {
		_, err := m.Predict([]float64{1, 2, 3}, 2, nil)
		wantError(t, err, polyscore.ErrShape, "3 values", "nRows = 2")
		_, err = m.Predict([]float64{1, 2}, 0, nil)
		wantError(t, err, polyscore.ErrShape)
		_, err = m.Predict(nil, -1, nil)
		wantError(t, err, polyscore.ErrInvalidArgument)
		_, err = m.PredictCSR([]int64{0, 3}, []int32{0}, []float64{1}, 2, nil)
		wantError(t, err, polyscore.ErrShape, "indptr[1] = 3")
		_, err = m.PredictCSR([]int64{0, 1}, []int32{7}, []float64{1}, 2, nil)
		wantError(t, err, polyscore.ErrShape, "column index 7")
	})

	t.Run("output too small", func(t *testing.T) {
		dst := make([]float64, 1)
		n, err := m.PredictInto(dst, []float64{1, 2, 3, 4}, 2, nil)
		wantError(t, err, polyscore.ErrBufferTooSmall, "holds 1 values but 2 are needed")
		if n != 0 || dst[0] != 0 {
			t.Fatalf("wrote into a short buffer: n=%d dst=%v", n, dst)
		}
		_, err = m.PredictRowInto(nil, []float64{1, 2}, nil)
		wantError(t, err, polyscore.ErrBufferTooSmall)
	})

	t.Run("row with default options", func(t *testing.T) {
		// PredictRowInto's fast path (nil options) and its failures: the same typed
		// errors as with options, nothing written on failure
		dst := []float64{-1, -1}
		n, err := m.PredictRowInto(dst, []float64{1, 2, 3}, nil)
		wantError(t, err, polyscore.ErrShape, "3 features")
		if n != 0 || dst[0] != -1 {
			t.Fatalf("a failed call wrote: n=%d dst=%v", n, dst)
		}
		_, err = m.PredictRowInto(dst, nil, nil)
		wantError(t, err, polyscore.ErrShape)
		_, err = m.PredictRowInto(dst[:0], []float64{1, 2}, nil)
		wantError(t, err, polyscore.ErrBufferTooSmall)
		nan := []float64{math.NaN(), 1.2}
		n, err = m.PredictRowInto(dst, nan, nil)
		want, err2 := m.Predict(nan, 1, &polyscore.PredictOptions{Output: polyscore.OutputValue})
		if err != nil || err2 != nil || n != 1 || len(want) != 1 || dst[0] != want[0] || dst[1] != -1 {
			t.Fatalf("NaN row: n=%d dst=%v err=%v; Predict %v err=%v", n, dst, err, want, err2)
		}
	})

	t.Run("bad options", func(t *testing.T) {
		_, err := m.PredictRow([]float64{1, 2}, &polyscore.PredictOptions{Output: 7})
		wantError(t, err, polyscore.ErrInvalidArgument, "unknown output kind 7")
		_, err = m.Predict([]float64{1, 2}, 1, &polyscore.PredictOptions{IterationBegin: -1})
		wantError(t, err, polyscore.ErrInvalidArgument)
		_, err = m.Predict([]float64{1, 2}, 1, &polyscore.PredictOptions{IterationEnd: 100000})
		wantError(t, err, polyscore.ErrInvalidArgument)
	})

	t.Run("use after close", func(t *testing.T) {
		m, err := polyscore.Load(fraudModel)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal("second Close:", err)
		}
		_, err = m.PredictRow([]float64{1, 2}, nil)
		wantError(t, err, polyscore.ErrInvalidHandle, "freed")
		_, err = m.Predict([]float64{1, 2}, 1, nil)
		wantError(t, err, polyscore.ErrInvalidHandle)
		_, err = m.FeatureNames()
		wantError(t, err, polyscore.ErrInvalidHandle)
		_, err = m.Info()
		wantError(t, err, polyscore.ErrInvalidHandle, "closed")
	})

	t.Run("error text", func(t *testing.T) {
		_, err := m.PredictRow([]float64{1}, nil)
		if err.Error() != "polyscore: PS_ERR_SHAPE: input has 1 features per row but the model expects 2" {
			t.Fatalf("Error() = %q", err.Error())
		}
	})
}

// reference scores: a batch of varied rows with its single-threaded result.
func fraudBatch(t testing.TB, m *polyscore.Model, n int) ([]float64, []float64) {
	rows := make([]float64, 2*n)
	for i := range rows {
		rows[i] = math.Sin(float64(i)*0.37) * 3
		if i%17 == 0 {
			rows[i] = math.NaN()
		}
	}
	want, err := m.Predict(rows, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows, want
}

func TestConcurrentPredict(t *testing.T) {
	// A bigger model than fraud, so calls overlap for real.
	c := readManifest(t)[0]
	m, err := polyscore.Load(vectorPath(c.Model))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	x, nRows := readCSV(t, vectorPath(c.Input), false)
	want, err := m.Predict(x, nRows, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	nf := info.NumFeatures
	per := len(want) / nRows
	const goroutines, rounds = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			row := make([]float64, per)
			for r := 0; r < rounds; r++ {
				opts := &polyscore.PredictOptions{NumThreads: g % 3} // all cores, 1, 2
				got, err := m.Predict(x, nRows, opts)
				if err != nil {
					errs <- err
					return
				}
				for i := range want {
					if !sameBits(got[i], want[i]) {
						t.Errorf("goroutine %d round %d: value %d = %v, want %v", g, r, i, got[i], want[i])
						return
					}
				}
				i := (g*rounds + r) % nRows
				if _, err := m.PredictRowInto(row, x[i*nf:(i+1)*nf], nil); err != nil {
					errs <- err
					return
				}
				if !sameBits(row[0], want[i*per]) {
					t.Errorf("goroutine %d: row %d = %v, want %v", g, i, row[0], want[i*per])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestCloseWhilePredicting(t *testing.T) {
	for round := 0; round < 20; round++ {
		m, err := polyscore.Load(fraudModel)
		if err != nil {
			t.Fatal(err)
		}
		rows, want := fraudBatch(t, m, 64)
		var wg sync.WaitGroup
		started := make(chan struct{}, 16)
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				out := make([]float64, 1)
				for i := 0; ; i++ {
					if i == 2 {
						started <- struct{}{}
					}
					var err error
					if g%2 == 0 {
						var got []float64
						got, err = m.Predict(rows, 64, nil)
						if err == nil && !sameBits(got[63], want[63]) {
							t.Errorf("batch result %v, want %v", got[63], want[63])
							return
						}
					} else {
						r := i % 64
						_, err = m.PredictRowInto(out, rows[2*r:2*r+2], nil)
						if err == nil && !sameBits(out[0], want[r]) {
							t.Errorf("row result %v, want %v", out[0], want[r])
							return
						}
					}
					if err != nil {
						if !errors.Is(err, polyscore.ErrInvalidHandle) {
							t.Errorf("goroutine %d: %v, want ErrInvalidHandle", g, err)
						}
						return
					}
				}
			}(g)
		}
		for g := 0; g < 16; g++ {
			<-started
		}
		m.Close()
		wg.Wait()
	}
}

func TestNoLeak(t *testing.T) {
	data, err := os.ReadFile(fraudModel)
	if err != nil {
		t.Fatal(err)
	}
	rows := []float64{0.4, 1.2, 0, 0.5, 2, 3}
	cycle := func(i int) {
		var m *polyscore.Model
		var err error
		if i%2 == 0 {
			m, err = polyscore.Load(fraudModel)
		} else {
			m, err = polyscore.LoadBuffer(data)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Predict(rows, 3, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := m.PredictRow(rows[:2], nil); err != nil {
			t.Fatal(err)
		}
		if _, err := m.PredictRow(rows[:3], nil); err == nil { // the error path too
			t.Fatal("no error for 3 features")
		}
		m.Close()
	}
	settle := func() int64 {
		runtime.GC()
		debug.FreeOSMemory()
		return rssBytes(t)
	}
	for i := 0; i < 200; i++ { // warm up allocator arenas and the handle table
		cycle(i)
	}
	before := settle()
	const cycles = 2000
	for i := 0; i < cycles; i++ {
		cycle(i)
	}
	after := settle()
	growth := after - before
	t.Logf("RSS before %d KiB, after %d cycles %d KiB, growth %d KiB", before>>10, cycles, after>>10, growth>>10)
	// A model, an error object or a path string leaked per cycle would add megabytes.
	if limit := int64(4 << 20); growth > limit {
		t.Fatalf("RSS grew by %d KiB over %d load/predict/close cycles (limit %d KiB)", growth>>10, cycles, limit>>10)
	}
}

func TestPredictRowIntoAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	m := loadFraud(t)
	row := []float64{0.4, 1.2}
	out := make([]float64, 1)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := m.PredictRowInto(out, row, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 && !raceEnabled {
		t.Fatalf("PredictRowInto allocates %v times per call", allocs)
	}
	t.Logf("allocations per PredictRowInto: %v", allocs)
}

func BenchmarkPredictRowInto(b *testing.B) {
	m := loadFraud(b)
	row := []float64{0.4, 1.2}
	out := make([]float64, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.PredictRowInto(out, row, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictBatch1000(b *testing.B) {
	m := loadFraud(b)
	rows, _ := fraudBatch(b, m, 1000)
	out := make([]float64, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.PredictInto(out, rows, 1000, nil); err != nil {
			b.Fatal(err)
		}
	}
}
