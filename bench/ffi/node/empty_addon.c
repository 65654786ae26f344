/* bench/ffi/node/empty_addon.c: psffi_empty.node, an N-API addon of two functions that
 * score nothing. Built with the same compiler, flags and node-api-headers as
 * bindings/node/scripts/build.js builds polyscore.node.
 * empty(row): the binding's native signature (the rowValue function: a Float64Array in, a
 *             number out) and the least an N-API function does to read the row: its
 *             argument (napi_get_cb_info), the array's data (napi_get_typedarray_info),
 *             a number back (napi_create_double).
 * noop(row):  does nothing and returns undefined (the bare N-API call), reported beside. */
#include <node_api.h>

static napi_value empty(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg = NULL;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return NULL;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void *data = NULL;
  if (argc < 1 || napi_get_typedarray_info(env, arg, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "expected a Float64Array");
    return NULL;
  }
  napi_value result = NULL;
  napi_create_double(env, length && data ? ((const double *)data)[0] : 0.0, &result);
  return result;
}

static napi_value noop(napi_env env, napi_callback_info info) {
  (void)env; (void)info;
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "empty", NAPI_AUTO_LENGTH, empty, NULL, &fn);
  napi_set_named_property(env, exports, "empty", fn);
  napi_create_function(env, "noop", NAPI_AUTO_LENGTH, noop, NULL, &fn);
  napi_set_named_property(env, exports, "noop", fn);
  return exports;
}
