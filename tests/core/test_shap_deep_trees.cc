// SHAP of a model with one very deep tree (a chain of splits, as LightGBM's leaf-wise
// growth or XGBoost's lossguide can make): a call whose scratch would pass the limit is
// refused with PS_ERR_OUT_OF_MEMORY before it allocates (src/explain/shap_scratch.h),
// contributions and interaction values, one row and batches; the model still predicts;
// and a chain under the limit gets its contributions. The limit is set low here
// (POLYSCORE_SHAP_SCRATCH_LIMIT), so that without the check these calls allocate a few
// hundred MiB and succeed, and the tests fail instead of the process being killed.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "explain/grouped_walk.h"
#include "explain/shap_scratch.h"
#include "explain/tree_shap.h"
#include "loaders/loaders.h"
#include "polyscore/polyscore.h"
#include "predict/predictor.h"
#include "predict/thread_stack.h"
#include "test_util.h"

namespace {

using polyscore_test::on_thread_with_stack;

constexpr uint32_t kFeatures = 8;
constexpr uint64_t kTestLimit = uint64_t(64) << 20;  // 64 MiB

// The test's limit for the scope (POLYSCORE_SHAP_SCRATCH_LIMIT, read by the library's
// copy of the core as by the tests'), the default after.
class ScopedLimit {
 public:
  explicit ScopedLimit(uint64_t bytes) { setenv("POLYSCORE_SHAP_SCRATCH_LIMIT", std::to_string(bytes).c_str(), 1); }
  ~ScopedLimit() { unsetenv("POLYSCORE_SHAP_SCRATCH_LIMIT"); }
};

// Split i of the chain tests feature i % kFeatures against 0.5; its left child is leaf i
// (value i / 1000), its right child split i + 1, the last split's right child leaf
// `depth`. A row of 1.0 everywhere goes right to the bottom: leaf `depth`. Features
// repeat on the path, so the walks unwind and stay quick; their scratch is sized by the
// depth all the same. The models have the chain twice (two trees: one row on two threads
// splits them between the threads).
double chain_leaf_value(uint32_t leaf) { return double(leaf) / 1000.0; }

std::string join(uint32_t n, const std::function<std::string(uint32_t)>& item) {
  std::string out;
  for (uint32_t i = 0; i < n; ++i) out += (i ? " " : "") + item(i);
  return out;
}

// LightGBM text: the chain, twice.
std::string lightgbm_chain(uint32_t depth) {
  auto num = [](double v) { return std::to_string(v); };
  std::string tree = "num_leaves=" + std::to_string(depth + 1) + "\nnum_cat=0\n";
  tree += "split_feature=" + join(depth, [](uint32_t i) { return std::to_string(i % kFeatures); }) + "\n";
  tree += "split_gain=" + join(depth, [](uint32_t) { return std::string("1"); }) + "\n";
  tree += "threshold=" + join(depth, [](uint32_t) { return std::string("0.5"); }) + "\n";
  tree += "decision_type=" + join(depth, [](uint32_t) { return std::string("2"); }) + "\n";
  tree += "left_child=" + join(depth, [](uint32_t i) { return std::to_string(-int64_t(i) - 1); }) + "\n";
  tree += "right_child=" + join(depth, [depth](uint32_t i) {
            return i + 1 < depth ? std::to_string(i + 1) : std::to_string(-int64_t(depth) - 1);
          }) + "\n";
  tree += "leaf_value=" + join(depth + 1, [&](uint32_t i) { return num(chain_leaf_value(i)); }) + "\n";
  tree += "leaf_weight=" + join(depth + 1, [](uint32_t) { return std::string("1"); }) + "\n";
  tree += "leaf_count=" + join(depth + 1, [](uint32_t) { return std::string("1"); }) + "\n";
  tree += "internal_value=" + join(depth, [](uint32_t) { return std::string("0"); }) + "\n";
  tree += "internal_weight=" + join(depth, [depth](uint32_t i) { return std::to_string(depth + 1 - i); }) + "\n";
  tree += "internal_count=" + join(depth, [depth](uint32_t i) { return std::to_string(depth + 1 - i); }) + "\n";
  tree += "is_linear=0\nshrinkage=1\n\n\n";
  return "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=" +
         std::to_string(kFeatures - 1) + "\nobjective=regression\nfeature_names=" +
         join(kFeatures, [](uint32_t i) { return "f" + std::to_string(i); }) + "\nfeature_infos=" +
         join(kFeatures, [](uint32_t) { return std::string("[0:1]"); }) + "\n\nTree=0\n" + tree + "Tree=1\n" +
         tree + "end of trees\n\nfeature_importances:\n\nparameters:\nend of parameters\n\npandas_categorical:null\n";
}

// XGBoost JSON, the chain twice: node 2i is split i, 2i + 1 its leaf, 2i + 2 the next
// split (2 * depth the last leaf). Version 2.1.3: exact TreeSHAP; 3.4.1:
// QuadratureTreeSHAP (both define interaction values).
std::string xgboost_chain(uint32_t depth, const std::string& version = "[2, 1, 3]") {
  const uint32_t nodes = 2 * depth + 1;
  auto is_split = [](uint32_t n, uint32_t depth) { return n % 2 == 0 && n < 2 * depth; };
  auto list = [&](const std::function<std::string(uint32_t)>& item) {
    std::string out = "[";
    for (uint32_t n = 0; n < nodes; ++n) out += (n ? ", " : "") + item(n);
    return out + "]";
  };
  auto leaf_of = [](uint32_t n) { return n % 2 ? (n - 1) / 2 : n / 2; };  // 2i + 1 -> i; 2 * depth -> depth
  auto tree = [&](int id) {
    return
      R"({"base_weights": )" + list([](uint32_t) { return std::string("0"); }) +
      R"(, "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [])" +
      R"(, "default_left": )" + list([](uint32_t) { return std::string("0"); }) + R"(, "id": )" + std::to_string(id) +
      R"(, "left_children": )" + list([&](uint32_t n) { return is_split(n, depth) ? std::to_string(n + 1) : "-1"; }) +
      R"(, "loss_changes": )" + list([](uint32_t) { return std::string("0"); }) +
      R"(, "parents": )" + list([](uint32_t n) {
        return n == 0 ? std::string("2147483647") : std::to_string(n % 2 ? n - 1 : n - 2);
      }) +
      R"(, "right_children": )" + list([&](uint32_t n) { return is_split(n, depth) ? std::to_string(n + 2) : "-1"; }) +
      R"(, "split_conditions": )" + list([&](uint32_t n) {
        return is_split(n, depth) ? std::string("0.5") : std::to_string(chain_leaf_value(leaf_of(n)));
      }) +
      R"(, "split_indices": )" + list([&](uint32_t n) {
        return is_split(n, depth) ? std::to_string((n / 2) % kFeatures) : std::string("0");
      }) +
      R"(, "split_type": )" + list([](uint32_t) { return std::string("0"); }) +
      R"(, "sum_hessian": )" + list([&](uint32_t n) {
        return is_split(n, depth) ? std::to_string(depth + 1 - n / 2) : std::string("1");
      }) +
      R"(, "tree_param": {"num_deleted": "0", "num_feature": ")" + std::to_string(kFeatures) +
      R"(", "num_nodes": ")" + std::to_string(nodes) + R"(", "size_leaf_vector": "1"}})";
  };
  return R"({"learner": {"attributes": {}, "feature_names": [], "feature_types": [],
      "gradient_booster": {"name": "gbtree", "model": {
        "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "2"}, "tree_info": [0, 0], "trees": [)" +
         tree(0) + ", " + tree(1) + R"(]}},
      "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": "0",
        "num_feature": ")" + std::to_string(kFeatures) + R"(", "num_target": "1"},
      "objective": {"name": "reg:squarederror", "reg_loss_param": {"scale_pos_weight": "1"}}},
    "version": )" + version + "}";
}

