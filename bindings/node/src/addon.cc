// Node-API addon for polyscore: a thin layer over the C ABI in include/polyscore/.
//
// The JavaScript side (index.js) parses options and shapes the public API; this file
// only moves data between JavaScript values and the C calls:
//   - NativeModel (Napi::ObjectWrap) owns one ps_model handle; its destructor frees it
//     as a safety net when close() was never called.
//   - predict() reads a Float64Array/Float32Array in place (ArrayBuffer data pointer
//     plus byteOffset: no copy) and writes into a new Float64Array.
//   - predictAsync() runs the same call on the libuv thread pool (Napi::AsyncWorker),
//     holding references to the input array, the output array and the model object so
//     none of them can be collected while the worker reads or writes them.
//   - Failures become PolyscoreError objects (the class comes from index.js through
//     setErrorClass) carrying the status name, the numeric status and the library's
//     message.
// The addon is context-aware (Napi::Addon with per-environment instance data), so it
// can be loaded in several worker_threads at once.
#include <napi.h>

#include <polyscore/polyscore.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

class PolyscoreAddon;

// One ps_error owned by a C++ scope.
class ErrorBox {
 public:
  ErrorBox() { ps_error_create(&err_); }
  ~ErrorBox() { ps_error_free(err_); }
  ErrorBox(const ErrorBox&) = delete;
  ErrorBox& operator=(const ErrorBox&) = delete;
  ps_error* get() const { return err_; }

 private:
  ps_error* err_ = nullptr;
};

// A failure captured away from the JavaScript thread (or before an Env is at hand).
struct Failure {
  ps_status status = PS_OK;
  std::string message;
  int64_t offset = -1;

  static Failure From(ps_status status, const ps_error* err) {
    Failure f;
    f.status = status;
    f.message = err ? ps_error_message(err) : "";
    if (f.message.empty()) f.message = std::string("polyscore call failed with ") + ps_status_name(status);
    f.offset = err ? ps_error_offset(err) : -1;
    return f;
  }
  static Failure Binding(ps_status status, std::string message) {
    Failure f;
    f.status = status;
    f.message = std::move(message);
    return f;
  }
};

class PolyscoreAddon : public Napi::Addon<PolyscoreAddon> {
 public:
  PolyscoreAddon(Napi::Env env, Napi::Object exports);

  // Builds a PolyscoreError (or a plain Error with the same fields before
  // setErrorClass ran).
  Napi::Error MakeError(Napi::Env env, const Failure& f) const {
    Napi::Value value;
    if (!error_class_.IsEmpty()) {
      Napi::Object obj = error_class_.New({Napi::String::New(env, f.message),
                                           Napi::String::New(env, ps_status_name(f.status)),
                                           Napi::Number::New(env, f.status),
                                           Napi::Number::New(env, static_cast<double>(f.offset))});
      value = obj;
    } else {
      Napi::Error e = Napi::Error::New(env, f.message);
      e.Set("code", Napi::String::New(env, ps_status_name(f.status)));
      e.Set("status", Napi::Number::New(env, f.status));
      value = e.Value();
    }
    return Napi::Error(env, value);
  }

  [[noreturn]] void Throw(Napi::Env env, const Failure& f) const { throw MakeError(env, f); }

 private:
  Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsFunction())
      throw Napi::TypeError::New(info.Env(), "setErrorClass(cls): cls must be a function");
    error_class_ = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
  }

  Napi::Value AbiVersion(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), ps_abi_version());
  }

  Napi::Value VersionString(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), ps_version_string());
  }

  // checkAbi(required): returns the library's ABI version, or throws PolyscoreError
  // PS_ERR_ABI_VERSION naming both versions when the library is older than required.
  Napi::Value CheckAbi(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber())
      throw Napi::TypeError::New(env, "checkAbi(required): required must be a number");
    const double required = info[0].As<Napi::Number>().DoubleValue();
    if (!(required >= 0) || required > 4294967295.0 || required != static_cast<double>(static_cast<uint32_t>(required)))
      throw Napi::RangeError::New(env, "checkAbi(required): required must be an unsigned 32-bit integer");
    ErrorBox err;
    const ps_status st = ps_abi_check(static_cast<uint32_t>(required), err.get());
    if (st != PS_OK) Throw(env, Failure::From(st, err.get()));
    return Napi::Number::New(env, ps_abi_version());
  }


  Napi::FunctionReference error_class_;
};

