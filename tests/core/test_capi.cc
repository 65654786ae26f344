// The C ABI's contract: every bad input gives its documented status and a message
// that names the problem; handles survive misuse; threads share a model safely.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "predict/predictor.h"
#include "predict/thread_stack.h"
#include "test_util.h"

using polyscore_test::Loaded;
using polyscore_test::source_path;

namespace {

const std::string kXgbModel = "tests/vectors/models/xgb3_binary_logistic.json";
const std::string kXgbUbjModel = "tests/vectors/models/xgb3_binary_logistic.ubj";
const std::string kLgbModel = "tests/vectors/models/lgb4_binary.txt";
const std::string kMulticlass = "tests/vectors/models/xgb3_multi_softprob.json";

struct ErrorObject {
  ps_error* err = nullptr;
  ErrorObject() { ps_error_create(&err); }
  ~ErrorObject() { ps_error_free(err); }
  std::string message() const { return ps_error_message(err); }
};

::testing::AssertionResult HasMessage(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part << "\"";
}

ps_status load_bytes(const std::string& bytes, ps_model** model, ps_error* err) {
  return ps_model_load_buffer(model, bytes.data(), bytes.size(), nullptr, err);
}

std::vector<double> rows_for(ps_model* model, size_t n_rows) {
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_model_info_get(&info, model, nullptr);
  std::vector<double> rows(n_rows * info.num_features);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = std::sin(double(i) * 0.37) * 2.0;
  return rows;
}

TEST(CApi, VersionQueries) {
  EXPECT_EQ(ps_abi_version(), static_cast<uint32_t>(PS_ABI_VERSION));
  EXPECT_STREQ(ps_version_string(), "1.0.0");
  EXPECT_STREQ(ps_status_name(PS_ERR_SHAPE), "PS_ERR_SHAPE");
  EXPECT_STREQ(ps_status_name(12345), "PS_ERR_UNKNOWN");
}

// The predict calls keep scratch on the calling thread's stack (kPredictStackBytes, 80
// KiB: a single row's values and keys, the walks' frames). A thread with less left gets
// PS_ERR_UNSUPPORTED naming the stack, not a stack overflow; a thread with enough scores
// as the main thread does. Before the check, single rows of both models died of
// SIGSEGV on threads of 48 KiB.
TEST(CApi, AThreadWithTooSmallAStackIsRefusedNotOverflowed) {
  int refused = 0;
  for (const std::string& path : {kXgbModel, std::string("tests/vectors/models/lgb4_bigish_binary.txt")}) {
    SCOPED_TRACE(path);
    Loaded m(source_path(path));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    const std::vector<double> rows = rows_for(m.model, 4);
    const size_t nf = rows.size() / 4;
    double want[4];
    ASSERT_EQ(ps_model_predict_dense(want, 4, m.model, rows.data(), PS_DTYPE_FLOAT64, 4, nf, nullptr, m.err), PS_OK);
    const std::vector<int64_t> indptr = {0, int64_t(nf)};
    std::vector<int32_t> indices(nf);
    for (size_t j = 0; j < nf; ++j) indices[j] = int32_t(j);
    for (size_t stack : {size_t(48) << 10, size_t(256) << 10}) {
      SCOPED_TRACE(testing::Message() << (stack >> 10) << " KiB thread");
      polyscore_test::on_thread_with_stack(stack, [&] {
        const size_t left = polyscore::thread_stack_left();
        const bool enough = left >= polyscore::kPredictStackBytes;
        // What the stack's reading must say of these threads (a 48 KiB one may not exist):
        // at the top of a 256 KiB thread, its size less the thread's own data and a few frames.
        if (stack == (size_t(256) << 10)) {
          EXPECT_LE(left, stack);
          EXPECT_GT(left, stack - (size_t(32) << 10));
          EXPECT_TRUE(enough);
        }
        if (stack >= polyscore_test::smallest_thread_stack() && stack < polyscore::kPredictStackBytes) {
          EXPECT_FALSE(enough);
        }
        double got[4] = {0, 0, 0, 0};
        const ps_status statuses[] = {
            ps_model_predict_row(got, 1, m.model, rows.data(), nf, nullptr, m.err),
            ps_model_predict_dense(got + 1, 1, m.model, rows.data(), PS_DTYPE_FLOAT64, 1, nf, nullptr, m.err),
            ps_model_predict_csr(got + 2, 1, m.model, indptr.data(), indices.data(), rows.data(), PS_DTYPE_FLOAT64, 1,
                                 nf, nullptr, m.err)};
        for (size_t k = 0; k < 3; ++k) {
          SCOPED_TRACE(k == 0 ? "predict_row" : k == 1 ? "predict_dense" : "predict_csr");
          if (enough) {
            EXPECT_EQ(statuses[k], PS_OK);
            EXPECT_EQ(got[k], want[0]);
          } else {
            EXPECT_EQ(statuses[k], PS_ERR_UNSUPPORTED);
            EXPECT_EQ(got[k], 0.0) << "nothing written";
          }
        }
        if (!enough) {
          ++refused;
          EXPECT_TRUE(HasMessage(m.message(), "of the calling thread's stack"));
        }
      });
    }
  }
  // Where no thread can be that small (aarch64: 128 KiB), only the threads with enough are tried.
  if (polyscore_test::smallest_thread_stack() < polyscore::kPredictStackBytes) {
    EXPECT_GT(refused, 0) << "no thread had too small a stack: the check was not tried";
  }
}

// Runs fn with a little more than `left` bytes of the calling thread's stack left (a
// KiB a level of recursion), then returns.
[[gnu::noinline]] void with_stack_left(size_t left, const std::function<void()>& fn) {
  volatile char pad[1024];
  pad[0] = 1;
  if (polyscore::thread_stack_left() > left + (size_t(3) << 10)) {
    with_stack_left(left, fn);
  } else {
    fn();
  }
  pad[1] = pad[0];  // a use after the call: no tail call, the frame stays
}

// The stack is read where a call starts, before any frame of its own: a single row's
// frame (a row of up to 2,048 values and its keys) is 35 KiB. A call made with less than
// that left is refused, not written below the thread's stack; one made with just over
// kPredictStackBytes left scores. Before the check moved out of that frame, the first
// went on past the stack's end (the check saw the frame's bottom below the stack, and
// took it for a stack it did not know) and the second was refused.
TEST(CApi, TheStackIsCheckedWhereTheCallStarts) {
  Loaded m(source_path("tests/vectors/models/lgb4_bigish_binary.txt"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  const std::vector<double> row = rows_for(m.model, 1);
  double want = 0;
  ASSERT_EQ(ps_model_predict_row(&want, 1, m.model, row.data(), row.size(), nullptr, m.err), PS_OK);
  polyscore_test::on_thread_with_stack(size_t(512) << 10, [&] {
    with_stack_left(size_t(16) << 10, [&] {
      const size_t left = polyscore::thread_stack_left();
      ASSERT_GE(left, size_t(16) << 10);
      ASSERT_LT(left, size_t(24) << 10);
      double got = 0;
      EXPECT_EQ(ps_model_predict_row(&got, 1, m.model, row.data(), row.size(), nullptr, m.err), PS_ERR_UNSUPPORTED);
      EXPECT_EQ(got, 0.0) << "nothing written";
      EXPECT_TRUE(HasMessage(m.message(), "of the calling thread's stack"));
    });
    // Optimized builds only: unoptimized and sanitized frames are larger than the
    // release build's, which kPredictStackBytes is measured on.
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    with_stack_left(polyscore::kPredictStackBytes, [&] {
      const size_t left = polyscore::thread_stack_left();
      ASSERT_GE(left, polyscore::kPredictStackBytes);
      ASSERT_LT(left, polyscore::kPredictStackBytes + (size_t(8) << 10));
      double got = 0;
      EXPECT_EQ(ps_model_predict_row(&got, 1, m.model, row.data(), row.size(), nullptr, m.err), PS_OK) << m.message();
      EXPECT_EQ(got, want);
    });
#endif
  });
}

TEST(CApi, AbiCheckNamesBothVersions) {
  ErrorObject e;
  EXPECT_EQ(ps_abi_check(PS_ABI_VERSION, e.err), PS_OK);
  EXPECT_EQ(ps_abi_check(PS_ABI_VERSION + 1, e.err), PS_ERR_ABI_VERSION);
  EXPECT_EQ(ps_error_code(e.err), PS_ERR_ABI_VERSION);
  EXPECT_TRUE(HasMessage(e.message(), "ABI version " + std::to_string(PS_ABI_VERSION)));
  EXPECT_TRUE(HasMessage(e.message(), "ABI version " + std::to_string(PS_ABI_VERSION + 1)));
}

TEST(CApi, ErrorObjectLifecycle) {
  EXPECT_EQ(ps_error_create(nullptr), PS_ERR_INVALID_ARGUMENT);
  ErrorObject e;
  EXPECT_EQ(ps_error_code(e.err), PS_OK);
  EXPECT_STREQ(ps_error_message(e.err), "");
  EXPECT_EQ(ps_error_offset(e.err), -1);
  ps_model* m = nullptr;
  EXPECT_EQ(ps_model_load_file(&m, "/nonexistent/model.json", nullptr, e.err), PS_ERR_IO);
  EXPECT_EQ(ps_error_code(e.err), PS_ERR_IO);
  ps_error_clear(e.err);
  EXPECT_EQ(ps_error_code(e.err), PS_OK);
  EXPECT_STREQ(ps_error_message(e.err), "");
  // NULL is accepted everywhere an error object is.
  EXPECT_EQ(ps_error_code(nullptr), PS_OK);
  EXPECT_STREQ(ps_error_message(nullptr), "");
  ps_error_free(nullptr);
  ps_error_clear(nullptr);
}

TEST(CApi, MissingFileNamesPathAndReason) {
  Loaded m("/nonexistent/dir/model.json");
  EXPECT_EQ(m.status, PS_ERR_IO);
  EXPECT_EQ(m.model, nullptr);
  EXPECT_TRUE(HasMessage(m.message(), "/nonexistent/dir/model.json"));
  EXPECT_TRUE(HasMessage(m.message(), "No such file"));
}

TEST(CApi, DirectoryIsAnIoError) {
  Loaded m("/tmp");
  EXPECT_EQ(m.status, PS_ERR_IO);
  EXPECT_TRUE(HasMessage(m.message(), "/tmp"));
}

TEST(CApi, EmptyModelIsAParseError) {
  ErrorObject e;
  ps_model* m = reinterpret_cast<ps_model*>(0x1);
  EXPECT_EQ(ps_model_load_buffer(&m, "", 0, nullptr, e.err), PS_ERR_PARSE);
  EXPECT_EQ(m, nullptr);
  EXPECT_TRUE(HasMessage(e.message(), "empty"));
  for (int32_t format : {PS_FORMAT_XGBOOST_JSON, PS_FORMAT_XGBOOST_UBJSON, PS_FORMAT_LIGHTGBM_TEXT}) {
    ps_load_options opts = PS_LOAD_OPTIONS_INIT;
    opts.format = format;
    EXPECT_EQ(ps_model_load_buffer(&m, "", 0, &opts, e.err), PS_ERR_PARSE) << format;
  }
}

TEST(CApi, UnrecognisedContentIsAParseError) {
  ErrorObject e;
  ps_model* m = nullptr;
  EXPECT_EQ(load_bytes("PK\x03\x04 this is a zip", &m, e.err), PS_ERR_PARSE);
  EXPECT_TRUE(HasMessage(e.message(), "unrecognised model format"));
  EXPECT_EQ(m, nullptr);
}

// Every prefix of a real model file, of every format, is refused cleanly: a parse
// error naming the problem, never a crash, a hang or a half-loaded model.
class Truncated : public ::testing::TestWithParam<std::string> {};

TEST_P(Truncated, EveryCutIsAParseError) {
  const std::string bytes = polyscore_test::read_file(source_path(GetParam()));
  ASSERT_GT(bytes.size(), 100u);
  ErrorObject e;
  ps_model* m = nullptr;
  ASSERT_EQ(load_bytes(bytes, &m, e.err), PS_OK) << e.message();
  ps_model_free(m);
  // A LightGBM text model is complete at its "end of trees" marker; what follows
  // (feature importances, training parameters) is commentary LightGBM also ignores.
  const size_t marker = bytes.find("end of trees");
  const size_t complete_at = marker == std::string::npos ? bytes.size() : marker + 12;
  const size_t step = std::max<size_t>(1, bytes.size() / 200);
  for (size_t cut = 1; cut < complete_at; cut += step) {
    m = nullptr;
    const ps_status st = load_bytes(bytes.substr(0, cut), &m, e.err);
    if (st == PS_OK) {
      ps_model_free(m);
      ADD_FAILURE() << "a cut at byte " << cut << " of " << bytes.size() << " loaded";
      continue;
    }
    EXPECT_EQ(st, PS_ERR_PARSE) << "cut at " << cut << ": " << e.message();
    EXPECT_EQ(m, nullptr);
    EXPECT_FALSE(e.message().empty());
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, Truncated,
                         ::testing::Values(kXgbModel, kXgbUbjModel, kLgbModel),
                         [](const auto& info) {
                           return std::string(info.index == 0 ? "XGBoostJson"
                                              : info.index == 1 ? "XGBoostUbjson"
                                                                : "LightGBMText");
                         });

// Flipped bytes anywhere: either a clean error or a model that validated; never a crash.
TEST(CApi, CorruptBytesNeverCrash) {
  for (const std::string& path : {kXgbModel, kXgbUbjModel, kLgbModel}) {
    const std::string bytes = polyscore_test::read_file(source_path(path));
    ErrorObject e;
    uint32_t seed = 12345;
    for (int trial = 0; trial < 300; ++trial) {
      std::string corrupt = bytes;
      for (int k = 0; k < 4; ++k) {
        seed = seed * 1664525u + 1013904223u;
        corrupt[seed % corrupt.size()] = static_cast<char>(seed >> 24);
      }
      ps_model* m = nullptr;
      const ps_status st = load_bytes(corrupt, &m, e.err);
      if (st == PS_OK) {
        // It validated, so scoring must be safe too.
        auto rows = rows_for(m, 4);
        size_t size = 0;
        ASSERT_EQ(ps_model_output_size(&size, m, 4, nullptr, e.err), PS_OK);
        std::vector<double> out(size);
        ps_model_info info = PS_MODEL_INFO_INIT;
        ps_model_info_get(&info, m, nullptr);
        ps_model_predict_dense(out.data(), size, m, rows.data(), PS_DTYPE_FLOAT64, 4,
                               info.num_features, nullptr, e.err);
        ps_model_free(m);
      } else {
        EXPECT_TRUE(st == PS_ERR_PARSE || st == PS_ERR_UNSUPPORTED) << path << ": " << e.message();
      }
    }
  }
}

TEST(CApi, WrongShapeJsonIsAParseError) {
  ErrorObject e;
  ps_model* m = nullptr;
  EXPECT_EQ(load_bytes("{\"hello\": [1, 2, 3]}", &m, e.err), PS_ERR_PARSE);
  EXPECT_TRUE(HasMessage(e.message(), "learner"));
  EXPECT_EQ(load_bytes("[1, 2, 3]", &m, e.err), PS_ERR_PARSE);
}

TEST(CApi, UnknownObjectiveIsUnsupported) {
  std::string bytes = polyscore_test::read_file(source_path(kXgbModel));
  const std::string from = "\"binary:logistic\"";
  size_t pos;
  while ((pos = bytes.find(from)) != std::string::npos) bytes.replace(pos, from.size(), "\"reg:foo\"");
  ErrorObject e;
  ps_model* m = nullptr;
  EXPECT_EQ(load_bytes(bytes, &m, e.err), PS_ERR_UNSUPPORTED);
  EXPECT_TRUE(HasMessage(e.message(), "reg:foo"));

  std::string lgb = polyscore_test::read_file(source_path(kLgbModel));
  pos = lgb.find("objective=binary");
  ASSERT_NE(pos, std::string::npos);
  lgb.replace(pos, 16, "objective=madeup");
  EXPECT_EQ(load_bytes(lgb, &m, e.err), PS_ERR_UNSUPPORTED);
  EXPECT_TRUE(HasMessage(e.message(), "madeup"));
}

TEST(CApi, ExplicitFormatOverridesDetection) {
  ErrorObject e;
  ps_load_options opts = PS_LOAD_OPTIONS_INIT;
  opts.format = PS_FORMAT_LIGHTGBM_TEXT;
  ps_model* m = nullptr;
  EXPECT_EQ(ps_model_load_file(&m, source_path(kXgbModel).c_str(), &opts, e.err), PS_ERR_PARSE);
  opts.format = 99;
  EXPECT_EQ(ps_model_load_file(&m, source_path(kXgbModel).c_str(), &opts, e.err),
            PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(e.message(), "format"));
  opts.format = PS_FORMAT_XGBOOST_UBJSON;
  EXPECT_EQ(ps_model_load_file(&m, source_path(kXgbUbjModel).c_str(), &opts, e.err), PS_OK);
  ps_model_free(m);
}

TEST(CApi, NullArguments) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ErrorObject e;
  double out[8], row[5] = {0, 0, 0, 0, 0};
  EXPECT_EQ(ps_model_load_file(nullptr, "x", nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  ps_model* tmp = nullptr;
  EXPECT_EQ(ps_model_load_file(&tmp, nullptr, nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(e.message(), "path is NULL"));
  EXPECT_EQ(ps_model_load_buffer(&tmp, nullptr, 10, nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_predict_row(nullptr, 1, m.model, row, 5, nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(e.message(), "out is NULL"));
  EXPECT_EQ(ps_model_predict_row(out, 1, m.model, nullptr, 5, nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(e.message(), "row is NULL"));
  EXPECT_EQ(ps_model_predict_dense(out, 8, m.model, nullptr, PS_DTYPE_FLOAT64, 1, 5, nullptr, e.err),
            PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_predict_row(out, 1, nullptr, row, 5, nullptr, e.err), PS_ERR_INVALID_HANDLE);
  EXPECT_EQ(ps_model_info_get(nullptr, m.model, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_output_size(nullptr, m.model, 1, nullptr, e.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_model_predict_csr(out, 8, m.model, nullptr, nullptr, nullptr, PS_DTYPE_FLOAT64, 1, 5,
                                 nullptr, e.err),
            PS_ERR_INVALID_ARGUMENT);
  ps_model_free(nullptr);
}

TEST(CApi, ZeroRowsNeedNoBuffers) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  EXPECT_EQ(ps_model_predict_dense(nullptr, 0, m.model, nullptr, PS_DTYPE_FLOAT64, 0, 5, nullptr, m.err),
            PS_OK)
      << m.message();
  int64_t indptr[1] = {0};
  EXPECT_EQ(ps_model_predict_csr(nullptr, 0, m.model, indptr, nullptr, nullptr, PS_DTYPE_FLOAT64, 0, 5,
                                 nullptr, m.err),
            PS_OK)
      << m.message();
}

TEST(CApi, FreedAndForgedHandles) {
  ErrorObject e;
  ps_model* m = nullptr;
  ASSERT_EQ(ps_model_load_file(&m, source_path(kXgbModel).c_str(), nullptr, e.err), PS_OK);
  double out[1], row[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
  ASSERT_EQ(ps_model_predict_row(out, 1, m, row, 5, nullptr, e.err), PS_OK);
  ps_model_free(m);
  EXPECT_EQ(ps_model_predict_row(out, 1, m, row, 5, nullptr, e.err), PS_ERR_INVALID_HANDLE);
  EXPECT_TRUE(HasMessage(e.message(), "invalid model handle"));
  ps_model_free(m);  // twice: harmless

  // A new model may reuse the slot; the old handle must still be dead.
  ps_model* again = nullptr;
  ASSERT_EQ(ps_model_load_file(&again, source_path(kXgbModel).c_str(), nullptr, e.err), PS_OK);
  EXPECT_NE(again, m);
  EXPECT_EQ(ps_model_predict_row(out, 1, m, row, 5, nullptr, e.err), PS_ERR_INVALID_HANDLE);
  EXPECT_EQ(ps_model_predict_row(out, 1, again, row, 5, nullptr, e.err), PS_OK);
  ps_model_free(again);

  for (uintptr_t forged : {uintptr_t(1), uintptr_t(0xdeadbeef), ~uintptr_t(0), uintptr_t(0x1234567800000003)}) {
    ps_model* fake = reinterpret_cast<ps_model*>(forged);
    EXPECT_EQ(ps_model_predict_row(out, 1, fake, row, 5, nullptr, e.err), PS_ERR_INVALID_HANDLE);
    ps_model_info info = PS_MODEL_INFO_INIT;
    EXPECT_EQ(ps_model_info_get(&info, fake, e.err), PS_ERR_INVALID_HANDLE);
    ps_model_free(fake);  // ignored
  }
}

TEST(CApi, FeatureCountMismatch) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  double out[4], rows[12] = {0};
  EXPECT_EQ(ps_model_predict_row(out, 1, m.model, rows, 4, nullptr, m.err), PS_ERR_SHAPE);
  EXPECT_TRUE(HasMessage(m.message(), "4 features per row but the model expects 5"));
  EXPECT_EQ(ps_model_predict_dense(out, 4, m.model, rows, PS_DTYPE_FLOAT64, 2, 6, nullptr, m.err),
            PS_ERR_SHAPE);
}

TEST(CApi, TooSmallBufferWritesNothing) {
  Loaded m(source_path(kMulticlass));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  ASSERT_GT(info.num_outputs, 1u);
  auto rows = rows_for(m.model, 3);
  size_t needed = 0;
  ASSERT_EQ(ps_model_output_size(&needed, m.model, 3, nullptr, m.err), PS_OK);
  EXPECT_EQ(needed, 3u * info.num_outputs);
  std::vector<double> out(needed, -7.0);
  EXPECT_EQ(ps_model_predict_dense(out.data(), needed - 1, m.model, rows.data(), PS_DTYPE_FLOAT64, 3,
                                   info.num_features, nullptr, m.err),
            PS_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(HasMessage(m.message(), std::to_string(needed) + " are needed"));
  for (double v : out) EXPECT_EQ(v, -7.0);
  EXPECT_EQ(ps_model_predict_row(out.data(), info.num_outputs - 1, m.model, rows.data(),
                                 info.num_features, nullptr, m.err),
            PS_ERR_BUFFER_TOO_SMALL);
}

TEST(CApi, BadOptions) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  size_t size = 0;
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = 7;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(m.message(), "unknown output kind 7"));
  opts = PS_PREDICT_OPTIONS_INIT;
  opts.iteration_end = 100000;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(m.message(), "iteration range"));
  opts = PS_PREDICT_OPTIONS_INIT;
  opts.iteration_begin = 3;
  opts.iteration_end = 3;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_INVALID_ARGUMENT);
  opts = PS_PREDICT_OPTIONS_INIT;
  opts.num_threads = -2;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_INVALID_ARGUMENT);
  opts.struct_size = 2;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &opts, m.err), PS_ERR_INVALID_ARGUMENT);
  double out[1], row[5] = {0};
  EXPECT_EQ(ps_model_predict_dense(out, 1, m.model, row, 3, 1, 5, nullptr, m.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(m.message(), "dtype"));
}

// The init functions write the caller's struct_size bytes and nothing past them: whole
// fields get their defaults, a field cut by struct_size is zeroed.
TEST(CApi, OptionsInitWritesOnlyTheCallersSize) {
  unsigned char buf[sizeof(ps_predict_options) + 16];
  std::memset(buf, 0xA5, sizeof buf);
  auto* opts = reinterpret_cast<ps_predict_options*>(buf);
  const size_t cut = offsetof(ps_predict_options, num_threads) + 2;  // half of num_threads
  ASSERT_EQ(ps_predict_options_init(opts, cut), PS_OK);
  EXPECT_EQ(opts->struct_size, cut);
  EXPECT_EQ(opts->output, PS_OUTPUT_VALUE);
  EXPECT_EQ(opts->iteration_end, 0u);
  for (size_t i = offsetof(ps_predict_options, num_threads); i < cut; ++i) EXPECT_EQ(buf[i], 0) << i;
  for (size_t i = cut; i < sizeof buf; ++i) EXPECT_EQ(buf[i], 0xA5) << "byte " << i << " past struct_size";

  ASSERT_EQ(ps_predict_options_init(opts, sizeof *opts), PS_OK);
  EXPECT_EQ(opts->num_threads, 1);
  EXPECT_EQ(ps_predict_options_init(opts, sizeof(size_t) - 1), PS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(ps_predict_options_init(nullptr, sizeof *opts), PS_ERR_INVALID_ARGUMENT);

  // A newer caller's larger struct: our fields get defaults, the rest of its bytes zero.
  std::memset(buf, 0xA5, sizeof buf);
  ASSERT_EQ(ps_predict_options_init(opts, sizeof buf), PS_OK);
  EXPECT_EQ(opts->num_threads, 1);
  for (size_t i = sizeof *opts; i < sizeof buf; ++i) EXPECT_EQ(buf[i], 0) << i;

  ps_load_options load;
  EXPECT_EQ(ps_load_options_init(&load, sizeof load), PS_OK);
  EXPECT_EQ(load.format, PS_FORMAT_AUTO);
  EXPECT_EQ(ps_load_options_init(&load, 0), PS_ERR_INVALID_ARGUMENT);

  // reserved0 (what would be tail padding) must be 0, so a later ABI can give it a meaning.
  ASSERT_EQ(ps_load_options_init(&load, sizeof load), PS_OK);
  EXPECT_EQ(load.reserved0, 0);
  load.reserved0 = 7;
  ps_model* model = nullptr;
  ps_error* err = nullptr;
  ASSERT_EQ(ps_error_create(&err), PS_OK);
  EXPECT_EQ(ps_model_load_buffer(&model, "{}", 2, &load, err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(ps_error_message(err), "reserved0 is 7"));
  ps_error_free(err);
}

// An older caller's smaller struct: only the fields it has are read.
TEST(CApi, OlderSmallerOptionsStruct) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_MARGIN;
  opts.iteration_end = 999999;  // beyond struct_size: must be ignored
  opts.struct_size = offsetof(ps_predict_options, iteration_begin);
  size_t size = 0;
  EXPECT_EQ(ps_model_output_size(&size, m.model, 2, &opts, m.err), PS_OK) << m.message();
  EXPECT_EQ(size, 2u);
}

// A newer caller's larger struct: bytes past our fields are fields we do not know. Zero
// (their default, by the rule for new fields) is fine; set, they are refused with
// PS_ERR_ABI_VERSION by every call that reads options, never ignored.
TEST(CApi, NewerLargerOptionsStruct) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  struct NewerOptions {
    ps_predict_options known;
    uint64_t newer_field;
  } newer;
  std::memset(&newer, 0, sizeof newer);
  ASSERT_EQ(ps_predict_options_init(&newer.known, sizeof newer), PS_OK);
  newer.known.output = PS_OUTPUT_MARGIN;
  const double row[5] = {0.1, 0.2, 0.3, 0.4, 0.5};
  double expected[1], out[1];
  size_t size = 0;
  ps_predict_options margin = PS_PREDICT_OPTIONS_INIT;
  margin.output = PS_OUTPUT_MARGIN;
  ASSERT_EQ(ps_model_predict_row(expected, 1, m.model, row, 5, &margin, m.err), PS_OK) << m.message();
  ASSERT_EQ(ps_model_predict_row(out, 1, m.model, row, 5, &newer.known, m.err), PS_OK) << m.message();
  EXPECT_EQ(out[0], expected[0]);

  newer.newer_field = 1;
  const int64_t indptr[2] = {0, 0};
  EXPECT_EQ(ps_model_output_size(&size, m.model, 1, &newer.known, m.err), PS_ERR_ABI_VERSION);
  EXPECT_EQ(ps_model_predict_row(out, 1, m.model, row, 5, &newer.known, m.err), PS_ERR_ABI_VERSION);
  EXPECT_EQ(ps_model_predict_dense(out, 1, m.model, row, PS_DTYPE_FLOAT64, 1, 5, &newer.known, m.err),
            PS_ERR_ABI_VERSION);
  EXPECT_EQ(ps_model_predict_csr(out, 1, m.model, indptr, nullptr, nullptr, PS_DTYPE_FLOAT64, 1, 5,
                                 &newer.known, m.err),
            PS_ERR_ABI_VERSION);
  EXPECT_TRUE(HasMessage(m.message(), "does not know set"));
  EXPECT_TRUE(HasMessage(m.message(), "needs a newer libpolyscore"));

  newer.known.struct_size = size_t(1) << 40;  // garbage, not a newer header
  EXPECT_EQ(ps_model_predict_row(out, 1, m.model, row, 5, &newer.known, m.err), PS_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(HasMessage(m.message(), "struct_size is 1099511627776"));

  struct NewerLoadOptions {
    ps_load_options known;
    uint64_t newer_field;
  } load;
  ASSERT_EQ(ps_load_options_init(&load.known, sizeof load), PS_OK);
  load.newer_field = 1;
  ps_model* model = nullptr;
  EXPECT_EQ(ps_model_load_file(&model, source_path(kXgbModel).c_str(), &load.known, m.err), PS_ERR_ABI_VERSION);
  EXPECT_EQ(model, nullptr);
  load.newer_field = 0;
  ASSERT_EQ(ps_model_load_file(&model, source_path(kXgbModel).c_str(), &load.known, m.err), PS_OK) << m.message();
  ps_model_free(model);
}

TEST(CApi, CsrShapeErrors) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  double out[2], values[2] = {1.0, 2.0};
  int64_t bad_start[2] = {1, 2};
  int32_t indices[2] = {0, 1};
  EXPECT_EQ(ps_model_predict_csr(out, 2, m.model, bad_start, indices, values, PS_DTYPE_FLOAT64, 1, 5,
                                 nullptr, m.err),
            PS_ERR_SHAPE);
  int64_t decreasing[3] = {0, 2, 1};
  EXPECT_EQ(ps_model_predict_csr(out, 2, m.model, decreasing, indices, values, PS_DTYPE_FLOAT64, 2, 5,
                                 nullptr, m.err),
            PS_ERR_SHAPE);
  int64_t ok[2] = {0, 2};
  int32_t out_of_range[2] = {0, 5};
  EXPECT_EQ(ps_model_predict_csr(out, 2, m.model, ok, out_of_range, values, PS_DTYPE_FLOAT64, 1, 5,
                                 nullptr, m.err),
            PS_ERR_SHAPE);
  EXPECT_TRUE(HasMessage(m.message(), "column index 5"));
}

TEST(CApi, ModelInfoAndFeatureNames) {
  Loaded m(source_path("examples/fraud/fraud-v3.json"));
  ASSERT_EQ(m.status, PS_OK) << m.message();
  ps_model_info info = PS_MODEL_INFO_INIT;
  ASSERT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
  EXPECT_EQ(info.format, PS_FORMAT_XGBOOST_JSON);
  EXPECT_EQ(info.num_features, 2u);
  EXPECT_EQ(info.num_outputs, 1u);
  EXPECT_STREQ(info.objective, "binary:logistic");
  EXPECT_STREQ(info.booster, "gbtree");
  char buf[32];
  size_t len = 0;
  ASSERT_EQ(ps_model_feature_name(buf, sizeof buf, &len, m.model, 0, m.err), PS_OK);
  EXPECT_STREQ(buf, "amount_zscore");
  EXPECT_EQ(len, 13u);
  EXPECT_EQ(ps_model_feature_name(buf, 4, &len, m.model, 1, m.err), PS_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 8u);
  EXPECT_EQ(ps_model_feature_name(buf, sizeof buf, &len, m.model, 2, m.err), PS_ERR_SHAPE);
  // A caller whose struct stops before the strings gets only what it asked for.
  struct {
    ps_model_info info;
    char guard[8];
  } small;
  std::memset(&small, 0x5a, sizeof small);
  small.info.struct_size = offsetof(ps_model_info, objective);
  ASSERT_EQ(ps_model_info_get(&small.info, m.model, m.err), PS_OK);
  EXPECT_EQ(small.info.num_features, 2u);
  EXPECT_EQ(small.info.objective[0], 0x5a);
}

TEST(CApi, FraudExampleScoresLikeXGBoost) {
  Loaded m(source_path("examples/fraud/fraud-v3.json"));
  ASSERT_EQ(m.status, PS_OK);
  const auto expected = polyscore_test::read_file(source_path("examples/fraud/expected.csv"));
  double row[2] = {0.4, 1.2}, score = 0;
  ASSERT_EQ(ps_model_predict_row(&score, 1, m.model, row, 2, nullptr, m.err), PS_OK);
  EXPECT_GT(score, 0.5);
  EXPECT_NE(expected.find(std::to_string(score).substr(0, 6)), std::string::npos);
}

// One model, several threads, exact results; then the model is freed while threads
// are still predicting: calls in flight finish, later calls see an invalid handle.
TEST(CApi, ThreadsShareOneModelAndSurviveFree) {
  ErrorObject e;
  ps_model* m = nullptr;
  ASSERT_EQ(ps_model_load_file(&m, source_path("tests/vectors/models/lgb4_bigish_binary.txt").c_str(),
                               nullptr, e.err),
            PS_OK);
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_model_info_get(&info, m, nullptr);
  const size_t n_rows = 500;
  auto rows = rows_for(m, n_rows);
  std::vector<double> reference(n_rows);
  ASSERT_EQ(ps_model_predict_dense(reference.data(), n_rows, m, rows.data(), PS_DTYPE_FLOAT64, n_rows,
                                   info.num_features, nullptr, e.err),
            PS_OK);

  std::atomic<int> mismatches{0}, after_free_ok{0}, invalid{0}, other{0};
  std::atomic<bool> freed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      ps_error* err = nullptr;
      ps_error_create(&err);
      std::vector<double> out(n_rows);
      // Each thread keeps calling until it has made 20 calls that started after the
      // free, however fast the calls before it were (CI once saw every thread finish
      // a fixed 200 calls inside the 20 ms before the free).
      int calls_after_free = 0;
      for (int iter = 0; iter < 200 || calls_after_free < 20; ++iter) {
        const bool was_freed = freed.load();
        if (was_freed) ++calls_after_free;
        ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
        opts.num_threads = (t % 2) + 1;
        const ps_status st = (iter + t) % 2
            ? ps_model_predict_dense(out.data(), n_rows, m, rows.data(), PS_DTYPE_FLOAT64, n_rows,
                                     info.num_features, &opts, err)
            : ps_model_predict_row(out.data(), 1, m, rows.data() + (iter % n_rows) * info.num_features,
                                   info.num_features, nullptr, err);
        if (st == PS_OK) {
          if ((iter + t) % 2) {
            if (out != reference) ++mismatches;
          } else if (out[0] != reference[iter % n_rows]) {
            ++mismatches;
          }
          if (was_freed) ++after_free_ok;
        } else if (st == PS_ERR_INVALID_HANDLE) {
          ++invalid;
        } else {
          ++other;
        }
      }
      ps_error_free(err);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ps_model_free(m);
  freed = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(after_free_ok.load(), 0) << "a call that started after free succeeded";
  EXPECT_GE(invalid.load(), 6 * 20) << "every call that started after free is refused";
}

TEST(CApi, MultiThreadedBatchEqualsSingleThreaded) {
  Loaded m(source_path("tests/vectors/models/xgb3_multi_softprob.json"));
  ASSERT_EQ(m.status, PS_OK);
  ps_model_info info = PS_MODEL_INFO_INIT;
  ps_model_info_get(&info, m.model, nullptr);
  const size_t n_rows = 1000;
  auto rows = rows_for(m.model, n_rows);
  for (int32_t kind : {PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN, PS_OUTPUT_LEAF}) {
    ps_predict_options one = PS_PREDICT_OPTIONS_INIT, many = PS_PREDICT_OPTIONS_INIT;
    one.output = many.output = kind;
    many.num_threads = 4;
    size_t size = 0;
    ASSERT_EQ(ps_model_output_size(&size, m.model, n_rows, &one, m.err), PS_OK);
    std::vector<double> a(size), b(size);
    ASSERT_EQ(ps_model_predict_dense(a.data(), size, m.model, rows.data(), PS_DTYPE_FLOAT64, n_rows,
                                     info.num_features, &one, m.err),
              PS_OK);
    ASSERT_EQ(ps_model_predict_dense(b.data(), size, m.model, rows.data(), PS_DTYPE_FLOAT64, n_rows,
                                     info.num_features, &many, m.err),
              PS_OK);
    EXPECT_EQ(a, b);
  }
}

TEST(CApi, NanAndInfinityInputs) {
  Loaded m(source_path(kXgbModel));
  ASSERT_EQ(m.status, PS_OK);
  const double inf = INFINITY, nan = NAN;
  double rows[3][5] = {{nan, nan, nan, nan, nan}, {inf, -inf, inf, -inf, 0}, {1e308, -1e308, 0, 0, 0}};
  for (auto& row : rows) {
    double out = -1;
    ASSERT_EQ(ps_model_predict_row(&out, 1, m.model, row, 5, nullptr, m.err), PS_OK);
    EXPECT_TRUE(out >= 0.0 && out <= 1.0) << out;
  }
}

}  // namespace