struct Model {
  ps_error* err = nullptr;
  ps_model* model = nullptr;
  explicit Model(const std::string& text) {
    ps_error_create(&err);
    ps_load_options opts = PS_LOAD_OPTIONS_INIT;
    EXPECT_EQ(ps_model_load_buffer(&model, text.data(), text.size(), &opts, err), PS_OK) << message();
  }
  ~Model() {
    ps_model_free(model);
    ps_error_free(err);
  }
  std::string message() const { return ps_error_message(err); }

  // The output size of n_rows with opts into size (its status in size_status); when it
  // is refused, room for interaction values, so that the call itself is tried too.
  void size_output(size_t n_rows, const ps_predict_options& opts, std::vector<double>& out) {
    size_t size = 0;
    size_status = ps_model_output_size(&size, model, n_rows, &opts, err);
    if (size_status != PS_OK) size = n_rows * (kFeatures + 1) * (kFeatures + 1);
    out.assign(size, std::nan(""));
  }

  // n_rows rows of 1.0 with the given output and threads into out; the status.
  ps_status predict(ps_output_kind output, size_t n_rows, int32_t threads, std::vector<double>& out) {
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = output;
    opts.num_threads = threads;
    const std::vector<double> rows(n_rows * kFeatures, 1.0);
    size_output(n_rows, opts, out);
    return ps_model_predict_dense(out.data(), out.size(), model, rows.data(), PS_DTYPE_FLOAT64, n_rows, kFeatures,
                                  &opts, err);
  }
  ps_status predict_row(ps_output_kind output, std::vector<double>& out) {
    ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
    opts.output = output;
    const std::vector<double> row(kFeatures, 1.0);
    size_output(1, opts, out);
    return ps_model_predict_row(out.data(), out.size(), model, row.data(), kFeatures, &opts, err);
  }

