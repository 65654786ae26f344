/*
 * polyscore/model.h: loading a model and asking what it is.
 */
#ifndef POLYSCORE_MODEL_H
#define POLYSCORE_MODEL_H

#include "common.h"

PS_BEGIN_DECL

/*
 * A loaded model. Opaque: the handle is a slot number and a generation, never a
 * pointer into the library, so a freed or forged handle gives
 * PS_ERR_INVALID_HANDLE instead of a crash. A model is immutable once loaded and may
 * be used by any number of threads at once.
 * The handle is not an address: never dereference it, and in a garbage-collected
 * language keep it as an integer (uintptr_t), not as a pointer the collector scans.
 * Every call that only reads a model (info, feature names, output size, predict)
 * takes a const ps_model *; only ps_model_free, which ends the handle, does not.
 */
typedef struct ps_model ps_model;

/* A model file format: one of the PS_FORMAT_* values (ps_load_options.format,
 * ps_model_info.format). A fixed-width integer, not the enum type, so that its size
 * never depends on the compiler. */
typedef int32_t ps_format;
enum {
  PS_FORMAT_AUTO = 0,           /* detect from the content (load only) */
  PS_FORMAT_XGBOOST_JSON = 1,   /* XGBoost Booster.save_model("m.json"), 1.6 to 3.x */
  PS_FORMAT_XGBOOST_UBJSON = 2, /* XGBoost Booster.save_model("m.ubj") */
  PS_FORMAT_LIGHTGBM_TEXT = 3   /* LightGBM Booster.save_model("m.txt"), 3.x and 4.x */
};

/*
 * Load options. Initialise with PS_LOAD_OPTIONS_INIT or
 * ps_load_options_init(&opts, sizeof opts);
 * struct_size tells the library which fields your header had, so fields added later
 * keep their defaults for you. Passing NULL means all defaults. The other way round,
 * a struct from a newer header than the library's, with a field the library does not
 * know set (not 0), is refused with PS_ERR_ABI_VERSION rather than ignored; the same
 * holds for ps_predict_options.
 */
typedef struct ps_load_options {
  size_t struct_size;
  ps_format format;  /* PS_FORMAT_AUTO (default) detects it from the content */
  int32_t reserved0; /* must be 0 (PS_ERR_INVALID_ARGUMENT otherwise) */
  /* reserved0 names what would be tail padding: a struct has no hidden bytes, so the
   * struct_size of every caller covers exactly the fields it initialised. A later ABI
   * may give reserved0 a meaning whose default is 0. */
} ps_load_options;

#define PS_LOAD_OPTIONS_INIT {sizeof(ps_load_options), PS_FORMAT_AUTO, 0}

/*
 * Sets the first struct_size bytes of *opts to the defaults, with opts->struct_size =
 * struct_size: pass sizeof(ps_load_options) of YOUR header. Writes no byte past
 * struct_size (see ps_predict_options_init, which works the same way).
 * Errors: PS_ERR_INVALID_ARGUMENT (opts NULL, or struct_size < sizeof(size_t)).
 */
PS_API ps_status ps_load_options_init(ps_load_options *opts, size_t struct_size);

/*
 * Loads a model file. On success *out is a new handle to free with ps_model_free.
 * On failure *out is set to NULL.
 * Errors: PS_ERR_INVALID_ARGUMENT (out or path NULL, struct_size too small, unknown
 * format); PS_ERR_IO (cannot open or read the file, with the OS reason);
 * PS_ERR_PARSE (empty, truncated or corrupt file, JSON of the wrong shape; the
 * message names the field and, where known, ps_error_offset the byte);
 * PS_ERR_UNSUPPORTED (an objective, booster or tree kind polyscore does not score,
 * named in the message); PS_ERR_OUT_OF_MEMORY.
 */
PS_API ps_status ps_model_load_file(ps_model **out, const char *path,
                                    const ps_load_options *opts, ps_error *err);

/*
 * Loads a model from `size` bytes at `data` (the file's content). The bytes are not
 * kept: the caller may free them when this returns.
 * Errors: as ps_model_load_file, PS_ERR_INVALID_ARGUMENT also if data is NULL with
 * size > 0; never PS_ERR_IO.
 */
PS_API ps_status ps_model_load_buffer(ps_model **out, const void *data, size_t size,
                                      const ps_load_options *opts, ps_error *err);

