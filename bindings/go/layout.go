package polyscore

// The binding's view of the C ABI, for abi_layout_test.go, which compares it with
// abi_tests/layout.json (test files cannot use cgo, so the C types are read here).

/*
#include <polyscore/polyscore.h>
*/
import "C"

import (
	"reflect"
	"unsafe"
)

// cgoStruct is one public C struct as cgo translates it.
type cgoStruct struct {
	size, align uintptr
	typ         reflect.Type       // every field, in order, as cgo declares it
	offsets     map[string]uintptr // unsafe.Offsetof of each field by its C name
}

// cgoStructs returns every public struct of the header that has a body.
func cgoStructs() map[string]cgoStruct {
	var lo C.ps_load_options
	var po C.ps_predict_options
	var mi C.ps_model_info
	return map[string]cgoStruct{
		"ps_load_options": {unsafe.Sizeof(lo), unsafe.Alignof(lo), reflect.TypeOf(lo), map[string]uintptr{
			"struct_size": unsafe.Offsetof(lo.struct_size),
			"format":      unsafe.Offsetof(lo.format),
			"reserved0":   unsafe.Offsetof(lo.reserved0),
		}},
		"ps_predict_options": {unsafe.Sizeof(po), unsafe.Alignof(po), reflect.TypeOf(po), map[string]uintptr{
			"struct_size":     unsafe.Offsetof(po.struct_size),
			"output":          unsafe.Offsetof(po.output),
			"iteration_begin": unsafe.Offsetof(po.iteration_begin),
			"iteration_end":   unsafe.Offsetof(po.iteration_end),
			"num_threads":     unsafe.Offsetof(po.num_threads),
		}},
		"ps_model_info": {unsafe.Sizeof(mi), unsafe.Alignof(mi), reflect.TypeOf(mi), map[string]uintptr{
			"struct_size":    unsafe.Offsetof(mi.struct_size),
			"format":         unsafe.Offsetof(mi.format),
			"num_features":   unsafe.Offsetof(mi.num_features),
			"num_outputs":    unsafe.Offsetof(mi.num_outputs),
			"num_margins":    unsafe.Offsetof(mi.num_margins),
			"num_trees":      unsafe.Offsetof(mi.num_trees),
			"num_iterations": unsafe.Offsetof(mi.num_iterations),
			"objective":      unsafe.Offsetof(mi.objective),
			"booster":        unsafe.Offsetof(mi.booster),
		}},
	}
}

// cgoConstants returns the PS_* constants of the header as cgo sees them: the
// values the binding passes to C where it has no Go constant of its own (dtypes).
func cgoConstants() map[string]int64 {
	return map[string]int64{
		"PS_ABI_VERSION":           C.PS_ABI_VERSION,
		"PS_OK":                    C.PS_OK,
		"PS_ERR_INVALID_ARGUMENT":  C.PS_ERR_INVALID_ARGUMENT,
		"PS_ERR_INVALID_HANDLE":    C.PS_ERR_INVALID_HANDLE,
		"PS_ERR_IO":                C.PS_ERR_IO,
		"PS_ERR_PARSE":             C.PS_ERR_PARSE,
		"PS_ERR_UNSUPPORTED":       C.PS_ERR_UNSUPPORTED,
		"PS_ERR_SHAPE":             C.PS_ERR_SHAPE,
		"PS_ERR_BUFFER_TOO_SMALL":  C.PS_ERR_BUFFER_TOO_SMALL,
		"PS_ERR_OUT_OF_MEMORY":     C.PS_ERR_OUT_OF_MEMORY,
		"PS_ERR_ABI_VERSION":       C.PS_ERR_ABI_VERSION,
		"PS_ERR_INTERNAL":          C.PS_ERR_INTERNAL,
		"PS_FORMAT_AUTO":           C.PS_FORMAT_AUTO,
		"PS_FORMAT_XGBOOST_JSON":   C.PS_FORMAT_XGBOOST_JSON,
		"PS_FORMAT_XGBOOST_UBJSON": C.PS_FORMAT_XGBOOST_UBJSON,
		"PS_FORMAT_LIGHTGBM_TEXT":  C.PS_FORMAT_LIGHTGBM_TEXT,
		"PS_OUTPUT_VALUE":          C.PS_OUTPUT_VALUE,
		"PS_OUTPUT_MARGIN":         C.PS_OUTPUT_MARGIN,
		"PS_OUTPUT_LEAF":           C.PS_OUTPUT_LEAF,
		"PS_DTYPE_FLOAT32":         C.PS_DTYPE_FLOAT32,
		"PS_DTYPE_FLOAT64":         C.PS_DTYPE_FLOAT64,
	}
}

// cgoPlatform returns the sizes of the C data model, as layout.json's "platform".
func cgoPlatform() map[string]uintptr {
	return map[string]uintptr{
		"pointer_size": unsafe.Sizeof(unsafe.Pointer(nil)),
		"size_t":       unsafe.Sizeof(C.size_t(0)),
		"int":          unsafe.Sizeof(C.int(0)),
		"long":         unsafe.Sizeof(C.long(0)),
		"ps_status":    unsafe.Sizeof(C.ps_status(0)),
	}
}
