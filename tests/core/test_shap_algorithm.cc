// ps_predict_options.shap_algorithm (ABI 6): every case of tests/vectors/shap_algorithms,
// an XGBoost file explained by the XGBoost of the other algorithm (3.4.1's
// QuadratureTreeSHAP on files of 3.2.0 and 1.7.6; 3.2.0's exact TreeSHAP on files of
// 3.4.1), must come out of the C API bit for bit with that algorithm asked for, through
// dense input, a lone row and two threads; and the option's errors.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <nlohmann/json.hpp>

#include "test_util.h"

using polyscore_test::flatten;
using polyscore_test::Loaded;
using polyscore_test::predict_dense;
using polyscore_test::read_csv;
using polyscore_test::source_path;

namespace {

nlohmann::json read_json(const std::string& relative) {
  return nlohmann::json::parse(polyscore_test::read_file(source_path(relative)));
}

// The conformance case (model, input rows, iteration range) a cross case explains.
nlohmann::json conformance_case(const std::string& name) {
  static const nlohmann::json manifest = read_json("tests/vectors/manifest.json");
  for (const auto& c : manifest["cases"]) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no conformance case " << name;
  return {};
}

ps_shap_algorithm algorithm_named(const std::string& name) {
  if (name == "quadrature") return PS_SHAP_QUADRATURE;
  if (name == "treeshap") return PS_SHAP_TREESHAP;
  ADD_FAILURE() << "unknown algorithm " << name;
  return PS_SHAP_AUTO;
}

// Bit for bit; NaN only where the library wrote NaN.
size_t bits_differ(const std::vector<double>& expected, const std::vector<double>& actual) {
  if (expected.size() != actual.size()) return expected.size() + actual.size();
  size_t differ = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::memcmp(&expected[i], &actual[i], sizeof(double)) != 0) ++differ;
  }
  return differ;
}

TEST(ShapAlgorithm, EveryCrossCaseGivesTheOtherXGBoostsBits) {
  const auto manifest = read_json("tests/vectors/shap_algorithms/manifest.json");
  size_t contrib_cases = 0, interaction_cases = 0, unlike_auto = 0;
  for (const auto& cross : manifest["cases"]) {
    SCOPED_TRACE(cross["name"].get<std::string>());
    const nlohmann::json c = conformance_case(cross["case"]);
    Loaded m(source_path("tests/vectors/" + c["model"].get<std::string>()));
    ASSERT_EQ(m.status, PS_OK) << m.message();
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const auto x = flatten(rows);
    const size_t n = c["num_features"];
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.iteration_begin = c["iteration_begin"];
    opts.iteration_end = c["iteration_end"];
    opts.output = PS_OUTPUT_CONTRIB;
    opts.shap_algorithm = algorithm_named(cross["shap_algorithm"]);
    const auto expected =
        flatten(read_csv(source_path("tests/vectors/shap_algorithms/" + cross["contrib"]["file"].get<std::string>())));
    EXPECT_EQ(bits_differ(expected, predict_dense(m, x, rows.size(), n, opts)), 0u);
    opts.num_threads = 2;
    EXPECT_EQ(bits_differ(expected, predict_dense(m, x, rows.size(), n, opts)), 0u) << "two threads";
    // A lone row (its own one-row walks) gives row 0's values.
    const std::vector<double> first(x.begin(), x.begin() + n);
    const std::vector<double> expected_first(expected.begin(), expected.begin() + expected.size() / rows.size());
    EXPECT_EQ(bits_differ(expected_first, predict_dense(m, first, 1, n, opts)), 0u) << "one row, two threads";
    opts.num_threads = 1;
    std::vector<double> row_out(expected_first.size());
    ASSERT_EQ(ps_model_predict_row(row_out.data(), row_out.size(), m.model, first.data(), n, &opts, m.err), PS_OK)
        << m.message();
    EXPECT_EQ(bits_differ(expected_first, row_out), 0u) << "ps_model_predict_row";
    // The default (the file's own library's algorithm) gives other values, or none (vector
    // leaves of a file of XGBoost <= 3.2): the option is what made the ones above.
    ps_predict_options by_default = opts;
    by_default.shap_algorithm = PS_SHAP_AUTO;
    size_t size = 0;
    if (ps_model_output_size(&size, m.model, rows.size(), &by_default, m.err) != PS_OK ||
        bits_differ(expected, predict_dense(m, x, rows.size(), n, by_default)) > 0) {
      ++unlike_auto;
    }
    ++contrib_cases;
    if (!cross.contains("interactions")) continue;
    const size_t k = cross["interactions"]["rows"];
    opts.output = PS_OUTPUT_INTERACTIONS;
    const std::vector<double> some(x.begin(), x.begin() + k * n);
    const auto expected_matrix = flatten(
        read_csv(source_path("tests/vectors/shap_algorithms/" + cross["interactions"]["file"].get<std::string>())));
    EXPECT_EQ(bits_differ(expected_matrix, predict_dense(m, some, k, n, opts)), 0u) << "interactions";
    ++interaction_cases;
  }
  // The generator's counts (tests/gen/make_shap_algorithm_vectors.py): nothing skipped silently.
  EXPECT_EQ(contrib_cases, manifest["cases"].size());
  EXPECT_GE(contrib_cases, 170u);
  EXPECT_GE(interaction_cases, 150u);
  // Most cases differ between the two algorithms (140 of 178; gblinear and some shallow
  // trees round alike).
  EXPECT_GE(unlike_auto * 10, contrib_cases * 7) << unlike_auto << " of " << contrib_cases;
}

