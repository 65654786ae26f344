// bench/ffi/go: fixed cost of one single-row call from Go.
//
//	go_cost MODEL CALLS REPS
//
// binding: Model.PredictRowInto(dst, row, nil) (bindings/go, cgo) on MODEL (one tree);
// bare:    an empty C function with ps_model_predict_row's seven arguments, called
//
//	through cgo from the same loop.
//
// Interleaved per repeat; prints one JSON line: wall clock and this thread's CPU time
// (the goroutine is locked to its thread).
package main

/*
#cgo noescape psffi_empty
#cgo nocallback psffi_empty
#include <stddef.h>
#include <stdint.h>
#include <time.h>
static double thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}
__attribute__((noinline)) static int32_t psffi_empty(double *out, size_t out_len, void *model,
    const double *row, size_t n_features, const void *options, void *err) {
  __asm__ volatile("" ::: "memory");
  return 0;
}
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

func main() {
	runtime.LockOSThread()
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: go_cost MODEL CALLS REPS")
		os.Exit(2)
	}
	calls, _ := strconv.Atoi(os.Args[2])
	reps, _ := strconv.Atoi(os.Args[3])
	m, err := polyscore.Load(os.Args[1])
	if err != nil {
		fmt.Printf("{\"error\": %q}\n", err.Error())
		os.Exit(1)
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		fmt.Printf("{\"error\": %q}\n", err.Error())
		os.Exit(1)
	}
	row := make([]float64, info.NumFeatures)
	dst := make([]float64, 1)
	bind := func() (float64, float64) {
		c0, t0 := float64(C.thread_cpu_ns()), time.Now()
		for i := 0; i < calls; i++ {
			if _, err := m.PredictRowInto(dst, row, nil); err != nil {
				panic(err)
			}
		}
		return float64(time.Since(t0).Nanoseconds()) / float64(calls), (float64(C.thread_cpu_ns()) - c0) / float64(calls)
	}
	bare := func() (float64, float64) {
		c0, t0 := float64(C.thread_cpu_ns()), time.Now()
		for i := 0; i < calls; i++ {
			C.psffi_empty((*C.double)(unsafe.Pointer(&dst[0])), 1, nil,
				(*C.double)(unsafe.Pointer(&row[0])), C.size_t(len(row)), nil, nil)
		}
		return float64(time.Since(t0).Nanoseconds()) / float64(calls), (float64(C.thread_cpu_ns()) - c0) / float64(calls)
	}
	bind()
	bare()
	var b, e, bc, ec []float64
	for r := 0; r < reps; r++ {
		w, c := bind()
		b, bc = append(b, w), append(bc, c)
		w, c = bare()
		e, ec = append(e, w), append(ec, c)
	}
	out, _ := json.Marshal(map[string][]float64{"binding_ns": b, "bare_ns": e,
		"binding_cpu_ns": bc, "bare_cpu_ns": ec})
	fmt.Println(string(out))
}