PolyscoreAddon* AddonOf(Napi::Env env) { return env.GetInstanceData<PolyscoreAddon>(); }

[[noreturn]] void ThrowFailure(Napi::Env env, const Failure& f) { AddonOf(env)->Throw(env, f); }

// A validated view of a Float64Array or Float32Array, without copying.
struct InputView {
  const void* data = nullptr;
  size_t length = 0;  // elements
  int32_t dtype = 0;
};

// The data pointer of a typed array as napi_get_typedarray_info gives it: the
// underlying (Shared)ArrayBuffer's data plus the view's byteOffset.
const uint8_t* TypedArrayData(Napi::Env env, const Napi::TypedArray& ta, napi_typedarray_type* type,
                              size_t* length) {
  void* data = nullptr;
  napi_status st = napi_get_typedarray_info(env, ta, type, length, &data, nullptr, nullptr);
  NAPI_THROW_IF_FAILED(env, st, nullptr);
  return static_cast<const uint8_t*>(data);
}

InputView ViewOf(Napi::Env env, const Napi::Value& v, bool float64_only) {
  const char* expected = float64_only ? "expected a Float64Array" : "expected a Float64Array or a Float32Array";
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, expected);
  napi_typedarray_type type;
  InputView view;
  const uint8_t* data = TypedArrayData(env, v.As<Napi::TypedArray>(), &type, &view.length);
  if (type == napi_float64_array) {
    view.dtype = PS_DTYPE_FLOAT64;
  } else if (type == napi_float32_array && !float64_only) {
    view.dtype = PS_DTYPE_FLOAT32;
  } else {
    throw Napi::TypeError::New(env, expected);
  }
  // The rows are read where they are: no copy.
  view.data = data;
  if (view.length && view.data == nullptr) throw Napi::TypeError::New(env, "the input array's buffer is detached");
  static const double kEmpty = 0;
  if (!view.data) view.data = &kEmpty;  // a zero-row call still needs a non-NULL pointer
  return view;
}

uint32_t U32Arg(Napi::Env env, const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 4294967295.0 || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw Napi::RangeError::New(env, std::string(name) + " must be a non-negative integer below 2^32");
  return static_cast<uint32_t>(d);
}

size_t SizeArg(Napi::Env env, const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber())
    throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d)))
    throw Napi::RangeError::New(env, std::string(name) + " must be a non-negative integer");
  return static_cast<size_t>(d);
}

// The SHAP algorithm (ps_predict_options.shap_algorithm, a PS_SHAP_* number; index.js
// turns the name into it) at argument `index`, the last of each call; absent or
// undefined: the default. The library refuses a number it does not know.
void ShapAlgorithmArg(Napi::Env env, const Napi::CallbackInfo& info, size_t index, ps_predict_options* opts) {
  if (info.Length() <= index || info[index].IsUndefined()) return;
  if (!info[index].IsNumber()) throw Napi::TypeError::New(env, "shapAlgorithm must be a number");
  opts->shap_algorithm = info[index].As<Napi::Number>().Int32Value();
}

// predict options from the native argument list: output, iterationBegin, iterationEnd,
// numThreads starting at index `first`, the SHAP algorithm at `shap_index`.
ps_predict_options OptionsArg(Napi::Env env, const Napi::CallbackInfo& info, size_t first, size_t shap_index) {
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  if (info.Length() <= first + 3)
    throw Napi::TypeError::New(env, "missing predict options");
  if (!info[first].IsNumber() || !info[first + 3].IsNumber())
    throw Napi::TypeError::New(env, "output and numThreads must be numbers");
  opts.output = info[first].As<Napi::Number>().Int32Value();
  opts.iteration_begin = U32Arg(env, info, first + 1, "iterationBegin");
  opts.iteration_end = U32Arg(env, info, first + 2, "iterationEnd");
  opts.num_threads = info[first + 3].As<Napi::Number>().Int32Value();
  ShapAlgorithmArg(env, info, shap_index, &opts);
  return opts;
}