struct Model {
  Loaded m;
  size_t n_features = 0;
  explicit Model(const std::string& file) : m(source_path("tests/vectors/models/" + file)) {
    EXPECT_EQ(m.status, PS_OK) << m.message();
    ps_model_info info = PS_MODEL_INFO_INIT;
    EXPECT_EQ(ps_model_info_get(&info, m.model, m.err), PS_OK);
    n_features = info.num_features;
  }
  ps_status output_size(const ps_predict_options& opts) {
    size_t size = 0;
    return ps_model_output_size(&size, m.model, 1, &opts, m.err);
  }
  ps_status row(const ps_predict_options& opts) {
    std::vector<double> x(n_features, 0.5), out(4096);
    return ps_model_predict_row(out.data(), out.size(), m.model, x.data(), n_features, &opts, m.err);
  }
  ps_status dense(const ps_predict_options& opts) {
    std::vector<double> x(2 * n_features, 0.5), out(8192);
    return ps_model_predict_dense(out.data(), out.size(), m.model, x.data(), PS_DTYPE_FLOAT64, 2, n_features, &opts,
                                  m.err);
  }
  ps_status csr(const ps_predict_options& opts) {
    const int64_t indptr[] = {0, 1};
    const int32_t indices[] = {0};
    const double values[] = {0.5};
    std::vector<double> out(4096);
    return ps_model_predict_csr(out.data(), out.size(), m.model, indptr, indices, values, PS_DTYPE_FLOAT64, 1,
                                n_features, &opts, m.err);
  }
};