  ps_status size_status = PS_OK;  // of the last call's ps_model_output_size
};

// Every way a call reaches the walks: one row (ps_model_predict_row: the one-row walk;
// one row on two threads: the walk split by trees), and batches (2 rows: the grouped
// walk; 9 rows on two threads).
void expect_refused(Model& m, ps_output_kind output, uint32_t depth) {
  const std::string deep = "for a tree " + std::to_string(depth) + " deep";
  auto check = [&](ps_status status, const char* call) {
    SCOPED_TRACE(call);
    EXPECT_EQ(m.size_status, PS_OK);  // the scratch is counted by the call
    EXPECT_EQ(status, PS_ERR_OUT_OF_MEMORY) << m.message();
    EXPECT_NE(m.message().find(deep), std::string::npos) << m.message();
    EXPECT_NE(m.message().find("of scratch per thread"), std::string::npos) << m.message();
    EXPECT_NE(m.message().find("the limit is 64.0 MiB"), std::string::npos) << m.message();
  };
  auto on_two_threads = [&] {
    EXPECT_NE(m.message().find("on 2 threads"), std::string::npos) << m.message();
  };
  std::vector<double> out;
  check(m.predict_row(output, out), "predict_row");
  check(m.predict(output, 1, 2, out), "one row, two threads");
  if (output == PS_OUTPUT_CONTRIB) on_two_threads();  // interaction values: one thread a row
  check(m.predict(output, 2, 1, out), "two rows");
  check(m.predict(output, 9, 2, out), "nine rows, two threads");
  on_two_threads();
}

// Plain scoring of the deep chains still works: rows of 1.0 reach their last leaves.
void expect_predicts(Model& m, uint32_t depth, double base) {
  std::vector<double> out;
  ASSERT_EQ(m.predict(PS_OUTPUT_MARGIN, 3, 2, out), PS_OK) << m.message();
  for (double v : out) EXPECT_NEAR(v, base + 2 * chain_leaf_value(depth), 1e-5);
  ASSERT_EQ(m.predict_row(PS_OUTPUT_MARGIN, out), PS_OK) << m.message();
  EXPECT_NEAR(out[0], base + 2 * chain_leaf_value(depth), 1e-5);
}

TEST(ShapDeepTrees, LightGbmChainPastTheLimitIsRefusedAndStillPredicts) {
  ScopedLimit limit(kTestLimit);
  const uint32_t depth = 3000;  // one row: about 140 MiB of scratch (double)
  Model m(lightgbm_chain(depth));
  expect_refused(m, PS_OUTPUT_CONTRIB, depth);
  expect_predicts(m, depth, 0.0);
}

TEST(ShapDeepTrees, XGBoostChainPastTheLimitIsRefusedAndStillPredicts) {
  ScopedLimit limit(kTestLimit);
  const uint32_t depth = 3000;  // interaction values: about 100 MiB of path per thread (float)
  Model m(xgboost_chain(depth));
  expect_refused(m, PS_OUTPUT_CONTRIB, depth);
  expect_refused(m, PS_OUTPUT_INTERACTIONS, depth);
  expect_predicts(m, depth, 0.5);
}

