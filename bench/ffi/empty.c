/* bench/ffi/empty.c: the "bare FFI" reference for the binding-cost table. libpsffi_empty.so
 * exports one function that does nothing, with the argument list of ps_model_predict_row
 * (out, out_len, model, row, n_features, options, err), so that each language calls it the
 * way its binding calls the real one. */
#include <stddef.h>
#include <stdint.h>
__attribute__((visibility("default"), noinline)) int32_t psffi_empty(double *out, size_t out_len,
                                                                       void *model, const double *row,
                                                                       size_t n_features,
                                                                       const void *options, void *err) {
  (void)out; (void)out_len; (void)model; (void)row; (void)n_features; (void)options; (void)err;
  __asm__ volatile("" ::: "memory");
  return 0;
}