// Every predict entry point checks both new fields for every output kind, whichever path
// it takes (the plan made at load, a fresh plan, the SHAP tables), before scoring.
TEST(ShapAlgorithm, EveryEntryPointChecksTheNewFieldsForEveryOutput) {
  Model model("xgb3_binary_logistic.json");
  using Call = ps_status (Model::*)(const ps_predict_options&);
  const std::pair<const char*, Call> calls[] = {
      {"output_size", &Model::output_size}, {"dense", &Model::dense}, {"csr", &Model::csr}, {"row", &Model::row}};
  for (ps_output_kind kind :
       {PS_OUTPUT_VALUE, PS_OUTPUT_MARGIN, PS_OUTPUT_LEAF, PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
    for (const auto& [name, call] : calls) {
      SCOPED_TRACE(std::string(name) + " output " + std::to_string(kind));
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.output = kind;
      EXPECT_EQ((model.*call)(opts), PS_OK) << model.m.message();
      opts.shap_algorithm = 3;
      EXPECT_EQ((model.*call)(opts), PS_ERR_INVALID_ARGUMENT);
      EXPECT_NE(model.m.message().find("unknown shap_algorithm 3"), std::string::npos) << model.m.message();
      opts.shap_algorithm = PS_SHAP_TREESHAP;
      opts.reserved1 = -1;
      EXPECT_EQ((model.*call)(opts), PS_ERR_INVALID_ARGUMENT);
      EXPECT_NE(model.m.message().find("reserved1 is -1"), std::string::npos) << model.m.message();
      // A caller whose struct ends before reserved1 (44 bytes) is not held to it.
      opts.struct_size = offsetof(ps_predict_options, reserved1);
      EXPECT_EQ((model.*call)(opts), PS_OK) << model.m.message();
    }
  }
}

TEST(ShapAlgorithm, UnknownValueIsRefusedByEveryCallNamingIt) {
  Model model("xgb3_binary_logistic.json");
  for (ps_output_kind kind : {PS_OUTPUT_VALUE, PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
    for (ps_shap_algorithm bad : {3, -1, 1000}) {
      SCOPED_TRACE(std::to_string(kind) + " " + std::to_string(bad));
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.output = kind;
      opts.shap_algorithm = bad;
      EXPECT_EQ(model.output_size(opts), PS_ERR_INVALID_ARGUMENT);
      EXPECT_NE(model.m.message().find("unknown shap_algorithm " + std::to_string(bad)), std::string::npos)
          << model.m.message();
      EXPECT_EQ(model.row(opts), PS_ERR_INVALID_ARGUMENT);  // the one-row path too
      EXPECT_NE(model.m.message().find("shap_algorithm"), std::string::npos) << model.m.message();
    }
  }
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.reserved1 = 1;
  EXPECT_EQ(model.row(opts), PS_ERR_INVALID_ARGUMENT);
  EXPECT_NE(model.m.message().find("reserved1"), std::string::npos) << model.m.message();
}

TEST(ShapAlgorithm, WhatNoLibraryDefinesIsUnsupported) {
  {  // No LightGBM computes QuadratureTreeSHAP.
    Model model("lgb4_binary.txt");
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    opts.shap_algorithm = PS_SHAP_QUADRATURE;
    EXPECT_EQ(model.row(opts), PS_ERR_UNSUPPORTED);
    EXPECT_NE(model.m.message().find("LightGBM"), std::string::npos) << model.m.message();
    opts.shap_algorithm = PS_SHAP_TREESHAP;  // LightGBM's own
    EXPECT_EQ(model.row(opts), PS_OK) << model.m.message();
  }
  {  // Exact TreeSHAP defines nothing for vector leaves; the quadrature (the default here) does.
    Model model("xgb34_multi_target_multi_output_tree.json");
    for (ps_output_kind kind : {PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.output = kind;
      EXPECT_EQ(model.output_size(opts), PS_OK) << model.m.message();
      opts.shap_algorithm = PS_SHAP_TREESHAP;
      EXPECT_EQ(model.output_size(opts), PS_ERR_UNSUPPORTED);
      EXPECT_NE(model.m.message().find("PS_SHAP_QUADRATURE"), std::string::npos) << model.m.message();
    }
  }
}

// A program built against an ABI 5 header passes a 40-byte struct: it gets the default.
TEST(ShapAlgorithm, OlderCallersGetTheFilesOwnAlgorithm) {
  Model model("xgb34_binary_logistic.json");
  std::vector<double> x(model.n_features, 0.25);
  auto contributions = [&](const ps_predict_options& opts) {
    std::vector<double> out(model.n_features + 1);
    EXPECT_EQ(ps_model_predict_row(out.data(), out.size(), model.m.model, x.data(), x.size(), &opts, model.m.err),
              PS_OK)
        << model.m.message();
    return out;
  };
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = PS_OUTPUT_CONTRIB;
  const auto by_default = contributions(opts);
  opts.shap_algorithm = PS_SHAP_QUADRATURE;
  EXPECT_EQ(bits_differ(by_default, contributions(opts)), 0u);
  opts.shap_algorithm = PS_SHAP_TREESHAP;
  const auto exact = contributions(opts);
  EXPECT_GT(bits_differ(by_default, exact), 0u);
  opts.struct_size = offsetof(ps_predict_options, shap_algorithm);  // ends before the field
  EXPECT_EQ(bits_differ(by_default, contributions(opts)), 0u);
}

// The tables of each algorithm are made at the first call that asks for them: threads
// that all make their first call at once on a fresh model get the bits of a later call.
TEST(ShapAlgorithm, FirstCallsFromManyThreadsAtOnceAgree) {
  for (ps_shap_algorithm algorithm : {PS_SHAP_TREESHAP, PS_SHAP_QUADRATURE}) {
    Model model("xgb3_bigish_binary_logistic.json");  // tables that take a while to make
    std::vector<double> x(model.n_features, 0.25);
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = PS_OUTPUT_CONTRIB;
    opts.shap_algorithm = algorithm;
    constexpr int kThreads = 8;
    std::vector<std::vector<double>> out(kThreads, std::vector<double>(model.n_features + 1));
    std::vector<ps_status> status(kThreads, PS_ERR_INTERNAL);
    std::vector<std::thread> threads;
    std::atomic<int> ready{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ready.fetch_add(1);
        while (ready.load() < kThreads) {
        }
        status[t] = ps_model_predict_row(out[t].data(), out[t].size(), model.m.model, x.data(), x.size(), &opts,
                                         nullptr);
      });
    }
    for (auto& thread : threads) thread.join();
    std::vector<double> later(model.n_features + 1);
    ASSERT_EQ(ps_model_predict_row(later.data(), later.size(), model.m.model, x.data(), x.size(), &opts, model.m.err),
              PS_OK)
        << model.m.message();
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_EQ(status[t], PS_OK) << t;
      EXPECT_EQ(bits_differ(later, out[t]), 0u) << t;
    }
  }
}

}  // namespace
