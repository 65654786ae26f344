/*
 * polyscore: score XGBoost and LightGBM models from any language.
 *
 * A model trained in Python is loaded once (ps_model_load_file) and scored many
 * times, from any number of threads (ps_model_predict_dense, ps_model_predict_csr,
 * ps_model_predict_row). The results are those of the training library's own
 * predict. This is a C99 interface with a stable ABI: a program built against
 * libpolyscore.so.1 runs unchanged with every later 1.x library.
 *
 * Conventions, shared by every function:
 *  - Names read ps_<noun>_<verb>; the output argument comes first.
 *  - Every call returns a ps_status (PS_OK = 0) and never throws or aborts. Details
 *    of a failure go into the caller's ps_error, which may be NULL.
 *  - Options are structs whose first field is struct_size; set them with the
 *    PS_*_INIT macros, or ps_*_options_init(&opts, sizeof opts), so that a newer
 *    library knows which fields you have. The library reads, and the init functions
 *    write, only the bytes your struct_size covers. No struct has hidden padding.
 *  - Constants are held in fixed-width named types (ps_status, ps_format,
 *    ps_output_kind, ps_dtype: all int32_t). Calls that only read a model take a
 *    const ps_model *.
 *  - Output goes into buffers you own; a buffer that is too small gives
 *    PS_ERR_BUFFER_TOO_SMALL and is left untouched.
 *
 *    ps_error *err = NULL;
 *    ps_model *model = NULL;
 *    ps_error_create(&err);
 *    if (ps_model_load_file(&model, "fraud-v3.json", NULL, err) != PS_OK) {
 *      fprintf(stderr, "%s\n", ps_error_message(err));
 *    }
 *    double row[2] = {0.4, 1.2}, score;
 *    ps_model_predict_row(&score, 1, model, row, 2, NULL, err);
 *    ps_model_free(model);
 *    ps_error_free(err);
 *
 * Every function sits in the symbol version node of the ABI version that added it
 * (POLYSCORE_1.0 for ABI 1): a program that needs a later function fails at load with
 * an older library, never at the call. Experimental declarations, with no ABI promise,
 * appear only when PS_EXPERIMENTAL is defined before this header is included.
 */
#ifndef POLYSCORE_POLYSCORE_H
#define POLYSCORE_POLYSCORE_H

#include "common.h"
#include "model.h"
#include "predict.h"

/* Experimental section: no ABI promise (see polyscore/experimental.h). */
#ifdef PS_EXPERIMENTAL
#include "experimental.h"
#endif

#endif /* POLYSCORE_POLYSCORE_H */
