/* bench/ffi/node/empty_addon.c: psffi_empty.node, an N-API addon whose one function
 * (empty) does nothing and returns undefined. Built with the same compiler, flags and
 * node-api-headers as bindings/node/scripts/build.js builds polyscore.node. */
#include <node_api.h>

static napi_value empty(napi_env env, napi_callback_info info) {
  (void)env; (void)info;
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "empty", NAPI_AUTO_LENGTH, empty, NULL, &fn);
  napi_set_named_property(env, exports, "empty", fn);
  return exports;
}