// A chain under a quarter as deep needs a twentieth of the scratch: under the limit, its
// contributions are computed, one row and a batch give the same bits, and they sum to
// the margin.
TEST(ShapDeepTrees, ChainUnderTheLimitIsExplained) {
  ScopedLimit limit(kTestLimit);
  const uint32_t depth = 700;
  for (const bool lightgbm : {true, false}) {
    SCOPED_TRACE(lightgbm ? "lightgbm" : "xgboost");
    Model m(lightgbm ? lightgbm_chain(depth) : xgboost_chain(depth));
    std::vector<double> margin, one, batch, interactions;
    ASSERT_EQ(m.predict_row(PS_OUTPUT_MARGIN, margin), PS_OK) << m.message();
    ASSERT_EQ(m.predict_row(PS_OUTPUT_CONTRIB, one), PS_OK) << m.message();
    ASSERT_EQ(m.predict(PS_OUTPUT_CONTRIB, 3, 2, batch), PS_OK) << m.message();
    ASSERT_EQ(one.size(), size_t(kFeatures) + 1);
    double sum = 0;
    for (double v : one) sum += v;
    EXPECT_NEAR(sum, margin[0], 1e-4);
    for (size_t r = 0; r < 3; ++r) {
      for (size_t c = 0; c < one.size(); ++c) EXPECT_EQ(batch[r * one.size() + c], one[c]) << r << " " << c;
    }
    if (!lightgbm) {
      ASSERT_EQ(m.predict_row(PS_OUTPUT_INTERACTIONS, interactions), PS_OK) << m.message();
      double total = 0;
      for (double v : interactions) total += v;
      EXPECT_NEAR(total, margin[0], 1e-4);
    }
  }
}

