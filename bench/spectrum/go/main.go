// bench/spectrum/go: the spectrum benchmark's in-process Go point. Model.PredictInto
// (bindings/go, cgo) on the rows spectrum_client scored (its --rows-out file), measured
// the way spectrum_client measures every point: a bit-for-bit check against the C
// result (the .ref file beside the rows), then one caller for -seconds (p50, p99; the
// caller's thread CPU time) and -clients goroutines for -seconds (throughput). One JSON
// line per batch size and repeat on stdout, progress on stderr.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	polyscore "github.com/polyscore/polyscore/bindings/go"
)

const point = "Go in-process"

func readDoubles(path string) []float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err.Error())
	}
	out := make([]float64, len(data)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return out
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "spectrum go:", msg)
	os.Exit(1)
}

func threadCPU() float64 {
	var u syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &u)
	return float64(u.Utime.Sec+u.Stime.Sec) + 1e-6*float64(u.Utime.Usec+u.Stime.Usec)
}

func main() {
	modelFile := flag.String("model-file", "", "model file")
	name := flag.String("model", "", "model name")
	rowsFile := flag.String("rows", "", "rows written by spectrum_client --rows-out")
	batchesFlag := flag.String("batches", "1,16,256,1000", "batch sizes")
	repeats := flag.Int("repeats", 3, "repeats")
	seconds := flag.Float64("seconds", 0.4, "seconds per phase")
	clients := flag.Int("clients", 4, "concurrent callers for throughput")
	flag.Parse()

	m, err := polyscore.Load(*modelFile)
	if err != nil {
		fail(err.Error())
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		fail(err.Error())
	}
	cols := int(info.NumFeatures)
	rows := readDoubles(*rowsFile)
	reference := readDoubles(*rowsFile + ".ref")
	var batches []int
	for _, b := range strings.Split(*batchesFlag, ",") {
		n, err := strconv.Atoi(b)
		if err != nil {
			fail("bad batch " + b)
		}
		batches = append(batches, n)
	}
	phase := time.Duration(*seconds * float64(time.Second))
	runtime.LockOSThread() // so that the thread's CPU time is the caller's

	for repeat := 1; repeat <= *repeats; repeat++ {
		for _, batch := range batches {
			X := rows[:batch*cols]
			out := make([]float64, batch)
			if _, err := m.PredictInto(out, X, batch, nil); err != nil {
				fail(err.Error())
			}
			for i := range out {
				if math.Float64bits(out[i]) != math.Float64bits(reference[i]) {
					fail(fmt.Sprintf("batch %d row %d: %v, C %v", batch, i, out[i], reference[i]))
				}
			}
			for i := 0; i < 5; i++ {
				m.PredictInto(out, X, batch, nil)
			}
			var us []float64
			cpu0 := threadCPU()
			start := time.Now()
			for len(us) < 5 || (time.Since(start) < phase && len(us) < 200000) {
				t0 := time.Now()
				m.PredictInto(out, X, batch, nil)
				us = append(us, float64(time.Since(t0).Nanoseconds())/1000)
			}
			cpu := threadCPU() - cpu0
			sort.Float64s(us)
			at := func(q float64) float64 { return us[min(len(us)-1, int(q*float64(len(us))))] }

			var calls atomic.Int64
			var stop atomic.Bool
			var wg sync.WaitGroup
			t0 := time.Now()
			for c := 0; c < *clients; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := make([]float64, batch)
					n := int64(0)
					for !stop.Load() {
						m.PredictInto(o, X, batch, nil)
						n++
					}
					calls.Add(n)
				}()
			}
			time.Sleep(phase)
			stop.Store(true)
			wg.Wait()
			elapsed := time.Since(t0).Seconds()
			line, _ := json.Marshal(map[string]any{
				"model": *name, "point": point, "batch": batch, "repeat": repeat,
				"calls": len(us), "p50_us": at(0.5), "p99_us": at(0.99),
				"server_cpu_us_per_call": nil, "client_cpu_us_per_call": 1e6 * cpu / float64(len(us)),
				"clients": *clients, "throughput_calls_per_s": float64(calls.Load()) / elapsed,
				"throughput_rows_per_s": float64(calls.Load()) * float64(batch) / elapsed,
			})
			fmt.Println(string(line))
			fmt.Fprintf(os.Stderr, "  %-9s %-26s batch %4d  repeat %d  p50 %9.1f us  p99 %9.1f us  %10.0f rows/s (%d clients)\n",
				*name, point, batch, repeat, at(0.5), at(0.99), float64(calls.Load())*float64(batch)/elapsed, *clients)
		}
	}
}