// Points opts at per-row margin offsets (ps_predict_options.base_margin) given as a
// Float64Array; undefined or null: none. index.js turns arrays into Float64Array.
void BaseMarginArg(Napi::Env env, const Napi::Value& v, ps_predict_options* opts) {
  if (v.IsUndefined() || v.IsNull()) return;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "baseMargin must be a Float64Array");
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  static const double kEmpty = 0;  // an empty array is still "given": the library checks its length
  opts->base_margin = a.ElementLength() ? a.Data() : &kEmpty;
  opts->base_margin_len = a.ElementLength();
}

// The library wants a non-NULL output pointer even when nothing is written.
double* OutPtr(Napi::Float64Array& out, size_t len) {
  static double empty_out = 0;
  return len ? out.Data() : &empty_out;
}

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {InstanceMethod<&NativeModel::Info>("info"),
                        InstanceMethod<&NativeModel::Categories>("categories"),
                        InstanceMethod<&NativeModel::CategoriesSaved>("categoriesSaved"),
                        InstanceMethod<&NativeModel::CategoricalFeatures>("categoricalFeatures"),
                        InstanceMethod<&NativeModel::OutputSize>("outputSize"),
                        InstanceMethod<&NativeModel::Predict>("predict"),
                        InstanceMethod<&NativeModel::PredictAsync>("predictAsync"),
                        InstanceMethod<&NativeModel::PredictRow>("predictRow"),
                        InstanceMethod<&NativeModel::RowValueFunction>("rowValueFunction"),
                        InstanceMethod<&NativeModel::Close>("close"),
                        InstanceAccessor<&NativeModel::Closed>("closed")});
  }

  // new NativeModel(pathString | Uint8Array | ArrayBuffer)
  explicit NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1) throw Napi::TypeError::New(env, "NativeModel(source): source is required");
    ErrorBox err;
    ps_status st;
    ps_model* model = nullptr;
    if (info[0].IsString()) {
      const std::string path = info[0].As<Napi::String>().Utf8Value();
      if (path.find('\0') != std::string::npos)
        ThrowFailure(env, Failure::Binding(PS_ERR_INVALID_ARGUMENT, "model path contains a NUL character"));
      st = ps_model_load_file(&model, path.c_str(), nullptr, err.get());
    } else if (info[0].IsTypedArray() || info[0].IsArrayBuffer() || info[0].IsDataView()) {
      const uint8_t* data = nullptr;
      size_t size = 0;
      if (info[0].IsArrayBuffer()) {
        Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
        data = static_cast<const uint8_t*>(ab.Data());
        size = ab.ByteLength();
      } else if (info[0].IsDataView()) {
        Napi::DataView dv = info[0].As<Napi::DataView>();
        data = static_cast<const uint8_t*>(dv.Data());
        size = dv.ByteLength();
      } else {
        Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
        napi_typedarray_type type;
        size_t length = 0;
        data = TypedArrayData(env, ta, &type, &length);
        size = ta.ByteLength();
      }
      static const uint8_t kEmpty = 0;
      if (!data) data = &kEmpty;
      st = ps_model_load_buffer(&model, data, size, nullptr, err.get());
    } else {
      throw Napi::TypeError::New(env, "NativeModel(source): source must be a path string or bytes");
    }
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
    handle_ = model;
  }

  // Safety net: a model that was never closed is freed when collected. The library
  // keeps it alive for any call still running.
  ~NativeModel() override {
    if (!closed_) ps_model_free(handle_);
    ps_error_free(err_);
  }

  ps_model* handle() const { return handle_; }

 private:
  // info() -> {format (the PS_FORMAT_* number), numFeatures, numOutputs, numMargins, numTrees, numIterations,
  //            objective, booster, featureNames}
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ErrorBox err;
    ps_model_info mi = PS_MODEL_INFO_INIT;
    ps_status st = ps_model_info_get(&mi, handle_, err.get());
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
    Napi::Object out = Napi::Object::New(env);
    out.Set("format", Napi::Number::New(env, mi.format));  // index.js names it (constants.js)
    out.Set("numFeatures", Napi::Number::New(env, mi.num_features));
    out.Set("numOutputs", Napi::Number::New(env, mi.num_outputs));
    out.Set("numMargins", Napi::Number::New(env, mi.num_margins));
    out.Set("numTrees", Napi::Number::New(env, mi.num_trees));
    out.Set("numIterations", Napi::Number::New(env, mi.num_iterations));
    out.Set("objective", Napi::String::New(env, mi.objective));
    out.Set("booster", Napi::String::New(env, mi.booster));
    Napi::Array names = Napi::Array::New(env, mi.num_features);
    std::vector<char> buf(64);
    for (uint32_t i = 0; i < mi.num_features; ++i) {
      size_t len = 0;
      st = ps_model_feature_name(buf.data(), buf.size(), &len, handle_, i, err.get());
      if (st == PS_ERR_BUFFER_TOO_SMALL) {
        buf.resize(len + 1);
        st = ps_model_feature_name(buf.data(), buf.size(), &len, handle_, i, err.get());
      }
      if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
      names.Set(i, Napi::String::New(env, buf.data(), len));
    }
    out.Set("featureNames", names);
    return out;
  }

  static const char* CategoryKindName(ps_category_kind kind) {
    switch (kind) {
      case PS_CATEGORY_STRING: return "string";
      case PS_CATEGORY_INTEGER: return "integer";
      case PS_CATEGORY_REAL: return "real";
      case PS_CATEGORY_BOOLEAN: return "boolean";
      default: return "unknown";  // a newer library's kind: index.js refuses it
    }
  }

  // categories() -> [{feature (null: unknown), kinds: ['string' | 'integer' | 'real' |
  // 'boolean' | 'unknown'], texts: [strings]}]
  // (ps_model_category_list_count, ps_model_category_list, ps_model_category); index.js
  // turns each text into a JS value by its kind.
  Napi::Value Categories(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ErrorBox err;
    uint32_t count = 0;
    ps_status st = ps_model_category_list_count(&count, nullptr, handle_, err.get());
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
    Napi::Array lists = Napi::Array::New(env, count);
    std::vector<char> buf(64);
    for (uint32_t j = 0; j < count; ++j) {
      int64_t feature = 0;
      uint32_t n = 0;
      st = ps_model_category_list(&feature, &n, handle_, j, err.get());
      if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
      Napi::Array kinds = Napi::Array::New(env, n);
      Napi::Array texts = Napi::Array::New(env, n);
      for (uint32_t k = 0; k < n; ++k) {
        size_t len = 0;
        ps_category_kind kind = 0;
        st = ps_model_category(buf.data(), buf.size(), &len, &kind, handle_, j, k, err.get());
        if (st == PS_ERR_BUFFER_TOO_SMALL) {
          buf.resize(len + 1);
          st = ps_model_category(buf.data(), buf.size(), &len, &kind, handle_, j, k, err.get());
        }
        if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
        kinds.Set(k, Napi::String::New(env, CategoryKindName(kind)));
        texts.Set(k, Napi::String::New(env, buf.data(), len));
      }
      Napi::Object list = Napi::Object::New(env);
      list.Set("feature", feature == PS_CATEGORY_FEATURE_UNKNOWN ? env.Null()
                                                                 : Napi::Number::New(env, static_cast<double>(feature)));
      list.Set("kinds", kinds);
      list.Set("texts", texts);
      lists.Set(j, list);
    }
    return lists;
  }

  // categoricalFeatures() -> [indices of the features some split tests as a category],
  // ascending (ps_model_feature_categorical, feature by feature)
  Napi::Value CategoricalFeatures(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ErrorBox err;
    ps_model_info mi = PS_MODEL_INFO_INIT;
    ps_status st = ps_model_info_get(&mi, handle_, err.get());
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
    Napi::Array found = Napi::Array::New(env);
    uint32_t n = 0;
    for (uint32_t j = 0; j < mi.num_features; ++j) {
      int32_t categorical = 0;
      st = ps_model_feature_categorical(&categorical, handle_, j, err.get());
      if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
      if (categorical) found.Set(n++, Napi::Number::New(env, j));
    }
    return found;
  }

  // categoriesSaved() -> whether the file saved category lists at all, even none
  // (ps_model_category_list_count's saved)
  Napi::Value CategoriesSaved(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ErrorBox err;
    uint32_t count = 0;
    int32_t saved = 0;
    ps_status st = ps_model_category_list_count(&count, &saved, handle_, err.get());
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err.get()));
    return Napi::Boolean::New(env, saved != 0);
  }

  // outputSize(nRows, output, iterationBegin, iterationEnd, numThreads[, shapAlgorithm])
  Napi::Value OutputSize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const size_t n_rows = SizeArg(env, info, 0, "nRows");
    const ps_predict_options opts = OptionsArg(env, info, 1, 5);
    return Napi::Number::New(env, static_cast<double>(OutputSizeOf(env, n_rows, opts)));
  }

  // The shared front half of predict and predictAsync: checks the arguments and
  // allocates the output array. Throws on failure.
  struct Prepared {
    InputView input;
    size_t n_rows = 0, n_cols = 0, out_len = 0;
    ps_predict_options opts;
    Napi::Float64Array out;
  };

  // shap_index: the argument that holds the SHAP algorithm (see ShapAlgorithmArg).
  Prepared Prepare(const Napi::CallbackInfo& info, size_t shap_index, bool allocate_out = true) {
    Napi::Env env = info.Env();
    Prepared p;
    if (info.Length() < 1) throw Napi::TypeError::New(env, "predict(rows, nRows, ...): rows is required");
    p.input = ViewOf(env, info[0], false);
    p.n_rows = SizeArg(env, info, 1, "nRows");
    p.opts = OptionsArg(env, info, 2, shap_index);
    if (p.n_rows == 0) {
      if (p.input.length != 0)
        ThrowFailure(env, Failure::Binding(PS_ERR_SHAPE, "nRows is 0 but the input array has " +
                                                             std::to_string(p.input.length) + " values"));
      ps_error* err = Err();
      ps_model_info mi = PS_MODEL_INFO_INIT;
      ps_status st = ps_model_info_get(&mi, handle_, err);
      if (st != PS_OK) ThrowFailure(env, Failure::From(st, err));
      p.n_cols = mi.num_features;
    } else {
      if (p.input.length % p.n_rows != 0)
        ThrowFailure(env, Failure::Binding(PS_ERR_SHAPE, "the input array has " + std::to_string(p.input.length) +
                                                             " values, which is not a multiple of nRows = " +
                                                             std::to_string(p.n_rows)));
      p.n_cols = p.input.length / p.n_rows;
    }
    p.out_len = OutputSizeOf(env, p.n_rows, p.opts);
    if (allocate_out) p.out = Napi::Float64Array::New(env, p.out_len);
    return p;
  }

  // predict(rows, nRows, output, iterationBegin, iterationEnd, numThreads[, scratch[,
  //         baseMargin[, shapAlgorithm]]])
  //   -> Float64Array, or, when a scratch Float64Array is given and the result fits in
  //   it, the number of values written to its start (index.js copies them out).
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Prepared p = Prepare(info, 8, false);
    if (info.Length() > 7) BaseMarginArg(env, info[7], &p.opts);
    double* out = nullptr;
    if (info.Length() > 6) {
      const Scratch s = ScratchOf(env, info[6]);
      if (p.out_len <= s.length) out = s.data;
    }
    const bool into_scratch = out != nullptr;
    if (!into_scratch) {
      p.out = Napi::Float64Array::New(env, p.out_len);
      out = OutPtr(p.out, p.out_len);
    }
    ps_error* err = Err();
    const ps_status st = ps_model_predict_dense(out, p.out_len, handle_, p.input.data, p.input.dtype, p.n_rows,
                                                p.n_cols, &p.opts, err);
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err));
    if (into_scratch) return Napi::Number::New(env, static_cast<double>(p.out_len));
    return p.out;
  }

  // A Float64Array index.js keeps per model for small results: its data pointer and
  // length, read again on every call (so a detached buffer is seen: length 0).
  struct Scratch {
    double* data = nullptr;
    size_t length = 0;
  };
  static Scratch ScratchOf(Napi::Env env, const Napi::Value& v) {
    Scratch s;
    if (!v.IsTypedArray()) return s;
    napi_typedarray_type type;
    size_t length = 0;
    const uint8_t* data = TypedArrayData(env, v.As<Napi::TypedArray>(), &type, &length);
    if (type != napi_float64_array || data == nullptr || length == 0) return s;
    s.data = reinterpret_cast<double*>(const_cast<uint8_t*>(data));
    s.length = length;
    return s;
  }

  class PredictWorker : public Napi::AsyncWorker {
   public:
    PredictWorker(Napi::Env env, NativeModel* model, Napi::Object model_obj, Prepared& p, Napi::Value input)
        : Napi::AsyncWorker(env, "polyscore.predictAsync"),
          deferred_(Napi::Promise::Deferred::New(env)),
          handle_(model->handle()),
          input_(p.input),
          n_rows_(p.n_rows),
          n_cols_(p.n_cols),
          out_len_(p.out_len),
          opts_(p.opts),
          base_margin_(p.opts.base_margin, p.opts.base_margin + p.opts.base_margin_len),
          out_data_(OutPtr(p.out, p.out_len)) {
      // The worker thread reads its own copy of the offsets: JavaScript may change or
      // detach the array before the call runs.
      static const double kNoOffsets = 0;
      if (opts_.base_margin) opts_.base_margin = base_margin_.empty() ? &kNoOffsets : base_margin_.data();
      // Keep the input rows, the output array and the model object alive while the
      // worker thread uses them.
      input_ref_ = Napi::Persistent(input.As<Napi::Object>());
      out_ref_ = Napi::Persistent(p.out.As<Napi::Object>());
      model_ref_ = Napi::Persistent(model_obj);
    }

    Napi::Promise Promise() const { return deferred_.Promise(); }

   protected:
    void Execute() override {
      ErrorBox err;
      const ps_status st = ps_model_predict_dense(out_data_, out_len_, handle_, input_.data, input_.dtype, n_rows_,
                                                  n_cols_, &opts_, err.get());
      if (st != PS_OK) failure_ = Failure::From(st, err.get());  // OnWorkComplete reports it
    }

    // Settles the promise. When the environment is going away (a worker thread being
    // terminated with calls in flight) the promise can no longer be settled and
    // nobody can observe it: the failure to do so is dropped instead of escaping
    // (an escaping C++ exception would abort the process).
    void OnWorkComplete(Napi::Env env, napi_status status) override {
      if (status != napi_cancelled) {
        try {
          Napi::HandleScope scope(env);
          if (failure_.status == PS_OK) {
            deferred_.Resolve(out_ref_.Value());
          } else {
            deferred_.Reject(AddonOf(env)->MakeError(env, failure_).Value());
          }
        } catch (const Napi::Error&) {
        }
      }
      Destroy();
    }

   private:
    Napi::Promise::Deferred deferred_;
    ps_model* handle_;
    InputView input_;
    size_t n_rows_, n_cols_, out_len_;
    ps_predict_options opts_;
    std::vector<double> base_margin_;
    double* out_data_;
    Napi::ObjectReference input_ref_, out_ref_, model_ref_;
    Failure failure_;
  };

  // predictAsync(rows, nRows, output, iterationBegin, iterationEnd, numThreads[, baseMargin[,
  //              shapAlgorithm]])
  //   -> Promise<Float64Array>; argument errors reject the promise too.
  Napi::Value PredictAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Prepared p = Prepare(info, 7);
      if (info.Length() > 6) BaseMarginArg(env, info[6], &p.opts);
      auto* worker = new PredictWorker(env, this, info.This().As<Napi::Object>(), p, info[0]);
      Napi::Promise promise = worker->Promise();
      worker->Queue();
      return promise;
    } catch (const Napi::Error& e) {
      Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
      d.Reject(e.Value());
      return d.Promise();
    }
  }

  // predictRow(row: Float64Array, scratch: Float64Array | undefined
  //            [, output, iterationBegin, iterationEnd[, baseMargin[, shapAlgorithm]]])
  //   -> number | Float64Array
  // Without the option arguments the defaults are used. When the k values fit in
  // scratch they are written to its start and k is returned (index.js copies them
  // into the result); otherwise a new Float64Array is returned.
  Napi::Value PredictRow(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1) throw Napi::TypeError::New(env, "predictRow(row): row is required");
    const InputView row = ViewOf(env, info[0], true);
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    if (info.Length() > 2) {
      if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "output must be a number");
      opts.output = info[2].As<Napi::Number>().Int32Value();
      opts.iteration_begin = U32Arg(env, info, 3, "iterationBegin");
      opts.iteration_end = U32Arg(env, info, 4, "iterationEnd");
      if (info.Length() > 5) BaseMarginArg(env, info[5], &opts);
      ShapAlgorithmArg(env, info, 6, &opts);
    }
    const size_t out_len = OutputSizeOf(env, 1, opts);
    const Scratch s = info.Length() > 1 ? ScratchOf(env, info[1]) : Scratch{};
    ps_error* err = Err();
    if (s.data && out_len <= s.length) {
      const ps_status st = ps_model_predict_row(s.data, out_len, handle_, static_cast<const double*>(row.data),
                                                row.length, &opts, err);
      if (st != PS_OK) ThrowFailure(env, Failure::From(st, err));
      return Napi::Number::New(env, static_cast<double>(out_len));
    }
    Napi::Float64Array out = Napi::Float64Array::New(env, out_len);
    const ps_status st = ps_model_predict_row(OutPtr(out, out_len), out_len, handle_,
                                              static_cast<const double*>(row.data), row.length, &opts, err);
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err));
    return out;
  }

  // rowValueFunction() -> function(row: Float64Array): number
  // The single-row fast path for a model with one value per row, default options: a
  // plain Node-API function (RowValue below) whose data is this model's handle, so a
  // call does no ObjectWrap unwrap, reads no scratch array and creates no result array
  // here (index.js puts the number into a new Float64Array). The handle is a value, not
  // a pointer to this object: after close() (or once this object is collected) the
  // function passes the stale handle and the library answers PS_ERR_INVALID_HANDLE, as
  // predictRow does.
  Napi::Value RowValueFunction(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    napi_value fn;
    napi_status st = napi_create_function(env, "predictRowValue", NAPI_AUTO_LENGTH, RowValue, handle_, &fn);
    NAPI_THROW_IF_FAILED(env, st, Napi::Value());
    return Napi::Value(env, fn);
  }

  static napi_value RowValue(napi_env env, napi_callback_info cbinfo) {
    size_t argc = 1;
    napi_value arg = nullptr;
    void* data = nullptr;
    if (napi_get_cb_info(env, cbinfo, &argc, &arg, nullptr, &data) != napi_ok) return nullptr;
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* row = nullptr;
    if (argc < 1 || napi_get_typedarray_info(env, arg, &type, &length, &row, nullptr, nullptr) != napi_ok ||
        type != napi_float64_array) {
      napi_throw_type_error(env, nullptr, "expected a Float64Array");
      return nullptr;
    }
    if (length && !row) {
      napi_throw_type_error(env, nullptr, "the input array's buffer is detached");
      return nullptr;
    }
    static const double kEmpty = 0;
    const double* in = row ? static_cast<const double*>(row) : &kEmpty;
    ps_model* model = static_cast<ps_model*>(data);
    double value = 0;
    // No ps_error on the way: success needs none. On failure the call is made again
    // with one, for the message (the library writes nothing on failure and answers the
    // same arguments the same way).
    if (ps_model_predict_row(&value, 1, model, in, length, nullptr, nullptr) != PS_OK) {
      ThrowRowFailure(env, model, in, length);
      return nullptr;
    }
    napi_value result = nullptr;
    napi_create_double(env, value, &result);
    return result;
  }

  static void ThrowRowFailure(napi_env env, ps_model* model, const double* row, size_t length) {
    try {
      ErrorBox err;
      double value = 0;
      ps_status st = ps_model_predict_row(&value, 1, model, row, length, nullptr, err.get());
      if (st == PS_OK) st = PS_ERR_INTERNAL;  // cannot happen: the first call failed
      AddonOf(Napi::Env(env))->MakeError(Napi::Env(env), Failure::From(st, err.get())).ThrowAsJavaScriptException();
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    } catch (...) {
      napi_throw_error(env, nullptr, "polyscore: out of memory reporting an error");
    }
  }

  // close(): frees the handle. Calls running on worker threads finish normally (the
  // library keeps the model until they return); later calls give
  // PS_ERR_INVALID_HANDLE from the library, because the stale handle is kept.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!closed_) {
      closed_ = true;
      ps_model_free(handle_);
    }
    return info.Env().Undefined();
  }

  Napi::Value Closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), closed_); }

  // The error object of the synchronous calls on this model. They all run on the
  // JavaScript thread of this environment, one at a time, and read it right after the
  // failing call; every failing call overwrites code, message and offset. Created on
  // first use; NULL (the library accepts it) only if that allocation failed.
  // predictAsync's workers keep their own.
  ps_error* Err() {
    if (!err_) ps_error_create(&err_);
    return err_;
  }

  // Values per row for the options of the last successful output-size query. The
  // model is immutable, so the answer only changes when the handle is closed (then
  // the library is asked again and reports PS_ERR_INVALID_HANDLE).
  bool RowSizeCached(const ps_predict_options& o, size_t* k) const {
    if (closed_ || !size_cached_ || o.output != cached_output_ || o.iteration_begin != cached_begin_ ||
        o.iteration_end != cached_end_ || o.shap_algorithm != cached_shap_)
      return false;
    *k = cached_row_size_;
    return true;
  }

  // ps_model_output_size for n_rows rows, answered from the cache when it can be
  // (n_rows small enough that n_rows * k cannot overflow). Throws on failure.
  size_t OutputSizeOf(Napi::Env env, size_t n_rows, const ps_predict_options& o) {
    size_t k = 0;
    if (n_rows <= (size_t{1} << 24) && RowSizeCached(o, &k) && k <= (size_t{1} << 32))
      return n_rows * k;
    size_t size = 0;
    ps_error* err = Err();
    ps_status st = ps_model_output_size(&size, handle_, n_rows, &o, err);
    if (st != PS_OK) ThrowFailure(env, Failure::From(st, err));
    if (!closed_) {
      size_t row_size = size;
      if (n_rows != 1 && ps_model_output_size(&row_size, handle_, 1, &o, nullptr) != PS_OK) return size;
      size_cached_ = true;
      cached_output_ = o.output;
      cached_begin_ = o.iteration_begin;
      cached_end_ = o.iteration_end;
      cached_shap_ = o.shap_algorithm;
      cached_row_size_ = row_size;
    }
    return size;
  }

  ps_model* handle_ = nullptr;
  bool closed_ = false;
  ps_error* err_ = nullptr;
  bool size_cached_ = false;
  int32_t cached_output_ = 0;
  uint32_t cached_begin_ = 0, cached_end_ = 0;
  int32_t cached_shap_ = PS_SHAP_AUTO;
  size_t cached_row_size_ = 0;
};

PolyscoreAddon::PolyscoreAddon(Napi::Env env, Napi::Object exports) {
  DefineAddon(exports, {InstanceMethod<&PolyscoreAddon::SetErrorClass>("setErrorClass"),
                        InstanceMethod<&PolyscoreAddon::AbiVersion>("abiVersion"),
                        InstanceMethod<&PolyscoreAddon::VersionString>("versionString"),
                        InstanceMethod<&PolyscoreAddon::CheckAbi>("checkAbi"),
                        InstanceValue("REQUIRED_ABI_VERSION", Napi::Number::New(env, PS_ABI_VERSION),
                                      napi_enumerable),
                        InstanceValue("NativeModel", NativeModel::Define(env), napi_enumerable)});
}

}  // namespace

NODE_API_ADDON(PolyscoreAddon)
