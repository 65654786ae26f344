// The walks read only the features a model's splits (and linear leaves) test
// (PreparedModel::used_features): a model
// whose features are spread over a much wider row, with junk in the columns no split
// tests, must give exactly the same results on the dense, CSR and single-row paths and
// through every walk; and its walk tables must be no bigger than the narrow model's.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "loaders/loaders.h"
#include "predict/predictor.h"
#include "test_util.h"

namespace polyscore {
namespace {

using polyscore_test::read_csv;
using polyscore_test::read_file;
using polyscore_test::source_path;

// Feature f of the narrow model is column wide_column(f) of the wide one: in reverse
// order, so that the used features' order changes too.
uint32_t wide_column(uint32_t nf, uint32_t f) { return (nf - 1 - f) * 3 + 500; }
uint32_t wide_features(uint32_t nf) { return 3 * nf + 1000; }

Forest widened(const Forest& narrow) {
  Forest wide = narrow;
  wide.num_features = wide_features(narrow.num_features);
  wide.feature_names = FeatureNames();
  for (Node& node : wide.nodes) {
    if (!(node.flags & kLeaf)) node.feature = wide_column(narrow.num_features, node.feature);
  }
  // LightGBM linear trees: their leaves' terms read features too.
  for (uint32_t& f : wide.linear_leaves.feature) f = wide_column(narrow.num_features, f);
  validate(wide);
  return wide;
}

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

struct Csr {
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<double> values;
};

TEST(UsedFeatures, WideningAModelChangesNoResult) {
  const auto manifest = nlohmann::json::parse(read_file(source_path("tests/vectors/manifest.json")));
  std::set<std::string> done;
  int checked = 0;
  for (const auto& c : manifest["cases"]) {
    const std::string model = c["model"];
    if (!done.insert(model).second) continue;
    SCOPED_TRACE(model);
    const Forest loaded = load_model(read_file(source_path("tests/vectors/" + model)), 0);
    if (loaded.has_linear) continue;  // a linear model reads every feature
    const PreparedModel narrow = prepare_model(loaded);
    const Forest wide_forest = widened(loaded);
    const PreparedModel wide = prepare_all_tables(wide_forest);  // keeps the walk nodes wide_general needs
    const uint32_t nf = loaded.num_features, wf = wide_forest.num_features;
    ASSERT_EQ(wide.num_used_features(), narrow.num_used_features() == nf ? nf : narrow.num_used_features());
    ASSERT_LE(wide.num_used_features(), nf);
    ASSERT_LE(wide.ranks.features.size(), nf);
    ASSERT_LE(wide.category_codes.categorical_feature.size(), nf);
    ASSERT_EQ(wide.family, narrow.family);  // (narrow may have released tables its walks never read)

    // The case's rows; in the wide rows every column no split tests holds junk.
    const auto rows = read_csv(source_path("tests/vectors/" + c["input"].get<std::string>()));
    const size_t n = rows.size();
    std::vector<double> x(n * nf), wx(n * wf);
    Csr csr, wide_csr;
    const bool lightgbm = c["library"] == "lightgbm";
    for (size_t r = 0; r < n; ++r) {
      for (uint32_t j = 0; j < wf; ++j) wx[r * wf + j] = (j % 7 == 0) ? NAN : 1e3 * std::sin(double(r * wf + j));
      std::vector<std::pair<int32_t, double>> entries;
      for (uint32_t f = 0; f < nf; ++f) {
        const double v = rows[r][f];
        x[r * nf + f] = v;
        wx[r * wf + wide_column(nf, f)] = v;
        if (lightgbm ? v == 0.0 : std::isnan(v)) continue;  // absent from the CSR rows
        csr.indices.push_back(static_cast<int32_t>(f));
        csr.values.push_back(v);
        entries.push_back({static_cast<int32_t>(wide_column(nf, f)), v});
      }
      entries.push_back({static_cast<int32_t>(wf - 1), 12345.0});  // a column no split tests
      for (const auto& [index, value] : entries) {
        wide_csr.indices.push_back(index);
        wide_csr.values.push_back(value);
      }
      csr.indptr.push_back(static_cast<int64_t>(csr.indices.size()));
      wide_csr.indptr.push_back(static_cast<int64_t>(wide_csr.indices.size()));
    }

    PreparedModel wide_general = wide;  // the general walks, without the key tables
    wide_general.heap = HeapTables();
    wide_general.linked = LinkedTables();
    wide_general.family = choose_walk(wide_general);
    for (OutputKind kind : {OutputKind::kValue, OutputKind::kMargin, OutputKind::kLeaf}) {
      PredictRequest request;
      request.kind = kind;
      const PredictPlan plan = plan_prediction(loaded, request);
      const size_t per_row = plan.values_per_row;
      std::vector<double> want(n * per_row), got(want.size());
      predict_dense(narrow, plan, x.data(), n, want.data());
      for (const PreparedModel* tested : {&wide, static_cast<const PreparedModel*>(&wide_general)}) {
        predict_dense(*tested, plan, wx.data(), n, got.data());
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_TRUE(same(want[i], got[i])) << "dense, kind " << int(kind) << " at " << i;
        }
        predict_csr(*tested, plan, wide_csr.indptr.data(), wide_csr.indices.data(), wide_csr.values.data(), n,
                    got.data());
        std::vector<double> narrow_csr(want.size());
        predict_csr(narrow, plan, csr.indptr.data(), csr.indices.data(), csr.values.data(), n, narrow_csr.data());
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_TRUE(same(narrow_csr[i], got[i])) << "CSR, kind " << int(kind) << " at " << i;
        }
        std::vector<double> one(per_row);
        for (size_t r = 0; r < n; ++r) {
          predict_row(*tested, plan, wx.data() + r * wf, one.data());
          for (size_t k = 0; k < per_row; ++k) {
            ASSERT_TRUE(same(want[r * per_row + k], one[k])) << "row path, kind " << int(kind) << " row " << r;
          }
        }
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

}  // namespace
}  // namespace polyscore
