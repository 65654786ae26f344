// Helpers shared by the C++ tests: paths, CSV reading, a C-API RAII wrapper, threads of
// a given stack.
#pragma once

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "polyscore/polyscore.h"

namespace polyscore_test {

inline std::string source_path(const std::string& relative) {
  return std::string(POLYSCORE_SOURCE_DIR) + "/" + relative;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows of numbers; "nan" reads as NaN (strtod accepts it).
inline std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) row.push_back(std::strtod(field.c_str(), nullptr));
    rows.push_back(row);
  }
  return rows;
}

inline std::vector<double> flatten(const std::vector<std::vector<double>>& rows) {
  std::vector<double> flat;
  for (const auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return flat;
}

// An error object and a model, freed at scope exit.
struct Loaded {
  ps_error* err = nullptr;
  ps_model* model = nullptr;
  ps_status status = PS_OK;
  explicit Loaded(const std::string& path, int32_t format = PS_FORMAT_AUTO) {
    ps_error_create(&err);
    ps_load_options opts = PS_LOAD_OPTIONS_INIT;
    opts.format = format;
    status = ps_model_load_file(&model, path.c_str(), &opts, err);
  }
  ~Loaded() {
    ps_model_free(model);
    ps_error_free(err);
  }
  std::string message() const { return ps_error_message(err); }
};

// n_rows float64 rows scored with opts through ps_model_output_size and
// ps_model_predict_dense, both expected to succeed.
inline std::vector<double> predict_dense(const Loaded& m, const std::vector<double>& x, size_t n_rows,
                                         size_t n_features, const ps_predict_options& opts) {
  size_t size = 0;
  EXPECT_EQ(ps_model_output_size(&size, m.model, n_rows, &opts, m.err), PS_OK) << m.message();
  std::vector<double> out(size);
  EXPECT_EQ(ps_model_predict_dense(out.data(), size, m.model, x.data(), PS_DTYPE_FLOAT64, n_rows, n_features, &opts,
                                   m.err),
            PS_OK)
      << m.message();
  return out;
}

// Sets (or, value nullptr, unsets) an environment variable for its scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* had = std::getenv(name);
    had_ = had != nullptr;
    if (had_) saved_ = had;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, saved_.c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_;
  std::string saved_;
};

// The smallest stack a thread can be given here: 16 KiB on x86-64, 128 KiB on aarch64
// (its pages may be 64 KiB).
inline size_t smallest_thread_stack() {
  const long smallest = sysconf(_SC_THREAD_STACK_MIN);
  return smallest > 0 ? size_t(smallest) : size_t(16) << 10;
}

// Runs fn on a new thread with a stack of stack_bytes (as a Java thread's 1 MiB, or
// smaller; at least smallest_thread_stack()), and waits for it.
inline void on_thread_with_stack(size_t stack_bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, std::max(stack_bytes, smallest_thread_stack())), 0);
  pthread_t thread;
  auto run = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&fn)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace polyscore_test
