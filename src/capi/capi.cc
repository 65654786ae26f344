// The C ABI: a thin shell that checks arguments, finds the model behind a handle,
// calls the core, and turns every exception into a ps_status and a ps_error.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <new>
#include <string>
#include <thread>

#include "capi/model_file.h"
#include "capi/model_table.h"
#include "loaders/loaders.h"
#include "model/error.h"
#include "polyscore/polyscore.h"
#include "explain/tree_shap.h"
#include "explain/tree_shap_interactions.h"
#include "predict/predictor.h"

struct ps_error {
  ps_status code = PS_OK;
  std::string message;
  int64_t offset = -1;
};

using polyscore::Error;
using polyscore::Forest;
using polyscore::LoadedModel;
using polyscore::ModelFileBytes;
using polyscore::ModelRef;
using polyscore::ModelTable;
using polyscore::TrainingCategories;

namespace {

// The error paths are cold and out of line, so the checks on a call's fast path are a
// compare and a branch each.
#define PS_COLD __attribute__((cold, noinline))

ps_status record(ps_error* err, ps_status code, const char* message, int64_t offset = -1) {
  if (err) {
    try {
      err->code = code;
      err->message = message;
      err->offset = offset;
    } catch (...) {
      err->message.clear();  // out of memory for the message: the code still says it
    }
  }
  return code;
}

// Runs body, turning any exception into a status recorded in err.
template <typename Body>
ps_status guarded(ps_error* err, Body&& body) {
  try {
    body();
    return PS_OK;
  } catch (const Error& e) {
    return record(err, e.code(), e.what(), e.offset());
  } catch (const std::bad_alloc&) {
    return record(err, PS_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return record(err, PS_ERR_INTERNAL, (std::string("internal error: ") + e.what()).c_str());
  } catch (...) {
    return record(err, PS_ERR_INTERNAL, "internal error: unknown exception");
  }
}

[[noreturn]] void invalid(const std::string& message) {
  throw Error(PS_ERR_INVALID_ARGUMENT, message);
}

[[noreturn]] PS_COLD void null_argument(const char* name) { invalid(std::string(name) + " is NULL"); }

void require(const void* pointer, const char* name) {
  if (!pointer) null_argument(name);
}

[[noreturn]] PS_COLD void invalid_handle() {
  throw Error(PS_ERR_INVALID_HANDLE, "invalid model handle: it was freed or never loaded");
}

const LoadedModel& loaded(const ModelRef& ref) {
  if (!ref.get()) invalid_handle();
  return *ref.get();
}

const Forest& live(const ModelRef& ref) { return *loaded(ref).forest; }

// True when a caller's options struct of struct_size bytes has the field at offset..size.
bool covers(size_t struct_size, size_t offset, size_t size) { return struct_size >= offset + size; }
#define PS_HAS(opts, field) \
  covers((opts)->struct_size, offsetof(std::remove_pointer_t<decltype(opts)>, field), sizeof((opts)->field))

// The end (offset + size) of a field of a public struct.
#define PS_FIELD_END(type, field) (offsetof(type, field) + sizeof(static_cast<type*>(nullptr)->field))

// How many leading bytes of `defaults` a caller's struct of struct_size bytes may take:
// up to the end of the last field it covers whole (field_ends in offset order).
size_t whole_fields(size_t struct_size, std::initializer_list<size_t> field_ends) {
  size_t covered = 0;
  for (size_t end : field_ends) {
    if (end <= struct_size) covered = end;
  }
  return covered;
}

// The options init functions: the caller says how big its struct is, so a library whose
// struct has grown never writes past the caller's memory (issue: a 1.0 program calling
// a later library's init would overflow its own stack). Bytes the caller has but no
// field of ours covers (a partial field, or a newer caller's fields) are zeroed.
template <typename Options>
ps_status init_options(Options* opts, size_t struct_size, const Options& defaults, size_t covered) {
  if (!opts || struct_size < sizeof(size_t)) return PS_ERR_INVALID_ARGUMENT;
  std::memset(static_cast<void*>(opts), 0, struct_size);
  std::memcpy(static_cast<void*>(opts), &defaults, covered);
  opts->struct_size = struct_size;
  return PS_OK;
}

// A caller built against a newer header passes a larger struct. Its fields past ours are
// ones this library cannot honour, so they must hold their defaults, which are zero by
// the rule for new fields (docs/abi.md): a set one is refused, never ignored, since
// ignoring it would answer a question the caller did not ask (the Linux kernel's rule
// for extensible structs, copy_struct_from_user).
// Every predict call and load checks its options so, before reading any field.
template <typename Options>
void refuse_unknown_fields(const Options* opts, const char* name) {
  if (!opts) return;
  // A size no header will reach: garbage, not a newer caller; reading that far could fault.
  constexpr size_t kMaxStructSize = 4096;
  if (opts->struct_size > kMaxStructSize) {
    invalid(std::string(name) + ".struct_size is " + std::to_string(opts->struct_size) +
            "; set it to sizeof the struct");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(opts);
  for (size_t i = sizeof(Options); i < opts->struct_size; ++i) {
    if (bytes[i] != 0) {
      throw Error(PS_ERR_ABI_VERSION,
                  std::string(name) + " has a field this library (ABI " + std::to_string(PS_ABI_VERSION) +
                      ", " + std::to_string(sizeof(Options)) + " bytes) does not know set: byte " +
                      std::to_string(i) + " of struct_size " + std::to_string(opts->struct_size) +
                      " is not 0; the caller needs a newer libpolyscore");
    }
  }
}

int32_t load_format(const ps_load_options* opts) {
  if (!opts) return PS_FORMAT_AUTO;
  if (opts->struct_size < sizeof(size_t)) invalid("ps_load_options.struct_size is too small");
  refuse_unknown_fields(opts, "ps_load_options");
  if (PS_HAS(opts, reserved0) && opts->reserved0 != 0) {
    invalid("ps_load_options.reserved0 is " + std::to_string(opts->reserved0) + "; it must be 0");
  }
  return PS_HAS(opts, format) ? opts->format : PS_FORMAT_AUTO;
}

bool known_shap_algorithm(ps_shap_algorithm algorithm) {
  return algorithm == PS_SHAP_AUTO || algorithm == PS_SHAP_TREESHAP || algorithm == PS_SHAP_QUADRATURE;
}

polyscore::PredictRequest predict_request(const ps_predict_options* opts) {
  polyscore::PredictRequest request;
  if (!opts) return request;
  if (opts->struct_size < sizeof(size_t)) invalid("ps_predict_options.struct_size is too small");
  if (PS_HAS(opts, output)) {
    if (opts->output < PS_OUTPUT_VALUE || opts->output > PS_OUTPUT_INTERACTIONS) {
      invalid("unknown output kind " + std::to_string(opts->output));
    }
    // Contributions and interaction values use the trees margins do (see contrib_plan).
    request.kind = opts->output >= PS_OUTPUT_CONTRIB ? polyscore::OutputKind::kMargin
                                                     : static_cast<polyscore::OutputKind>(opts->output);
  }
  if (PS_HAS(opts, iteration_begin)) request.iteration_begin = opts->iteration_begin;
  if (PS_HAS(opts, iteration_end)) request.iteration_end = opts->iteration_end;
  if (PS_HAS(opts, num_threads)) {
    if (opts->num_threads < 0) invalid("num_threads is negative");
    request.num_threads = opts->num_threads == 0 ? std::max(1u, std::thread::hardware_concurrency())
                                                 : static_cast<unsigned>(opts->num_threads);
  }
  if (PS_HAS(opts, shap_algorithm) && !known_shap_algorithm(opts->shap_algorithm)) {
    invalid("unknown shap_algorithm " + std::to_string(opts->shap_algorithm) +
            " (PS_SHAP_AUTO 0, PS_SHAP_TREESHAP 1, PS_SHAP_QUADRATURE 2)");
  }
  if (PS_HAS(opts, reserved1) && opts->reserved1 != 0) {
    invalid("ps_predict_options.reserved1 is " + std::to_string(opts->reserved1) + "; it must be 0");
  }
  return request;
}

// The plan made at load (LoadedModel::full_plan) that opts ask for, when they ask for all
// rounds of some output kind with valid options; else nullptr, and the call plans afresh
// with predict_request and plan_prediction, which also report any error in the options.
// Reads only the fields opts->struct_size covers, as predict_request does.
const polyscore::PredictPlan* cached_plan(const LoadedModel& model, const ps_predict_options* opts) {
  int32_t kind = PS_OUTPUT_VALUE;
  if (opts) {
    if (opts->struct_size < sizeof(size_t)) return nullptr;
    if (PS_HAS(opts, output)) kind = opts->output;
    if (PS_HAS(opts, iteration_begin) && opts->iteration_begin != 0) return nullptr;
    if (PS_HAS(opts, iteration_end) && opts->iteration_end != 0) return nullptr;
    if (PS_HAS(opts, num_threads) && opts->num_threads < 0) return nullptr;
    if (PS_HAS(opts, shap_algorithm) && !known_shap_algorithm(opts->shap_algorithm)) return nullptr;
    if (PS_HAS(opts, reserved1) && opts->reserved1 != 0) return nullptr;
  }
  if (kind < PS_OUTPUT_VALUE || kind > PS_OUTPUT_LEAF || !model.has_full_plan[kind]) return nullptr;
  return &model.full_plan[kind];
}

// The plan of a call with opts: the cached one (threads set from opts) or a fresh one.
polyscore::PredictPlan plan_for(const LoadedModel& model, const ps_predict_options* opts) {
  const auto request = predict_request(opts);  // validates opts, resolves num_threads 0
  if (const polyscore::PredictPlan* cached = cached_plan(model, opts)) {
    polyscore::PredictPlan plan = *cached;
    plan.num_threads = request.num_threads;
    return plan;
  }
  return polyscore::plan_prediction(*model.forest, request);
}

// PS_OUTPUT_CONTRIB and PS_OUTPUT_INTERACTIONS calls go to src/explain (TreeSHAP)
// instead of the predictor.
bool asks_output(const ps_predict_options* opts, ps_output_kind kind) {
  return opts && opts->struct_size >= sizeof(size_t) && PS_HAS(opts, output) && opts->output == kind;
}
bool asks_contributions(const ps_predict_options* opts) { return asks_output(opts, PS_OUTPUT_CONTRIB); }
bool asks_interactions(const ps_predict_options* opts) { return asks_output(opts, PS_OUTPUT_INTERACTIONS); }
bool asks_explanation(const ps_predict_options* opts) { return asks_contributions(opts) || asks_interactions(opts); }

// The SHAP tables of the algorithm a call asks for (ps_predict_options.shap_algorithm,
// ABI 6; checked by predict_request).
const polyscore::ContribTables& shap_tables(const LoadedModel& model, const ps_predict_options* opts) {
  polyscore::ShapArithmetic arithmetic = model.default_shap;
  if (opts && PS_HAS(opts, shap_algorithm)) {
    if (opts->shap_algorithm == PS_SHAP_TREESHAP) arithmetic = polyscore::ShapArithmetic::kExactTreeShap;
    if (opts->shap_algorithm == PS_SHAP_QUADRATURE) arithmetic = polyscore::ShapArithmetic::kQuadratureTreeShap;
  }
  return model.contrib(arithmetic);
}

// The trees a contributions or interactions call uses (the margin plan's) and its
// values per row.
polyscore::PredictPlan contrib_plan(const LoadedModel& model, const ps_predict_options* opts) {
  polyscore::PredictPlan plan = polyscore::plan_prediction(*model.forest, predict_request(opts));
  const polyscore::ContribTables& tables = shap_tables(model, opts);
  if (asks_interactions(opts)) {
    const std::string why = polyscore::interactions_unsupported(*model.forest, tables);
    if (!why.empty()) throw Error(PS_ERR_UNSUPPORTED, why);
    plan.values_per_row = polyscore::interaction_values_per_row(*model.forest);
    return plan;
  }
  if (!tables.usable) throw Error(PS_ERR_UNSUPPORTED, tables.unsupported);
  plan.values_per_row = polyscore::contrib_values_per_row(*model.forest);
  return plan;
}

// The per-row offsets of a call (ps_predict_options.base_margin, ABI 3), checked against
// n_rows; nullptr when there are none, or the caller's struct (an ABI 1 or 2 program's)
// ends before base_margin_len.
const double* call_offsets(const ps_predict_options* opts, const Forest& forest, size_t n_rows) {
  if (!opts || opts->struct_size < sizeof(size_t) || !PS_HAS(opts, base_margin_len)) return nullptr;
  if (!opts->base_margin) {
    if (opts->base_margin_len != 0) {
      invalid("base_margin is NULL but base_margin_len is " + std::to_string(opts->base_margin_len));
    }
    return nullptr;
  }
  if (opts->output == PS_OUTPUT_LEAF) {
    invalid("base_margin does not apply to PS_OUTPUT_LEAF: leaf ids do not depend on the margin");
  }
  if (forest.average_output) {
    throw Error(PS_ERR_UNSUPPORTED,
                "base_margin on a LightGBM random forest (average_output) is not supported: its predict "
                "averages the rounds' sum, and no offset of that is defined");
  }
  const size_t margins = forest.num_margin_outputs;
  if (n_rows > std::numeric_limits<size_t>::max() / margins || opts->base_margin_len != n_rows * margins) {
    invalid("base_margin has " + std::to_string(opts->base_margin_len) + " values; expected " +
            std::to_string(n_rows) + " rows x " + std::to_string(margins) + " margins = " +
            std::to_string(n_rows * margins));
  }
  return opts->base_margin;
}

size_t checked_output_size(size_t n_rows, size_t per_row) {
  if (per_row != 0 && n_rows > std::numeric_limits<size_t>::max() / per_row) {
    invalid("output size overflows: too many rows");
  }
  return n_rows * per_row;
}

[[noreturn]] PS_COLD void output_too_small(size_t out_len, size_t needed) {
  throw Error(PS_ERR_BUFFER_TOO_SMALL, "output buffer holds " + std::to_string(out_len) +
                                           " values but " + std::to_string(needed) + " are needed");
}

void check_output(size_t out_len, size_t needed) {
  if (out_len < needed) output_too_small(out_len, needed);
}

[[noreturn]] PS_COLD void wrong_columns(const Forest& forest, size_t n_cols) {
  throw Error(PS_ERR_SHAPE, "input has " + std::to_string(n_cols) +
                                " features per row but the model expects " +
                                std::to_string(forest.num_features));
}

void check_columns(const Forest& forest, size_t n_cols) {
  if (n_cols != forest.num_features) wrong_columns(forest, n_cols);
}

void check_dtype(int32_t dtype) {
  if (dtype != PS_DTYPE_FLOAT32 && dtype != PS_DTYPE_FLOAT64) {
    invalid("unknown dtype " + std::to_string(dtype) + " (expected PS_DTYPE_FLOAT32 or PS_DTYPE_FLOAT64)");
  }
}

ps_model* load_bytes(std::string_view bytes, const ps_load_options* opts) {
  const int32_t format = load_format(opts);
  auto forest = std::make_unique<Forest>(polyscore::load_model(bytes, format));
  return ModelTable::instance().insert(std::make_unique<LoadedModel>(std::move(forest)));
}

void copy_name(char* dst, size_t capacity, const std::string& src) {
  const size_t n = std::min(capacity - 1, src.size());
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

// The list `list` of the model's training categories, or PS_ERR_SHAPE naming the count.
const TrainingCategories& category_list(const Forest& forest, uint32_t list) {
  const TrainingCategories& cats = forest.training_categories;
  if (list >= cats.num_lists()) {
    throw Error(PS_ERR_SHAPE, "category list " + std::to_string(list) + " is out of range: the model has " +
                                  std::to_string(cats.num_lists()) + " category lists");
  }
  return cats;
}

// A feature index a call names must be one of the model's features.
void check_feature_index(const Forest& forest, uint32_t index) {
  if (index >= forest.num_features) {
    throw Error(PS_ERR_SHAPE, "feature index " + std::to_string(index) + " is out of range: the model has " +
                                  std::to_string(forest.num_features) + " features");
  }
}

}  // namespace

extern "C" {

uint32_t ps_abi_version(void) { return PS_ABI_VERSION; }

const char* ps_version_string(void) { return POLYSCORE_VERSION_STRING; }

const char* ps_status_name(ps_status status) {
  switch (status) {
    case PS_OK: return "PS_OK";
    case PS_ERR_INVALID_ARGUMENT: return "PS_ERR_INVALID_ARGUMENT";
    case PS_ERR_INVALID_HANDLE: return "PS_ERR_INVALID_HANDLE";
    case PS_ERR_IO: return "PS_ERR_IO";
    case PS_ERR_PARSE: return "PS_ERR_PARSE";
    case PS_ERR_UNSUPPORTED: return "PS_ERR_UNSUPPORTED";
    case PS_ERR_SHAPE: return "PS_ERR_SHAPE";
    case PS_ERR_BUFFER_TOO_SMALL: return "PS_ERR_BUFFER_TOO_SMALL";
    case PS_ERR_OUT_OF_MEMORY: return "PS_ERR_OUT_OF_MEMORY";
    case PS_ERR_ABI_VERSION: return "PS_ERR_ABI_VERSION";
    case PS_ERR_INTERNAL: return "PS_ERR_INTERNAL";
    default: return "PS_ERR_UNKNOWN";
  }
}

ps_status ps_error_create(ps_error** out) {
  if (!out) return PS_ERR_INVALID_ARGUMENT;
  *out = new (std::nothrow) ps_error();
  return *out ? PS_OK : PS_ERR_OUT_OF_MEMORY;
}

void ps_error_free(ps_error* err) { delete err; }

ps_status ps_error_code(const ps_error* err) { return err ? err->code : PS_OK; }

const char* ps_error_message(const ps_error* err) { return err ? err->message.c_str() : ""; }

int64_t ps_error_offset(const ps_error* err) { return err ? err->offset : -1; }

void ps_error_clear(ps_error* err) {
  if (!err) return;
  err->code = PS_OK;
  err->message.clear();
  err->offset = -1;
}

ps_status ps_abi_check(uint32_t required, ps_error* err) {
  if (required <= PS_ABI_VERSION) return PS_OK;
  const std::string message = "libpolyscore ABI version " + std::to_string(PS_ABI_VERSION) +
                              " (release " POLYSCORE_VERSION_STRING ") is older than the ABI version " +
                              std::to_string(required) + " this program needs; install a newer libpolyscore.so.1";
  return record(err, PS_ERR_ABI_VERSION, message.c_str());
}

ps_status ps_load_options_init(ps_load_options* opts, size_t struct_size) {
  const ps_load_options defaults = PS_LOAD_OPTIONS_INIT;
  return init_options(opts, struct_size, defaults,
                      whole_fields(struct_size, {PS_FIELD_END(ps_load_options, struct_size),
                                                 PS_FIELD_END(ps_load_options, format),
                                                 PS_FIELD_END(ps_load_options, reserved0)}));
}

ps_status ps_predict_options_init(ps_predict_options* opts, size_t struct_size) {
  const ps_predict_options defaults = PS_PREDICT_OPTIONS_INIT;
  return init_options(opts, struct_size, defaults,
                      whole_fields(struct_size, {PS_FIELD_END(ps_predict_options, struct_size),
                                                 PS_FIELD_END(ps_predict_options, output),
                                                 PS_FIELD_END(ps_predict_options, iteration_begin),
                                                 PS_FIELD_END(ps_predict_options, iteration_end),
                                                 PS_FIELD_END(ps_predict_options, num_threads),
                                                 PS_FIELD_END(ps_predict_options, base_margin),
                                                 PS_FIELD_END(ps_predict_options, base_margin_len),
                                                 PS_FIELD_END(ps_predict_options, shap_algorithm),
                                                 PS_FIELD_END(ps_predict_options, reserved1)}));
}

ps_status ps_model_load_file(ps_model** out, const char* path, const ps_load_options* opts,
                             ps_error* err) {
  if (out) *out = nullptr;
  return guarded(err, [&] {
    require(out, "out");
    require(path, "path");
    const ModelFileBytes bytes(path);
    try {
      *out = load_bytes(bytes.view(), opts);
    } catch (const Error& e) {
      if (e.code() == PS_ERR_PARSE) throw Error(e.code(), std::string(path) + ": " + e.what(), e.offset());
      throw;
    }
  });
}

ps_status ps_model_load_buffer(ps_model** out, const void* data, size_t size,
                               const ps_load_options* opts, ps_error* err) {
  if (out) *out = nullptr;
  return guarded(err, [&] {
    require(out, "out");
    if (!data && size > 0) invalid("data is NULL");
    *out = load_bytes(std::string_view(static_cast<const char*>(data), data ? size : 0), opts);
  });
}

void ps_model_free(ps_model* model) {
  if (model) ModelTable::instance().remove(model);
}

ps_status ps_model_info_get(ps_model_info* out, const ps_model* model, ps_error* err) {
  return guarded(err, [&] {
    require(out, "out");
    if (out->struct_size < offsetof(ps_model_info, format) + sizeof(int32_t)) {
      invalid("ps_model_info.struct_size is too small");
    }
    ModelRef ref(model);
    const Forest& forest = live(ref);
    ps_model_info info = PS_MODEL_INFO_INIT;
    info.format = static_cast<int32_t>(forest.format);
    info.num_features = forest.num_features;
    info.num_outputs = forest.num_value_outputs();
    info.num_margins = forest.num_margin_outputs;
    info.num_trees = static_cast<uint32_t>(forest.trees.size());
    info.num_iterations = forest.num_iterations();
    copy_name(info.objective, sizeof info.objective, forest.objective);
    copy_name(info.booster, sizeof info.booster, forest.booster);
    const size_t size = std::min(out->struct_size, sizeof info);
    std::memcpy(reinterpret_cast<char*>(out) + sizeof(size_t),
                reinterpret_cast<const char*>(&info) + sizeof(size_t), size - sizeof(size_t));
  });
}

ps_status ps_model_feature_name(char* buf, size_t capacity, size_t* len, const ps_model* model,
                                uint32_t index, ps_error* err) {
  return guarded(err, [&] {
    require(len, "len");
    if (!buf && capacity > 0) invalid("buf is NULL");
    ModelRef ref(model);
    const Forest& forest = live(ref);
    check_feature_index(forest, index);
    const std::string name = forest.feature_names.empty() ? std::string() : forest.feature_names[index];
    *len = name.size();
    if (capacity <= name.size()) {
      throw Error(PS_ERR_BUFFER_TOO_SMALL, "feature name needs " + std::to_string(name.size() + 1) +
                                               " bytes, the buffer has " + std::to_string(capacity));
    }
    copy_name(buf, capacity, name);
  });
}

ps_status ps_model_feature_categorical(int32_t* categorical, const ps_model* model, uint32_t index, ps_error* err) {
  return guarded(err, [&] {
    require(categorical, "categorical");
    ModelRef ref(model);
    const LoadedModel& loaded_model = loaded(ref);
    check_feature_index(*loaded_model.forest, index);
    *categorical = std::binary_search(loaded_model.categorical_features.begin(),
                                      loaded_model.categorical_features.end(), index)
                       ? 1
                       : 0;
  });
}

ps_status ps_model_category_list_count(uint32_t* count, int32_t* saved, const ps_model* model, ps_error* err) {
  return guarded(err, [&] {
    require(count, "count");
    ModelRef ref(model);
    const TrainingCategories& cats = live(ref).training_categories;
    *count = static_cast<uint32_t>(cats.num_lists());
    if (saved) *saved = cats.saved() ? 1 : 0;
  });
}

ps_status ps_model_category_list(int64_t* feature, uint32_t* num_categories, const ps_model* model,
                                 uint32_t list, ps_error* err) {
  return guarded(err, [&] {
    require(feature, "feature");
    require(num_categories, "num_categories");
    ModelRef ref(model);
    const TrainingCategories& cats = category_list(live(ref), list);
    *feature = cats.feature(list);
    *num_categories = static_cast<uint32_t>(cats.list_size(list));
  });
}

ps_status ps_model_category(char* buf, size_t capacity, size_t* len, ps_category_kind* kind,
                            const ps_model* model, uint32_t list, uint32_t index, ps_error* err) {
  return guarded(err, [&] {
    require(len, "len");
    if (!buf && capacity > 0) invalid("buf is NULL");
    ModelRef ref(model);
    const TrainingCategories& cats = category_list(live(ref), list);
    if (index >= cats.list_size(list)) {
      throw Error(PS_ERR_SHAPE, "category " + std::to_string(index) + " of list " + std::to_string(list) +
                                    " is out of range: the list has " + std::to_string(cats.list_size(list)) +
                                    " categories");
    }
    const std::string_view text = cats.text(list, index);
    *len = text.size();
    if (kind) *kind = static_cast<ps_category_kind>(cats.kind(list, index));
    if (capacity <= text.size()) {
      throw Error(PS_ERR_BUFFER_TOO_SMALL, "category needs " + std::to_string(text.size() + 1) +
                                               " bytes, the buffer has " + std::to_string(capacity));
    }
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
  });
}

ps_status ps_model_output_size(size_t* out, const ps_model* model, size_t n_rows,
                               const ps_predict_options* opts, ps_error* err) {
  return guarded(err, [&] {
    require(out, "out");
    refuse_unknown_fields(opts, "ps_predict_options");
    ModelRef ref(model);
    const auto plan = asks_explanation(opts) ? contrib_plan(loaded(ref), opts) : plan_for(loaded(ref), opts);
    *out = checked_output_size(n_rows, plan.values_per_row);
  });
}

ps_status ps_model_predict_dense(double* out, size_t out_len, const ps_model* model, const void* rows,
                                 ps_dtype dtype, size_t n_rows, size_t n_cols,
                                 const ps_predict_options* opts, ps_error* err) {
  return guarded(err, [&] {
    if (n_rows > 0) {  // no rows: nothing is read or written, NULL buffers are fine
      require(out, "out");
      require(rows, "rows");
    }
    check_dtype(dtype);
    ModelRef ref(model);
    const LoadedModel& loaded_model = loaded(ref);
    const Forest& forest = *loaded_model.forest;
    check_columns(forest, n_cols);
    refuse_unknown_fields(opts, "ps_predict_options");
    const double* offsets = call_offsets(opts, forest, n_rows);
    if (asks_explanation(opts)) {
      const auto plan = contrib_plan(loaded_model, opts);
      const polyscore::ContribTables& tables = shap_tables(loaded_model, opts);
      check_output(out_len, checked_output_size(n_rows, plan.values_per_row));
      auto explain = [&](const auto* typed_rows) {
        if (asks_interactions(opts)) {
          polyscore::interactions_dense(forest, tables, plan.tree_begin, plan.tree_end, typed_rows,
                                        n_rows, out, plan.num_threads, offsets);
        } else {
          polyscore::contributions_dense(forest, tables, plan.tree_begin, plan.tree_end, typed_rows,
                                         n_rows, out, plan.num_threads, offsets);
        }
      };
      if (dtype == PS_DTYPE_FLOAT32) {
        explain(static_cast<const float*>(rows));
      } else {
        explain(static_cast<const double*>(rows));
      }
      return;
    }
    const auto plan = plan_for(loaded_model, opts);
    check_output(out_len, checked_output_size(n_rows, plan.values_per_row));
    if (dtype == PS_DTYPE_FLOAT32) {
      polyscore::predict_dense(loaded_model.prepared, plan, static_cast<const float*>(rows), n_rows, out, offsets);
    } else {
      polyscore::predict_dense(loaded_model.prepared, plan, static_cast<const double*>(rows), n_rows, out, offsets);
    }
  });
}

ps_status ps_model_predict_csr(double* out, size_t out_len, const ps_model* model, const int64_t* indptr,
                               const int32_t* indices, const void* values, ps_dtype dtype,
                               size_t n_rows, size_t n_cols, const ps_predict_options* opts,
                               ps_error* err) {
  return guarded(err, [&] {
    if (n_rows > 0) require(out, "out");
    require(indptr, "indptr");
    check_dtype(dtype);
    ModelRef ref(model);
    const Forest& forest = live(ref);
    check_columns(forest, n_cols);
    if (indptr[0] != 0) throw Error(PS_ERR_SHAPE, "CSR indptr[0] is " + std::to_string(indptr[0]) + ", not 0");
    for (size_t r = 0; r < n_rows; ++r) {
      if (indptr[r + 1] < indptr[r]) {
        throw Error(PS_ERR_SHAPE, "CSR indptr decreases at row " + std::to_string(r));
      }
    }
    const int64_t nnz = indptr[n_rows];
    if (nnz > 0) {
      require(indices, "indices");
      require(values, "values");
    }
    for (int64_t k = 0; k < nnz; ++k) {
      if (indices[k] < 0 || static_cast<size_t>(indices[k]) >= n_cols) {
        throw Error(PS_ERR_SHAPE, "CSR column index " + std::to_string(indices[k]) + " at entry " +
                                      std::to_string(k) + " is outside [0, " + std::to_string(n_cols) + ")");
      }
    }
    refuse_unknown_fields(opts, "ps_predict_options");
    const double* offsets = call_offsets(opts, forest, n_rows);
    if (asks_explanation(opts)) {
      const LoadedModel& loaded_model = loaded(ref);
      const auto plan = contrib_plan(loaded_model, opts);
      const polyscore::ContribTables& tables = shap_tables(loaded_model, opts);
      check_output(out_len, checked_output_size(n_rows, plan.values_per_row));
      auto explain = [&](const auto* typed_values) {
        if (asks_interactions(opts)) {
          polyscore::interactions_csr(forest, tables, plan.tree_begin, plan.tree_end, indptr, indices,
                                      typed_values, n_rows, out, plan.num_threads, offsets);
        } else {
          polyscore::contributions_csr(forest, tables, plan.tree_begin, plan.tree_end, indptr, indices,
                                       typed_values, n_rows, out, plan.num_threads, offsets);
        }
      };
      if (dtype == PS_DTYPE_FLOAT32) {
        explain(static_cast<const float*>(values));
      } else {
        explain(static_cast<const double*>(values));
      }
      return;
    }
    const auto plan = polyscore::plan_prediction(forest, predict_request(opts));
    check_output(out_len, checked_output_size(n_rows, plan.values_per_row));
    if (dtype == PS_DTYPE_FLOAT32) {
      polyscore::predict_csr(loaded(ref).prepared, plan, indptr, indices, static_cast<const float*>(values), n_rows,
                             out, offsets);
    } else {
      polyscore::predict_csr(loaded(ref).prepared, plan, indptr, indices, static_cast<const double*>(values), n_rows,
                             out, offsets);
    }
  });
}

ps_status ps_model_predict_row(double* out, size_t out_len, const ps_model* model, const double* row,
                               size_t n_features, const ps_predict_options* opts, ps_error* err) {
  return guarded(err, [&] {
    require(out, "out");
    require(row, "row");
    ModelRef ref(model);
    const LoadedModel& loaded_model = loaded(ref);
    const Forest& forest = *loaded_model.forest;
    check_columns(forest, n_features);
    refuse_unknown_fields(opts, "ps_predict_options");
    const double* offset = call_offsets(opts, forest, 1);
    if (asks_explanation(opts)) {  // allocates its path scratch (not the no-alloc fast path)
      const auto plan = contrib_plan(loaded_model, opts);
      const polyscore::ContribTables& tables = shap_tables(loaded_model, opts);
      check_output(out_len, plan.values_per_row);
      if (asks_interactions(opts)) {
        polyscore::interactions_dense(forest, tables, plan.tree_begin, plan.tree_end, row, 1, out, 1, offset);
      } else {
        polyscore::contributions_dense(forest, tables, plan.tree_begin, plan.tree_end, row, 1, out, 1, offset);
      }
      return;
    }
    // Default options (or any output kind over all rounds): the plan made at load. The
    // row is scored on one thread whatever opts->num_threads says.
    const polyscore::PredictPlan* plan = cached_plan(loaded_model, opts);
    polyscore::PredictPlan fresh;
    if (!plan) {
      auto request = predict_request(opts);
      request.num_threads = 1;
      fresh = polyscore::plan_prediction(forest, request);
      plan = &fresh;
    }
    check_output(out_len, plan->values_per_row);
    if (loaded_model.row_on_stack) {
      polyscore::predict_row(loaded_model.prepared, *plan, row, out, offset);
    } else {
      polyscore::predict_dense(loaded_model.prepared, *plan, row, 1, out, offset);  // too big for the stack
    }
  });
}

}  // extern "C"