// Trees deeper than kMaxShapDepth (exact TreeSHAP) or kMaxQuadratureDepth make SHAP
// unsupported before anything recurses (QuadratureTreeSHAP's batch walk 3,500 deep
// overflowed an 8 MiB stack); scoring is not affected. At kMaxQuadratureDepth
// QuadratureTreeSHAP (whose scratch is linear in the depth) still explains, contributions
// and interaction values, on this thread and on the pool's. The scratch limit is low
// here, so that without the depth limit exact TreeSHAP is refused for its scratch instead
// (and the test fails without allocating much).
TEST(ShapDeepTrees, TreesPastTheDepthLimitAreUnsupportedAndStillPredict) {
  ScopedLimit limit(kTestLimit);
  const uint32_t exact = polyscore::kMaxShapDepth + 1, quadrature = polyscore::kMaxQuadratureDepth + 1;
  struct Case {
    const char* name;
    std::string text;
    uint32_t depth;
    std::string deep;
    double base;
    bool interactions;
  };
  const std::string exact_deep = "is " + std::to_string(exact) + " deep; exact TreeSHAP explains trees up to " +
                                 std::to_string(polyscore::kMaxShapDepth) + " deep";
  const std::string quadrature_deep = "is " + std::to_string(quadrature) +
                                      " deep; QuadratureTreeSHAP explains trees up to " +
                                      std::to_string(polyscore::kMaxQuadratureDepth) + " deep";
  const Case cases[] = {{"lightgbm", lightgbm_chain(exact), exact, exact_deep, 0.0, false},
                        {"xgboost exact", xgboost_chain(exact), exact, exact_deep, 0.5, true},
                        {"xgboost quadrature", xgboost_chain(quadrature, "[3, 4, 1]"), quadrature, quadrature_deep,
                         0.5, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string& deep = c.deep;
    Model m(c.text);
    std::vector<ps_output_kind> outputs{PS_OUTPUT_CONTRIB};
    if (c.interactions) outputs.push_back(PS_OUTPUT_INTERACTIONS);
    for (ps_output_kind output : outputs) {
      std::vector<double> out;
      EXPECT_EQ(m.predict_row(output, out), PS_ERR_UNSUPPORTED) << m.message();
      EXPECT_NE(m.message().find(deep), std::string::npos) << m.message();
      EXPECT_EQ(m.size_status, PS_ERR_UNSUPPORTED);
      EXPECT_EQ(m.predict(output, 9, 2, out), PS_ERR_UNSUPPORTED) << m.message();
      EXPECT_NE(m.message().find(deep), std::string::npos) << m.message();
    }
    expect_predicts(m, c.depth, c.base);
  }
  Model at_limit(xgboost_chain(polyscore::kMaxQuadratureDepth, "[3, 4, 1]"));
  std::vector<double> margin;
  ASSERT_EQ(at_limit.predict_row(PS_OUTPUT_MARGIN, margin), PS_OK) << at_limit.message();
  for (ps_output_kind output : {PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
    std::vector<double> one, batch;
    ASSERT_EQ(at_limit.predict_row(output, one), PS_OK) << at_limit.message();
    ASSERT_EQ(at_limit.predict(output, 33, 2, batch), PS_OK) << at_limit.message();
    double sum = 0;
    for (double v : one) sum += v;
    EXPECT_NEAR(sum, margin[0], 1e-4);
    for (size_t c = 0; c < batch.size(); ++c) EXPECT_EQ(batch[c], one[c % one.size()]) << c;
  }
}

// A tree the depth limits allow, explained from a thread whose stack is too small for
// its walk's recursion (256 KiB: a 3,000-deep chain takes about 0.5 MiB with exact
// TreeSHAP, 2,000 levels of QuadratureTreeSHAP several MiB), is refused with
// PS_ERR_UNSUPPORTED naming the stack, instead of overflowing it; the same thread still
// scores it, and a thread with the default 8 MiB explains it.
TEST(ShapDeepTrees, AThreadWithASmallStackIsRefusedNotOverflowed) {
  struct Case {
    const char* name;
    std::string text;
    uint32_t depth;
    double base;
  };
  const Case cases[] = {{"lightgbm exact", lightgbm_chain(3000), 3000, 0.0},
                        {"xgboost exact", xgboost_chain(3000), 3000, 0.5},
                        {"xgboost quadrature", xgboost_chain(polyscore::kMaxQuadratureDepth, "[3, 4, 1]"),
                         polyscore::kMaxQuadratureDepth, 0.5}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Model m(c.text);
    for (ps_output_kind output : {PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
      if (output == PS_OUTPUT_INTERACTIONS && c.base == 0.0) continue;  // LightGBM defines none
      SCOPED_TRACE(output == PS_OUTPUT_CONTRIB ? "contributions" : "interaction values");
      on_thread_with_stack(size_t(256) << 10, [&] {
        std::vector<double> out;
        EXPECT_EQ(m.predict_row(output, out), PS_ERR_UNSUPPORTED) << m.message();
        EXPECT_NE(m.message().find("deep needs about"), std::string::npos) << m.message();
        EXPECT_NE(m.message().find("of stack"), std::string::npos) << m.message();
        EXPECT_EQ(m.predict(output, 9, 1, out), PS_ERR_UNSUPPORTED) << m.message();
        ASSERT_EQ(m.predict_row(PS_OUTPUT_MARGIN, out), PS_OK) << m.message();
        EXPECT_NEAR(out[0], c.base + 2 * chain_leaf_value(c.depth), 1e-5);
      });
      on_thread_with_stack(size_t(8) << 20, [&] {
        std::vector<double> out;
        EXPECT_EQ(m.predict_row(output, out), PS_OK) << m.message();
      });
    }
  }
}

// Every SHAP call checks the thread's stack, not only those of deep trees: a thread of
// 64 KiB (glibc may hand it a larger cached stack; the test reads what it got)
// explaining a 380-deep chain by exact TreeSHAP, which asks about 254 KiB (380 levels of
// kShapStackPerLevel and 64 KiB for the frames around them), is refused where it has
// less, explained where it has more; scoring, which asks less, is checked as well. When
// calls that asked under 256 KiB skipped the check, this thread died of SIGSEGV.
TEST(ShapDeepTrees, EveryCallChecksTheStackNotOnlyDeepTrees) {
  Model m(lightgbm_chain(380));
  on_thread_with_stack(size_t(64) << 10, [&] {
    const size_t asked = 380 * polyscore::kShapStackPerLevel + (size_t(64) << 10);
    const size_t left = polyscore::thread_stack_left();
    std::vector<double> out;
    const int status = m.predict_row(PS_OUTPUT_CONTRIB, out);
    if (left < asked) {
      EXPECT_EQ(status, PS_ERR_UNSUPPORTED) << m.message();
      EXPECT_NE(m.message().find("of stack"), std::string::npos) << m.message();
    } else {
      EXPECT_EQ(status, PS_OK) << m.message();
    }
    // Scoring asks less (polyscore::kPredictStackBytes, checked as well).
    const int scored = m.predict_row(PS_OUTPUT_MARGIN, out);
    if (left < polyscore::kPredictStackBytes) {
      EXPECT_EQ(scored, PS_ERR_UNSUPPORTED) << m.message();
    } else {
      ASSERT_EQ(scored, PS_OK) << m.message();
      EXPECT_NEAR(out[0], 2 * chain_leaf_value(380), 1e-5);
    }
  });
}

// The SHAP tables are prepared on the calling thread at the first call that asks for
// them, before check_shap_stack: preparing the means of the deepest trees allowed
// (XGBoost's node means for exact TreeSHAP at kMaxShapDepth, the root means of
// QuadratureTreeSHAP at kMaxQuadratureDepth) must not recurse once per level either.
// From a 128 KiB thread (musl's default; glibc may hand it a cached stack of up to
// 512 KiB) the call is refused for its stack. With the means' recursion the thread died
// of SIGSEGV in xgboost_node_mean (at 128, 256 and 512 KiB) and in quadrature_root_means
// (at 128 KiB).
TEST(ShapDeepTrees, PreparingTheDeepestTreesOnASmallStackIsRefusedNotOverflowed) {
  for (const std::string& text :
       {xgboost_chain(polyscore::kMaxShapDepth), xgboost_chain(polyscore::kMaxQuadratureDepth, "[3, 4, 1]")}) {
    Model m(text);
    on_thread_with_stack(size_t(128) << 10, [&] {
      std::vector<double> out;
      EXPECT_EQ(m.predict_row(PS_OUTPUT_CONTRIB, out), PS_ERR_UNSUPPORTED) << m.message();
      EXPECT_NE(m.message().find("of stack"), std::string::npos) << m.message();
    });
  }
}

// The walks of a batch on several threads recurse on the worker pool's threads, whose
// stack check_shap_stack does not see: they must have the 8 MiB the depth limits are set
// for, whatever the process's default. Under `ulimit -s unlimited` glibc starts threads
// with 2 MiB; a forked child (whose pool starts afresh) with that default explains the
// deepest QuadratureTreeSHAP tree allowed on two threads. Without the pool's own stack
// size the child dies of SIGSEGV in a helper's QuadratureWalk::run_node.
TEST(ShapDeepTrees, ThePoolsThreadsHaveTheStackTheDepthLimitsNeed) {
  Model m(xgboost_chain(polyscore::kMaxQuadratureDepth, "[3, 4, 1]"));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, size_t(2) << 20) != 0 ||
        pthread_setattr_default_np(&attr) != 0) {
      _exit(3);
    }
    // Several calls: the first may end before its helper, new in this child, takes a part.
    std::vector<double> out;
    for (int call = 0; call < 5; ++call) {
      for (ps_output_kind output : {PS_OUTPUT_CONTRIB, PS_OUTPUT_INTERACTIONS}) {
        if (m.predict(output, 64, 2, out) != PS_OK) _exit(1);
      }
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (WIFEXITED(status)) {
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the call failed; 3: no 2 MiB default stack";
  }
}

// The grouped walk keeps a leaf's terms for each of its rows at 32-bit places: a tree of
// more terms than 2^32 / 256 (a chain about 5,800 deep) takes groups of fewer rows, so
// that the places do not wrap (silently wrong contributions) where a machine's memory
// lets the scratch pass the limit. Shallower trees keep groups of 256 rows.
TEST(ShapDeepTrees, GroupedWalkGroupsKeepTheirTermsPlacesIn32Bits) {
  for (uint32_t depth : {3000u, 6000u, 9000u}) {
    SCOPED_TRACE(depth);
    const polyscore::Forest forest = polyscore::load_lightgbm_text(lightgbm_chain(depth));
    const polyscore::ContribTables tables = polyscore::prepare_contributions(forest);
    ASSERT_TRUE(tables.usable) << tables.unsupported;
    ASSERT_GE(tables.max_tree_terms, uint64_t(depth) * depth / 2);
    const size_t rows = polyscore::grouped_walk_rows(forest, tables, 100000, 1);
    EXPECT_GE(rows, 1u);
    EXPECT_LE(uint64_t(rows) * tables.max_tree_terms, uint64_t(UINT32_MAX));
    if (depth == 3000) {
      EXPECT_EQ(rows, 256u);
    }
  }
}

// The default limit is half the memory the process can have: above what a realistic
// model needs, below what would get the process killed.
TEST(ShapDeepTrees, DefaultLimitIsHalfTheMemory) {
  if (std::getenv("POLYSCORE_SHAP_SCRATCH_LIMIT")) GTEST_SKIP() << "the environment sets the limit";
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  ASSERT_GT(pages, 0);
  const uint64_t physical = uint64_t(pages) * uint64_t(page_size);
  const uint64_t limit = polyscore::shap_scratch_limit();
  EXPECT_LE(limit, physical / 2);
  EXPECT_GE(limit, uint64_t(256) << 20);
}

}  // namespace