/*
 * Releases the handle. Calls already running with this model finish normally; the
 * memory goes when the last of them returns. Any later use of the handle gives
 * PS_ERR_INVALID_HANDLE. NULL is a no-op; freeing twice is harmless.
 */
PS_API void ps_model_free(ps_model *model);

/* What a model is. Set struct_size (PS_MODEL_INFO_INIT) before ps_model_info. */
typedef struct ps_model_info {
  size_t struct_size;
  ps_format format;        /* PS_FORMAT_* the model was loaded from */
  uint32_t num_features;   /* columns a row must have */
  uint32_t num_outputs;    /* values per row for PS_OUTPUT_VALUE */
  uint32_t num_margins;    /* values per row for PS_OUTPUT_MARGIN (classes or targets) */
  uint32_t num_trees;      /* all trees; PS_OUTPUT_LEAF gives one value per tree used */
  uint32_t num_iterations; /* boosting rounds */
  char objective[64];      /* as the training library names it, NUL-terminated */
  char booster[32];        /* "gbtree", "dart", "gblinear", "gbdt", "rf", ... */
} ps_model_info;

#define PS_MODEL_INFO_INIT {sizeof(ps_model_info), 0, 0, 0, 0, 0, 0, {0}, {0}}

/*
 * Fills *out with the model's description (the fields its struct_size covers).
 * Errors: PS_ERR_INVALID_ARGUMENT (out NULL or struct_size too small);
 * PS_ERR_INVALID_HANDLE.
 */
PS_API ps_status ps_model_info_get(ps_model_info *out, const ps_model *model, ps_error *err);

/*
 * Copies the name of feature `index` into buf as a NUL-terminated string and sets
 * *len to its length (without the NUL). An empty name when the file has none.
 * Errors: PS_ERR_INVALID_ARGUMENT (len NULL, or buf NULL with capacity > 0);
 * PS_ERR_INVALID_HANDLE; PS_ERR_SHAPE (index >= num_features);
 * PS_ERR_BUFFER_TOO_SMALL (capacity <= length; *len still says the length, nothing
 * is written).
 */
PS_API ps_status ps_model_feature_name(char *buf, size_t capacity, size_t *len,
                                       const ps_model *model, uint32_t index, ps_error *err);

/*
 * Sets *categorical to 1 when some split of the model tests feature `index` as a
 * category (the split sends a set of category codes one way: XGBoost's categorical
 * splits, LightGBM's categorical_feature), else 0 (numeric splits only, or none). Such a
 * feature takes category CODES; a caller holding the values themselves codes them with
 * the feature's training categories (below) where the file saved them, and otherwise
 * (XGBoost before 3.1, LightGBM trained on arrays, a LightGBM list no caller paired)
 * must send the codes the training data had.
 * \since ABI 6
 * Errors: PS_ERR_INVALID_ARGUMENT (categorical NULL); PS_ERR_INVALID_HANDLE;
 * PS_ERR_SHAPE (index >= num_features).
 */
PS_API ps_status ps_model_feature_categorical(int32_t *categorical, const ps_model *model,
                                              uint32_t index, ps_error *err);

/*
 * Training categories (\since ABI 5).
 *
 * A model trained on a table with categorical columns (a pandas DataFrame with
 * categorical dtypes) scores category CODES: the code of a value is its position in
 * the list of categories the training data had. Where the file saved those lists, a
 * caller that holds the values themselves (strings, say) can code them exactly as the
 * training library does:
 *  - XGBoost 3.1 and later save one list per categorical feature; the list names its
 *    feature. A value that is not in the list is an error in XGBoost; a missing value
 *    is NaN.
 *  - LightGBM's Python package saves one list per categorical column of the training
 *    DataFrame, in column order (the file's "pandas_categorical:" line). The file does
 *    not say which feature each is (the list's feature is
 *    PS_CATEGORY_FEATURE_UNKNOWN): LightGBM pairs list i with the i-th categorical
 *    column of the frame it predicts on. Nor can a reader work it out: a categorical
 *    column need not be a categorical feature (an ordered one is numerical; an explicit
 *    categorical_feature replaces the dtypes), and two trainings can write the same file
 *    byte for byte with the list belonging to different features
 *    (tests/gen/lightgbm_list_pairing.py). A value that is not in the list, or missing,
 *    is NaN.
 * Models saved without them (XGBoost before 3.1, LightGBM trained on arrays, files
 * written by other tools) have no lists: the caller's own codes are used as they are.
 *
 * Each category is a kind and a text. The text is the same on every platform, so a
 * binding turns it into its own value type with one parse:
 *   PS_CATEGORY_STRING   the string's bytes (UTF-8 as the training library wrote them;
 *                        it may hold NUL bytes: use *len, not strlen). A Python string
 *                        with lone surrogates, which json.loads takes, keeps the bytes
 *                        Python's surrogateescape gives back for U+DC80..U+DCFF and the
 *                        3-byte form of any other, so such a text is not valid UTF-8
 *   PS_CATEGORY_INTEGER  decimal digits with an optional '-', as the file wrote them
 *                        (any size: a JSON integer has no bound)
 *   PS_CATEGORY_REAL     the shortest decimal that reads back as the same double
 *                        ("0.5", "1e+300"; a float32 in the file is widened first), or
 *                        "Infinity", "-Infinity", "NaN"
 *   PS_CATEGORY_BOOLEAN  "true" or "false"
 * A list holds at most 2^24 categories and a text at most 65,536 bytes; a file with
 * more, or with malformed lists, fails to load with PS_ERR_PARSE naming the problem.
 */
