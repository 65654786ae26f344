// Package polyscore scores XGBoost and LightGBM models in-process through
// libpolyscore.so.1, the polyscore C library.
//
//	m, err := polyscore.Load("fraud-v3.json")
//	if err != nil {
//		return err
//	}
//	defer m.Close()
//	scores, err := m.PredictRow([]float64{0.4, 1.2}, nil)
//
// A Model is immutable and safe for use by any number of goroutines at once;
// Close may be called while other goroutines predict (their calls finish, later
// calls fail with ErrInvalidHandle). A cleanup registered with runtime.AddCleanup
// frees a model that is garbage collected without Close, but call Close: the
// collector does not see the memory the library holds for a model.
//
// Input slices are passed to C without a copy: the library reads them during the
// call only and they hold no Go pointers, which the cgo pointer rules allow, so
// no pinning is needed. Outputs are written straight into Go slices the same way.
//
// By default cgo compiles the library's C++ sources, which the module carries in
// _core/ (core_bundled.go); with the build tag polyscore_system the package links the
// installed libpolyscore.so.1 found through pkg-config instead (core_system.go).
package polyscore

/*
#cgo noescape gops_load_file
#cgo noescape gops_load_buffer
#cgo noescape gops_info
#cgo noescape gops_feature_name
#cgo noescape gops_output_size
#cgo noescape gops_predict_dense
#cgo noescape gops_predict_csr
#cgo noescape gops_predict_row
#cgo noescape gops_predict_row_default
#cgo nocallback gops_load_file
#cgo nocallback gops_load_buffer
#cgo nocallback gops_info
#cgo nocallback gops_feature_name
#cgo nocallback gops_output_size
#cgo nocallback gops_predict_dense
#cgo nocallback gops_predict_csr
#cgo nocallback gops_predict_row
#cgo nocallback gops_predict_row_default
#cgo nocallback gops_free
#include <stdint.h>
#include <stdlib.h>
#include <polyscore/polyscore.h>

// The model handle crosses into Go as a uintptr_t, never as a ps_model*: the
// library encodes (generation << 32 | slot + 1) in it, and such a value held in a
// Go pointer-typed variable can look like a pointer into the Go heap (Go's arenas
// start at 0xc000000000, generation 0xc0) and make the garbage collector abort.

// One result per call: the status, the error object of this call alone (only on
// failure; Go reads and frees it), and a handle or a count.
typedef struct {
  ps_status status;
  ps_error *err;
  uintptr_t model;
  size_t n;
} gops_result;

// Empty Go slices arrive as NULL; the library rejects NULL pointers even with
// zero lengths, so point them at a harmless element instead (never read or
// written: zero columns fail the shape check, zero outputs need no room).
static double gops_empty_f64[1];

static ps_error *gops_error_new(void) {
  ps_error *e = NULL;
  if (ps_error_create(&e) != PS_OK) return NULL;  // out of memory: status only
  return e;
}

static gops_result gops_done(ps_status status, ps_error *e, uintptr_t model, size_t n) {
  gops_result r = {status, NULL, model, n};
  if (status != PS_OK) {
    r.err = e;
  } else {
    ps_error_free(e);
  }
  return r;
}

// bm: PredictOptions.BaseMargin when has_bm (an empty slice is passed as a non-NULL
// pointer, so that the library checks its length against the rows).
static ps_predict_options gops_options(int32_t output, uint32_t begin, uint32_t end,
                                       int32_t threads, int32_t shap, int has_bm,
                                       const double *bm, size_t bm_len) {
  ps_predict_options o = PS_PREDICT_OPTIONS_INIT;
  o.output = output;
  o.iteration_begin = begin;
  o.iteration_end = end;
  o.num_threads = threads;
  o.shap_algorithm = shap;
  if (has_bm) {
    o.base_margin = bm ? bm : gops_empty_f64;
    o.base_margin_len = bm_len;
  }
  return o;
}

static gops_result gops_load_file(const char *path) {
  ps_error *e = gops_error_new();
  ps_model *m = NULL;
  ps_status s = ps_model_load_file(&m, path, NULL, e);
  return gops_done(s, e, (uintptr_t)m, 0);
}

static gops_result gops_load_buffer(const void *data, size_t size) {
  ps_error *e = gops_error_new();
  ps_model *m = NULL;
  ps_status s = ps_model_load_buffer(&m, data, size, NULL, e);
  return gops_done(s, e, (uintptr_t)m, 0);
}

static void gops_free(uintptr_t model) { ps_model_free((ps_model *)model); }

static gops_result gops_info(ps_model_info *out, uintptr_t model) {
  ps_error *e = gops_error_new();
  out->struct_size = sizeof(ps_model_info);
  ps_status s = ps_model_info_get(out, (ps_model *)model, e);
  return gops_done(s, e, 0, 0);
}

static gops_result gops_feature_name(char *buf, size_t capacity, uintptr_t model,
                                     uint32_t index) {
  ps_error *e = gops_error_new();
  size_t len = 0;
  ps_status s = ps_model_feature_name(buf, capacity, &len, (ps_model *)model, index, e);
  return gops_done(s, e, 0, len);
}

static gops_result gops_feature_categorical(int32_t *categorical, uintptr_t model,
                                            uint32_t index) {
  ps_error *e = gops_error_new();
  ps_status s = ps_model_feature_categorical(categorical, (ps_model *)model, index, e);
  return gops_done(s, e, 0, 0);
}

static gops_result gops_category_list_count(int32_t *saved, uintptr_t model) {
  ps_error *e = gops_error_new();
  uint32_t n = 0;
  ps_status s = ps_model_category_list_count(&n, saved, (ps_model *)model, e);
  return gops_done(s, e, 0, n);
}

static gops_result gops_category_list(int64_t *feature, uintptr_t model, uint32_t list) {
  ps_error *e = gops_error_new();
  uint32_t n = 0;
  ps_status s = ps_model_category_list(feature, &n, (ps_model *)model, list, e);
  return gops_done(s, e, 0, n);
}

static gops_result gops_category(char *buf, size_t capacity, int32_t *kind, uintptr_t model,
                                 uint32_t list, uint32_t index) {
  ps_error *e = gops_error_new();
  size_t len = 0;
  ps_status s = ps_model_category(buf, capacity, &len, kind, (ps_model *)model, list, index, e);
  return gops_done(s, e, 0, len);
}

static gops_result gops_output_size(uintptr_t model, size_t n_rows, int32_t output,
                                    uint32_t begin, uint32_t end, int32_t threads,
                                    int32_t shap) {
  ps_error *e = gops_error_new();
  ps_predict_options o = gops_options(output, begin, end, threads, shap, 0, NULL, 0);
  size_t n = 0;
  ps_status s = ps_model_output_size(&n, (ps_model *)model, n_rows, &o, e);
  return gops_done(s, e, 0, n);
}

// The predict wrappers also report how many values they wrote (n).
static gops_result gops_predict_dense(double *out, size_t out_len, uintptr_t model,
                                      const void *rows, int32_t dtype, size_t n_rows,
                                      size_t n_cols, int32_t output, uint32_t begin,
                                      uint32_t end, int32_t threads, int32_t shap, int has_bm,
                                      const double *bm, size_t bm_len) {
  ps_error *e = gops_error_new();
  ps_predict_options o = gops_options(output, begin, end, threads, shap, has_bm, bm, bm_len);
  size_t n = 0;
  ps_status s = ps_model_output_size(&n, (ps_model *)model, n_rows, &o, e);
  if (s == PS_OK) {
    s = ps_model_predict_dense(out ? out : gops_empty_f64, out_len, (ps_model *)model,
                               rows ? rows : (const void *)gops_empty_f64, dtype, n_rows,
                               n_cols, &o, e);
  }
  return gops_done(s, e, 0, n);
}

static gops_result gops_predict_csr(double *out, size_t out_len, uintptr_t model,
                                    const int64_t *indptr, const int32_t *indices,
                                    const void *values, int32_t dtype, size_t n_rows,
                                    size_t n_cols, int32_t output, uint32_t begin,
                                    uint32_t end, int32_t threads, int32_t shap, int has_bm,
                                    const double *bm, size_t bm_len) {
  ps_error *e = gops_error_new();
  ps_predict_options o = gops_options(output, begin, end, threads, shap, has_bm, bm, bm_len);
  size_t n = 0;
  ps_status s = ps_model_output_size(&n, (ps_model *)model, n_rows, &o, e);
  if (s == PS_OK) {
    s = ps_model_predict_csr(out ? out : gops_empty_f64, out_len, (ps_model *)model, indptr,
                             indices, values, dtype, n_rows, n_cols, &o, e);
  }
  return gops_done(s, e, 0, n);
}

// known_n: the values per row when Go knows it (VALUE or MARGIN over all rounds: from
// the model's info), else (size_t)-1 and the library is asked. The default options go
// as NULL. No ps_error is made for a call that succeeds: only on failure is the call
// made again with one, for the message (the library writes nothing on failure and
// answers the same arguments the same way; if the answer differs, e.g. because another
// goroutine closed the model in between, the first status is kept without a message).
static ps_status gops_row_call(double *out, size_t out_len, uintptr_t model, const double *row,
                               size_t n_features, const ps_predict_options *o, size_t *n,
                               ps_error *e) {
  if (*n == (size_t)-1) {
    ps_status s = ps_model_output_size(n, (ps_model *)model, 1, o, e);
    if (s != PS_OK) return s;
  }
  return ps_model_predict_row(out ? out : gops_empty_f64, out_len, (ps_model *)model,
                              row ? row : gops_empty_f64, n_features, o, e);
}

// PredictRowInto's fast path (default options): the library's call alone, with a NULL
// ps_error and a plain status back (no result struct). On failure Go makes the call
// again through gops_predict_row for the error's message.
static ps_status gops_predict_row_default(double *out, size_t out_len, uintptr_t model,
                                          const double *row, size_t n_features) {
  return ps_model_predict_row(out ? out : gops_empty_f64, out_len, (ps_model *)model,
                              row ? row : gops_empty_f64, n_features, NULL, NULL);
}

static gops_result gops_predict_row(double *out, size_t out_len, uintptr_t model,
                                    const double *row, size_t n_features, int32_t output,
                                    uint32_t begin, uint32_t end, int32_t shap, size_t known_n,
                                    int has_bm, const double *bm, size_t bm_len) {
  ps_predict_options opts;
  const ps_predict_options *o = NULL;
  if (output != PS_OUTPUT_VALUE || begin != 0 || end != 0 || shap != PS_SHAP_AUTO || has_bm) {
    opts = gops_options(output, begin, end, 1, shap, has_bm, bm, bm_len);
    o = &opts;
  }
  size_t n = known_n;
  ps_status s = gops_row_call(out, out_len, model, row, n_features, o, &n, NULL);
  if (s == PS_OK) {
    gops_result r = {PS_OK, NULL, 0, n};
    return r;
  }
  ps_error *e = gops_error_new();
  n = known_n;
  ps_status again = gops_row_call(out, out_len, model, row, n_features, o, &n, e);
  if (again != s) {
    ps_error_free(e);
    e = NULL;
  }
  return gops_done(s, e, 0, n);
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// requiredABI is the ABI version of the header this package is compiled against.
const requiredABI = uint32(C.PS_ABI_VERSION)

// ABIVersion returns the ABI version of the loaded libpolyscore.
func ABIVersion() uint32 { return uint32(C.ps_abi_version()) }

// Version returns the release of the loaded libpolyscore, e.g. "1.0.0".
func Version() string { return C.GoString(C.ps_version_string()) }

var abiOnce = sync.OnceValue(func() error { return checkABI(requiredABI) })

// checkABI returns an *Error with code StatusABIVersion, naming both versions,
// when the loaded library offers less than ABI version required.
func checkABI(required uint32) error {
	have := ABIVersion()
	if have >= required {
		return nil
	}
	return &Error{
		Code: StatusABIVersion,
		Message: fmt.Sprintf("libpolyscore.so.1 has ABI version %d (release %s) but the polyscore Go binding needs ABI version %d or newer; install a newer libpolyscore",
			have, Version(), required),
		Offset: -1,
	}
}

// Format is the file format a model was loaded from.
type Format int32

// String returns the format's name, as the CLI and every binding spell it
// ("xgboost-json", "xgboost-ubjson", "lightgbm-text", "auto").
func (f Format) String() string { return nameOf(formatNames, f, "Format(%d)") }

// Info describes a loaded model.
type Info struct {
	Format        Format
	NumFeatures   int    // values each row must have
	NumOutputs    int    // values per row for OutputValue
	NumMargins    int    // values per row for OutputMargin (classes or targets)
	NumTrees      int    // all trees; OutputLeaf gives one value per tree used
	NumIterations int    // boosting rounds
	Objective     string // as the training library names it
	Booster       string // "gbtree", "dart", "gblinear", "gbdt", "rf", ...
}

// OutputKind selects what a prediction returns for each row.
type OutputKind int32

// String returns the output kind's name ("value", "margin", "leaf").
func (k OutputKind) String() string { return nameOf(outputNames, k, "OutputKind(%d)") }

// ShapAlgorithm selects the SHAP algorithm behind OutputContrib and OutputInteractions
// (ps_predict_options.shap_algorithm, ABI 6): ShapAuto, ShapTreeSHAP or ShapQuadrature.
type ShapAlgorithm int32

// String returns the algorithm's name ("auto", "treeshap", "quadrature").
func (a ShapAlgorithm) String() string {
	return nameOf(shapAlgorithmNames, a, "ShapAlgorithm(%d)")
}

// ParseShapAlgorithm returns the algorithm a name gives ("auto", "treeshap",
// "quadrature"), as a configuration file or a command line spells it; another name is
// an ErrInvalidArgument naming it and the accepted names.
func ParseShapAlgorithm(name string) (ShapAlgorithm, error) {
	for _, a := range []ShapAlgorithm{ShapAuto, ShapTreeSHAP, ShapQuadrature} {
		if shapAlgorithmNames[a] == name {
			return a, nil
		}
	}
	return ShapAuto, newError(StatusInvalidArgument, fmt.Sprintf(
		"unknown SHAP algorithm %q; use %s", name, shapAlgorithmList()))
}

// shapAlgorithmList is the accepted names, in the header's order.
func shapAlgorithmList() string {
	return fmt.Sprintf("%q, %q or %q", ShapAuto.String(), ShapTreeSHAP.String(), ShapQuadrature.String())
}

// PredictOptions are the options of a prediction, the fields of the C
// ps_predict_options. A nil *PredictOptions means the library's defaults
// (DefaultPredictOptions: values, all iterations, one thread); a PredictOptions
// literal means what the same fields mean in C, so NumThreads 0 there is all cores.
type PredictOptions struct {
	Output         OutputKind
	IterationBegin int // first boosting round used
	IterationEnd   int // one past the last round used; 0 = all
	// NumThreads is the number of threads a batch call uses, counting the calling
	// one: 0 means all cores, as in C; negative is an error. PredictRow always uses
	// the calling thread.
	NumThreads int
	// BaseMargin holds per-row margin offsets, as XGBoost's base_margin: nRows *
	// NumMargins values, row-major (one per class of a multiclass model), e.g.
	// log(exposure) for a Poisson model. They take the place of the model's base
	// score: an XGBoost margin starts from them, a LightGBM raw score gets them added
	// (raw_score + init_score). nil: none. A length other than nRows * NumMargins, or
	// OutputLeaf, is an ErrInvalidArgument. (ps_predict_options.base_margin.)
	BaseMargin []float64
	// ShapAlgorithm picks the SHAP algorithm of OutputContrib and OutputInteractions;
	// other outputs ignore it. ShapAuto (the zero value): as the library that wrote the
	// file, XGBoost 3.3+ files by QuadratureTreeSHAP, older XGBoost files and LightGBM by
	// exact TreeSHAP. ShapTreeSHAP: the bits of XGBoost <= 3.2, LightGBM and shap's
	// TreeExplainer. ShapQuadrature: XGBoost 3.3+'s QuadratureTreeSHAP, which it uses for
	// every file it loads (to match xgboost 3.4's pred_contribs on a file saved by 3.2);
	// XGBoost models only (ErrUnsupported on LightGBM). A value not among these is an
	// ErrInvalidArgument. (ps_predict_options.shap_algorithm.)
	ShapAlgorithm ShapAlgorithm
}

type cOptions struct {
	output     C.int32_t
	begin, end C.uint32_t
	threads    C.int32_t
	shap       C.int32_t
	hasBM      C.int
	bm         *C.double
	bmLen      C.size_t
}

func (o *PredictOptions) c() (cOptions, error) {
	if o == nil {
		d := DefaultPredictOptions()
		o = &d
	}
	c := cOptions{}
	if o.IterationBegin < 0 || o.IterationEnd < 0 ||
		o.IterationBegin > math.MaxUint32 || o.IterationEnd > math.MaxUint32 {
		return c, newError(StatusInvalidArgument, fmt.Sprintf(
			"iteration range [%d, %d) is out of range", o.IterationBegin, o.IterationEnd))
	}
	if o.NumThreads < 0 || o.NumThreads > math.MaxInt32 {
		return c, newError(StatusInvalidArgument, fmt.Sprintf(
			"NumThreads must be 0 (all cores) or positive, not %d", o.NumThreads))
	}
	if _, known := shapAlgorithmNames[o.ShapAlgorithm]; !known {
		return c, newError(StatusInvalidArgument, fmt.Sprintf(
			"unknown ShapAlgorithm %d; use ShapAuto, ShapTreeSHAP or ShapQuadrature (%s)",
			int32(o.ShapAlgorithm), shapAlgorithmList()))
	}
	c.output = C.int32_t(o.Output)
	c.shap = C.int32_t(o.ShapAlgorithm)
	c.begin = C.uint32_t(o.IterationBegin)
	c.end = C.uint32_t(o.IterationEnd)
	c.threads = C.int32_t(o.NumThreads)
	if o.BaseMargin != nil {
		c.hasBM, c.bm, c.bmLen = 1, f64ptr(o.BaseMargin), C.size_t(len(o.BaseMargin))
	}
	return c, nil
}

// Model is a loaded model. Use it from any number of goroutines; Close it when done.
type Model struct {
	// h is the library's handle, a slot and a generation, not a pointer; see the
	// comment in the C preamble on why it is never held as a *C.ps_model.
	h       uintptr
	info    Info
	closed  atomic.Bool
	cleanup runtime.Cleanup
	// features matches names to columns for PredictNamed, read on first use (named.go).
	features     *featureIndex
	featuresErr  error
	featuresOnce sync.Once
}

// Load loads a model file (XGBoost JSON or UBJSON, LightGBM text; detected from
// the content). Errors are *Error values: ErrIO, ErrParse, ErrUnsupported, ...
func Load(path string) (*Model, error) {
	if err := abiOnce(); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return newModel(C.gops_load_file(cpath))
}

// LoadBuffer loads a model from the content of a model file. The library does not
// keep data.
func LoadBuffer(data []byte) (*Model, error) {
	if err := abiOnce(); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	r := C.gops_load_buffer(p, C.size_t(len(data)))
	runtime.KeepAlive(data)
	return newModel(r)
}

func newModel(r C.gops_result) (*Model, error) {
	if err := takeError(r); err != nil {
		return nil, err
	}
	h := uintptr(r.model)
	var ci C.ps_model_info
	if err := takeError(C.gops_info(&ci, C.uintptr_t(h))); err != nil {
		C.gops_free(C.uintptr_t(h))
		return nil, err
	}
	m := &Model{h: h, info: Info{
		Format:        Format(ci.format),
		NumFeatures:   int(ci.num_features),
		NumOutputs:    int(ci.num_outputs),
		NumMargins:    int(ci.num_margins),
		NumTrees:      int(ci.num_trees),
		NumIterations: int(ci.num_iterations),
		Objective:     C.GoString(&ci.objective[0]),
		Booster:       C.GoString(&ci.booster[0]),
	}}
	m.cleanup = runtime.AddCleanup(m, freeHandle, h)
	return m, nil
}

func freeHandle(h uintptr) { C.gops_free(C.uintptr_t(h)) }

// Close releases the model. Calls running in other goroutines finish normally;
// later calls fail with ErrInvalidHandle. Closing twice is harmless. It returns nil.
func (m *Model) Close() error {
	if m == nil || !m.closed.CompareAndSwap(false, true) {
		return nil
	}
	m.cleanup.Stop()
	C.gops_free(C.uintptr_t(m.h))
	return nil
}

// errNilModel is what every method of a nil *Model returns.
var errNilModel = newError(StatusInvalidHandle, "the model is nil (Load failed or was not called)")

// usable returns an ErrInvalidHandle error for a nil or closed model, so that no
// method panics and every one reports a closed model the same way.
func (m *Model) usable() error {
	if m == nil {
		return errNilModel
	}
	if m.closed.Load() {
		return newError(StatusInvalidHandle, "the model is closed")
	}
	return nil
}

// Info describes the model; after Close (or on a nil *Model) it returns an
// ErrInvalidHandle error, as every binding does.
func (m *Model) Info() (Info, error) {
	if err := m.usable(); err != nil {
		return Info{}, err
	}
	return m.info, nil
}

// FeatureNames returns the feature names stored in the model file ("" where a
// file has none).
func (m *Model) FeatureNames() ([]string, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	names := make([]string, m.info.NumFeatures)
	buf := make([]byte, 256)
	for i := range names {
		name, err := readText(&buf, func(b []byte) C.gops_result {
			r := C.gops_feature_name((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)),
				C.uintptr_t(m.h), C.uint32_t(i))
			runtime.KeepAlive(m)
			return r
		})
		if err != nil {
			return nil, err
		}
		names[i] = name
	}
	return names, nil
}

// CategoricalFeatures returns the indices of the features some split of the model tests
// as a category (ps_model_feature_categorical), ascending; empty for a model with numeric
// splits only. Such a feature takes category codes, whether or not the file saved its
// categories (Categories): XGBoost before 3.1 and LightGBM trained on arrays save none,
// and then a row must carry the codes the training data had. Indices, as
// CategoryList.Feature is one.
func (m *Model) CategoricalFeatures() ([]int, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	found := []int{}
	for i := 0; i < m.info.NumFeatures; i++ {
		var categorical C.int32_t
		r := C.gops_feature_categorical(&categorical, C.uintptr_t(m.h), C.uint32_t(i))
		runtime.KeepAlive(m)
		if err := takeError(r); err != nil {
			return nil, err
		}
		if categorical != 0 {
			found = append(found, i)
		}
	}
	return found, nil
}

// readText calls call with *buf, growing *buf and calling again while the text does not
// fit (PS_ERR_BUFFER_TOO_SMALL gives the length it needs), and returns the text.
func readText(buf *[]byte, call func(b []byte) C.gops_result) (string, error) {
	for {
		r := call(*buf)
		if r.status == C.PS_ERR_BUFFER_TOO_SMALL && int(r.n) >= len(*buf) {
			C.ps_error_free(r.err)
			*buf = make([]byte, int(r.n)+1)
			continue
		}
		if err := takeError(r); err != nil {
			return "", err
		}
		return string((*buf)[:r.n]), nil
	}
}

// CategoryKind says what a training category's Text holds (ps_category_kind).
type CategoryKind int32

// The kinds of training categories, as the C header defines them.
const (
	CategoryString  CategoryKind = C.PS_CATEGORY_STRING  // the string's bytes
	CategoryInteger CategoryKind = C.PS_CATEGORY_INTEGER // decimal digits (strconv.ParseInt, or big.Int)
	CategoryReal    CategoryKind = C.PS_CATEGORY_REAL    // strconv.ParseFloat(Text, 64); also Infinity, NaN
	CategoryBoolean CategoryKind = C.PS_CATEGORY_BOOLEAN // "true" or "false"
)

// Category is one training category: its kind and its text (ps_model_category).
type Category struct {
	Kind CategoryKind
	Text string
}

// CategoryList is the categories of one categorical column of the training data, in
// training order: the code of a value is its index.
type CategoryList struct {
	// Feature is the feature index the list codes (XGBoost 3.1+), or -1 when the file
	// does not say (LightGBM's pandas_categorical: list i is the i-th categorical column
	// of the training DataFrame).
	Feature int
	Values  []Category
}

// CategoriesSaved reports whether the model file saved category lists at all, even none
// (ps_model_category_list_count's saved): true for LightGBM's "pandas_categorical:[]"
// (trained on a DataFrame with no categorical column: LightGBM refuses to pair a frame's
// categorical columns with it) and every XGBoost 3.1+ model; false for
// "pandas_categorical:null" (trained on arrays: a frame's own codes are used) and XGBoost
// before 3.1.
func (m *Model) CategoriesSaved() (bool, error) {
	if err := m.usable(); err != nil {
		return false, err
	}
	var saved C.int32_t
	r := C.gops_category_list_count(&saved, C.uintptr_t(m.h))
	runtime.KeepAlive(m)
	if err := takeError(r); err != nil {
		return false, err
	}
	return saved != 0, nil
}

// Categories returns the training categories the model file saved, one list per
// categorical column in the file's order (ps_model_category_list_count,
// ps_model_category_list, ps_model_category); empty when the file saved none (XGBoost
// before 3.1, models trained on arrays).
func (m *Model) Categories() ([]CategoryList, error) {
	if err := m.usable(); err != nil {
		return nil, err
	}
	r := C.gops_category_list_count(nil, C.uintptr_t(m.h))
	runtime.KeepAlive(m)
	if err := takeError(r); err != nil {
		return nil, err
	}
	lists := make([]CategoryList, int(r.n))
	buf := make([]byte, 64)
	for j := range lists {
		var feature C.int64_t
		r := C.gops_category_list(&feature, C.uintptr_t(m.h), C.uint32_t(j))
		runtime.KeepAlive(m)
		if err := takeError(r); err != nil {
			return nil, err
		}
		lists[j].Feature = int(feature)
		lists[j].Values = make([]Category, int(r.n))
		for k := range lists[j].Values {
			var kind C.int32_t
			text, err := readText(&buf, func(b []byte) C.gops_result {
				r := C.gops_category((*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)), &kind,
					C.uintptr_t(m.h), C.uint32_t(j), C.uint32_t(k))
				runtime.KeepAlive(m)
				return r
			})
			if err != nil {
				return nil, err
			}
			lists[j].Values[k] = Category{CategoryKind(kind), text}
		}
	}
	return lists, nil
}

// OutputSize returns the number of values a prediction of nRows rows with these
// options returns.
func (m *Model) OutputSize(nRows int, opts *PredictOptions) (int, error) {
	if m == nil {
		return 0, errNilModel
	}
	o, err := opts.c()
	if err != nil {
		return 0, err
	}
	if nRows < 0 {
		return 0, newError(StatusInvalidArgument, fmt.Sprintf("nRows %d is negative", nRows))
	}
	r := C.gops_output_size(C.uintptr_t(m.h), C.size_t(nRows), o.output, o.begin, o.end, o.threads, o.shap)
	runtime.KeepAlive(m)
	if err := takeError(r); err != nil {
		return 0, err
	}
	return int(r.n), nil
}

// columns checks that a flat input of length n holds nRows whole rows and returns
// the row width. The library checks the width against the model.
func (m *Model) columns(n, nRows int) (int, error) {
	switch {
	case nRows < 0:
		return 0, newError(StatusInvalidArgument, fmt.Sprintf("nRows %d is negative", nRows))
	case nRows == 0:
		if n != 0 {
			return 0, newError(StatusShape, fmt.Sprintf("rows has %d values but nRows is 0", n))
		}
		return m.info.NumFeatures, nil
	case n%nRows != 0:
		return 0, newError(StatusShape, fmt.Sprintf(
			"rows has %d values, not a multiple of nRows = %d", n, nRows))
	}
	return n / nRows, nil
}

// Predict scores nRows rows given row-major in rows (len(rows) = nRows *
// NumFeatures; NaN is a missing value) and returns OutputSize(nRows, opts)
// values, row after row.
func (m *Model) Predict(rows []float64, nRows int, opts *PredictOptions) ([]float64, error) {
	return predictAlloc(m, rows, nRows, opts, m.PredictInto)
}

// PredictFloat32 is Predict for float32 input (no conversion, no copy).
func (m *Model) PredictFloat32(rows []float32, nRows int, opts *PredictOptions) ([]float64, error) {
	return predictAlloc(m, rows, nRows, opts, m.PredictFloat32Into)
}

func predictAlloc[T float32 | float64](m *Model, rows []T, nRows int, opts *PredictOptions,
	into func([]float64, []T, int, *PredictOptions) (int, error)) ([]float64, error) {
	if m == nil {
		return nil, errNilModel
	}
	if _, err := m.columns(len(rows), nRows); err != nil {
		return nil, err
	}
	size, err := m.OutputSize(nRows, opts)
	if err != nil {
		return nil, err
	}
	out := make([]float64, size)
	n, err := into(out, rows, nRows, opts)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// PredictInto is Predict writing into dst, which must hold OutputSize(nRows, opts)
// values (ErrBufferTooSmall otherwise, with nothing written). It returns the
// number of values written.
func (m *Model) PredictInto(dst, rows []float64, nRows int, opts *PredictOptions) (int, error) {
	return m.predictDense(dst, unsafe.Pointer(unsafe.SliceData(rows)), len(rows), C.PS_DTYPE_FLOAT64, nRows, opts)
}

// PredictFloat32Into is PredictInto for float32 input.
func (m *Model) PredictFloat32Into(dst []float64, rows []float32, nRows int, opts *PredictOptions) (int, error) {
	return m.predictDense(dst, unsafe.Pointer(unsafe.SliceData(rows)), len(rows), C.PS_DTYPE_FLOAT32, nRows, opts)
}

func (m *Model) predictDense(dst []float64, rows unsafe.Pointer, n int, dtype C.int32_t, nRows int, opts *PredictOptions) (int, error) {
	if m == nil {
		return 0, errNilModel
	}
	o, err := opts.c()
	if err != nil {
		return 0, err
	}
	cols, err := m.columns(n, nRows)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		rows = nil
	}
	r := C.gops_predict_dense(f64ptr(dst), C.size_t(len(dst)), C.uintptr_t(m.h), rows, dtype,
		C.size_t(nRows), C.size_t(cols), o.output, o.begin, o.end, o.threads, o.shap, o.hasBM, o.bm, o.bmLen)
	runtime.KeepAlive(m)
	runtime.KeepAlive(opts)
	if err := takeError(r); err != nil {
		return 0, err
	}
	return int(r.n), nil
}

// PredictCSR scores len(indptr)-1 sparse rows of nCols columns: the entries of
// row i are values[indptr[i]:indptr[i+1]] at columns indices[...]. An absent
// entry is missing for XGBoost models and 0.0 for LightGBM models, as their own
// predict treats a SciPy sparse matrix.
func (m *Model) PredictCSR(indptr []int64, indices []int32, values []float64, nCols int, opts *PredictOptions) ([]float64, error) {
	if m == nil {
		return nil, errNilModel
	}
	o, err := opts.c()
	if err != nil {
		return nil, err
	}
	if len(indptr) == 0 {
		return nil, newError(StatusShape, "indptr is empty: it needs nRows+1 entries")
	}
	nRows := len(indptr) - 1
	if nnz := indptr[nRows]; nnz < 0 || nnz > int64(len(indices)) || nnz > int64(len(values)) {
		return nil, newError(StatusShape, fmt.Sprintf(
			"indptr[%d] = %d but indices has %d and values %d entries", nRows, nnz, len(indices), len(values)))
	}
	if nCols < 0 {
		return nil, newError(StatusInvalidArgument, fmt.Sprintf("nCols %d is negative", nCols))
	}
	size, err := m.OutputSize(nRows, opts)
	if err != nil {
		return nil, err
	}
	out := make([]float64, size)
	r := C.gops_predict_csr(f64ptr(out), C.size_t(len(out)), C.uintptr_t(m.h),
		(*C.int64_t)(unsafe.Pointer(&indptr[0])), (*C.int32_t)(unsafe.Pointer(unsafe.SliceData(indices))),
		unsafe.Pointer(unsafe.SliceData(values)), C.PS_DTYPE_FLOAT64, C.size_t(nRows), C.size_t(nCols),
		o.output, o.begin, o.end, o.threads, o.shap, o.hasBM, o.bm, o.bmLen)
	runtime.KeepAlive(m)
	runtime.KeepAlive(opts)
	if err := takeError(r); err != nil {
		return nil, err
	}
	return out[:r.n], nil
}

// PredictRow scores one row (len(row) = NumFeatures) on the library's single-row
// fast path. opts.NumThreads is ignored.
func (m *Model) PredictRow(row []float64, opts *PredictOptions) ([]float64, error) {
	if m == nil {
		return nil, errNilModel
	}
	per := m.info.NumOutputs
	if opts != nil && opts.Output != OutputValue {
		var err error
		if per, err = m.OutputSize(1, opts); err != nil {
			return nil, err
		}
	}
	out := make([]float64, per)
	n, err := m.PredictRowInto(out, row, opts)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}

// PredictRowInto is PredictRow writing into dst; it returns the number of values
// written. It allocates nothing, so a caller reusing dst scores without garbage.
func (m *Model) PredictRowInto(dst, row []float64, opts *PredictOptions) (int, error) {
	if m == nil {
		return 0, errNilModel
	}
	if opts == nil {
		// The default options (values over all rounds): one cgo call straight to the
		// library, NumOutputs values per row. A failure takes the general path below,
		// which makes the call again with a ps_error for the message.
		st := C.gops_predict_row_default(f64ptr(dst), C.size_t(len(dst)), C.uintptr_t(m.h),
			f64ptr(row), C.size_t(len(row)))
		if st == C.PS_OK {
			return int(m.info.NumOutputs), nil
		}
	}
	o, err := opts.c()
	if err != nil {
		return 0, err
	}
	// The values per row, when the model's info tells (else the C side asks the library).
	known := ^C.size_t(0)
	if o.begin == 0 && o.end == 0 {
		switch o.output {
		case C.PS_OUTPUT_VALUE:
			known = C.size_t(m.info.NumOutputs)
		case C.PS_OUTPUT_MARGIN:
			known = C.size_t(m.info.NumMargins)
		}
	}
	r := C.gops_predict_row(f64ptr(dst), C.size_t(len(dst)), C.uintptr_t(m.h), f64ptr(row),
		C.size_t(len(row)), o.output, o.begin, o.end, o.shap, known, o.hasBM, o.bm, o.bmLen)
	runtime.KeepAlive(m)
	runtime.KeepAlive(opts)
	if err := takeError(r); err != nil {
		return 0, err
	}
	return int(r.n), nil
}

func f64ptr(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(&s[0]))
}

// takeError turns a failed result into an *Error and frees the call's ps_error.
func takeError(r C.gops_result) error {
	if r.status == C.PS_OK {
		return nil
	}
	e := &Error{Code: Status(r.status), Offset: -1}
	if r.err != nil {
		e.Message = C.GoString(C.ps_error_message(r.err))
		e.Offset = int64(C.ps_error_offset(r.err))
		C.ps_error_free(r.err)
	}
	if e.Message == "" {
		e.Message = e.Code.String()
	}
	return e
}

// handleLive reports whether the library still knows handle h (for tests).
func handleLive(h uintptr) bool {
	return takeError(C.gops_output_size(C.uintptr_t(h), 0, 0, 0, 0, 1, 0)) == nil
}
