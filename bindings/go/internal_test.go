package polyscore

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCheckABI(t *testing.T) {
	if err := checkABI(requiredABI); err != nil {
		t.Fatalf("the library under test is too old for this binding: %v", err)
	}
	have := ABIVersion()
	err := checkABI(have + 1)
	if !errors.Is(err, ErrABIVersion) {
		t.Fatalf("checkABI(%d) = %v, want ErrABIVersion", have+1, err)
	}
	msg := err.Error()
	for _, part := range []string{fmt.Sprintf("ABI version %d ", have), fmt.Sprintf("ABI version %d or newer", have+1), Version()} {
		if !strings.Contains(msg, part) {
			t.Fatalf("message %q does not name %q", msg, part)
		}
	}
	t.Log(msg)
}

// A model dropped without Close is freed by its cleanup once collected.
func TestCleanupFreesModel(t *testing.T) {
	path, _ := filepath.Abs("../../examples/fraud/fraud-v3.json")
	h := func() uintptr {
		m, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !handleLive(m.h) {
			t.Fatal("fresh handle is not live")
		}
		return m.h
	}()
	deadline := time.Now().Add(10 * time.Second)
	for handleLive(h) {
		if time.Now().After(deadline) {
			t.Fatal("the model was not freed after it became unreachable")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// NumThreads reaches the library as C's num_threads: 0 stays 0 (all cores), a nil
// *PredictOptions is PS_PREDICT_OPTIONS_INIT's one thread.
func TestNumThreadsIsPassedAsInC(t *testing.T) {
	for _, tc := range []struct {
		opts *PredictOptions
		want int32
	}{{nil, 1}, {&PredictOptions{}, 0}, {&PredictOptions{NumThreads: 3}, 3}} {
		c, err := tc.opts.c()
		if err != nil || int32(c.threads) != tc.want {
			t.Errorf("%+v: num_threads %d, %v; want %d", tc.opts, c.threads, err, tc.want)
		}
	}
}