typedef int32_t ps_category_kind;
enum {
  PS_CATEGORY_STRING = 1,  /* a string: its bytes */
  PS_CATEGORY_INTEGER = 2, /* an integer: decimal digits */
  PS_CATEGORY_REAL = 3,    /* a floating-point number: shortest round-trip decimal */
  PS_CATEGORY_BOOLEAN = 4  /* "true" or "false" */
};

/* ps_model_category_list's *feature when the file does not say which feature a list
 * belongs to (LightGBM's pandas_categorical). */
enum { PS_CATEGORY_FEATURE_UNKNOWN = -1 };

/*
 * Sets *count to the number of category lists the model file saved (0 when none) and,
 * if saved is not NULL, *saved to 1 when the file holds the lists, even an empty set of
 * them, and 0 when it holds none. The two differ where the training library treats
 * them differently: LightGBM writes "pandas_categorical:[]" for a model trained on a
 * DataFrame with no categorical column (saved 1, count 0; it refuses to predict on a
 * DataFrame with categorical columns) and "pandas_categorical:null" for one trained on
 * arrays (saved 0; it codes such columns by the DataFrame's own categories). XGBoost
 * 3.1+ saves the lists of every model (saved 1, count 0 when no feature is
 * categorical); earlier versions save none (saved 0).
 * \since ABI 5
 * Errors: PS_ERR_INVALID_ARGUMENT (count NULL); PS_ERR_INVALID_HANDLE.
 */
PS_API ps_status ps_model_category_list_count(uint32_t *count, int32_t *saved,
                                              const ps_model *model, ps_error *err);

/*
 * Describes category list `list`: *feature is the feature index it codes (in
 * [0, num_features)), or PS_CATEGORY_FEATURE_UNKNOWN; *num_categories is its length.
 * \since ABI 5
 * Errors: PS_ERR_INVALID_ARGUMENT (feature or num_categories NULL);
 * PS_ERR_INVALID_HANDLE; PS_ERR_SHAPE (list >= ps_model_category_list_count).
 */
PS_API ps_status ps_model_category_list(int64_t *feature, uint32_t *num_categories,
                                        const ps_model *model, uint32_t list, ps_error *err);

/*
 * Copies the text of category `index` of list `list` (the value whose code is `index`)
 * into buf, NUL-terminated, sets *len to its length (without the NUL) and, if kind is
 * not NULL, *kind to its PS_CATEGORY_* kind.
 * \since ABI 5
 * Errors: PS_ERR_INVALID_ARGUMENT (len NULL, or buf NULL with capacity > 0);
 * PS_ERR_INVALID_HANDLE; PS_ERR_SHAPE (list >= ps_model_category_list_count, or
 * index >= the list's num_categories); PS_ERR_BUFFER_TOO_SMALL (capacity <= length;
 * *len and *kind are still set, nothing is written to buf).
 */
PS_API ps_status ps_model_category(char *buf, size_t capacity, size_t *len,
                                   ps_category_kind *kind, const ps_model *model, uint32_t list,
                                   uint32_t index, ps_error *err);

PS_END_DECL

#endif /* POLYSCORE_MODEL_H */
