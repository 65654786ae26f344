// LightGBM text models, as written by Booster.save_model() in LightGBM 2.x, 3.x and 4.x
// (GBDT::SaveModelToString in src/boosting/gbdt_model_text.cpp, Tree::ToString in
// src/io/tree.cpp). The file is line oriented:
//
//   tree                              <- sub-model name
//   version=v4                        <- "v2" for 2.0-2.2, "v3" for 2.3 and 3.x, "v4" for 4.x
//   num_class=1
//   num_tree_per_iteration=1
//   label_index=0
//   max_feature_idx=3
//   objective=binary sigmoid:1        <- absent for a custom objective
//   average_output                    <- only for boosting=rf
//   feature_names=f0 f1 f2 f3
//   feature_infos=...
//   tree_sizes=412 398 ...            <- byte size of each "Tree=" block
//
//   Tree=0
//   num_leaves=3
//   num_cat=0
//   split_feature=2 0                 <- num_leaves-1 entries per split array
//   threshold=1.5 0.25
//   decision_type=2 10
//   left_child=-1 -2                  <- ~leaf for a leaf, else a split index
//   right_child=1 -3
//   leaf_value=...                    <- num_leaves entries
//   ...
//   is_linear=0                       <- 1 for linear_tree=true; then also, per tree:
//   leaf_const=...                       num_leaves entries
//   num_features=...                     num_leaves entries: terms per leaf
//   leaf_features=...                    their sum: each leaf's feature indices in turn
//   leaf_coeff=...                       their sum: the matching coefficients
//   shrinkage=1
//
//   end of trees                      <- absent in 2.0/2.1 files: "feature importances:"
//                                        follows the last tree
//   (feature importances, parameters: ignored)
//   pandas_categorical:[["a", "b"], [1, 2]]   <- the last line, written by the Python
//                                        package: Forest::training_categories (null, or
//                                        no such line: none saved; []: saved, none)
//
// Split semantics reproduced here (include/LightGBM/tree.h, NumericalDecision and
// CategoricalDecision, identical in 3.3 and 4.x):
//  * decision_type bit 0: categorical; bit 1: default_left; bits 2-3: missing type
//    (0 None, 1 Zero, 2 NaN).
//  * numeric: NaN becomes 0.0 unless the missing type is NaN; then Zero-missing sends
//    |x| <= kZeroThreshold, NaN-missing sends NaN, the default way; else x <= threshold.
//  * categorical: NaN and negative categories go right, whatever the missing type;
//    otherwise left when the category's bit is set in the node's bitset. (LightGBM
//    <= 3.2 wrote "NaN is category 0 unless missing type is NaN" in the source but cast
//    NaN to int first, which on x86-64 gives INT_MIN and so also sends NaN right; 3.3
//    made "NaN goes right" explicit, LightGBM PR #4468.)
//  * leaf values already include shrinkage and the init score (boost_from_average is
//    folded into the first tree), so base_margin is 0.
//  * linear trees (Tree::Predict, include/LightGBM/tree.h): the leaf a row reaches outputs
//    leaf_const + coeff[0] * x[feature[0]] + coeff[1] * x[...] + ..., in double in the
//    file's order; if any of those features is NaN, its plain leaf_value instead. The
//    splits are those of any tree. (forest.h, LinearLeaves)
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "loaders/c_locale_strtod.h"
#include "loaders/loaders.h"
#include "loaders/pandas_categorical.h"
#include "model/error.h"
#include "model/forest.h"

namespace polyscore {
namespace {

constexpr uint32_t kMaxOutputs = 1u << 16;  // same bound as validate(); checked before allocating

struct Line {
  std::string_view text;  // without the line break (and without a trailing '\r')
  size_t offset = 0;      // byte offset of the line's first character
  size_t number = 0;      // 1-based
};

class LineReader {
 public:
  explicit LineReader(std::string_view s) : s_(s) {}
  bool next(Line* out) {
    if (pos_ >= s_.size()) return false;
    const size_t nl = s_.find('\n', pos_);
    const size_t end = nl == std::string_view::npos ? s_.size() : nl;
    std::string_view text = s_.substr(pos_, end - pos_);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    out->text = text;
    out->offset = pos_;
    out->number = ++line_;
    pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
    return true;
  }
  size_t size() const { return s_.size(); }
  size_t lines_read() const { return line_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
  size_t line_ = 0;
};

std::string quoted(std::string_view s, size_t max_len = 40) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < max_len; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > max_len) out += "...";
  out += '"';
  return out;
}

[[noreturn]] void fail_line(const Line& line, const std::string& what) {
  fail_parse("LightGBM text model, line " + std::to_string(line.number) + ": " + what,
             static_cast<int64_t>(line.offset));
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Whole-token number parsing; false on garbage, trailing characters or overflow.
bool parse_int(std::string_view tok, int64_t* out) {
  if (tok.empty()) return false;
  const char* first = tok.data();
  const char* last = first + tok.size();
  if (*first == '+') ++first;  // from_chars does not take a plus sign
  auto r = std::from_chars(first, last, *out);
  return r.ec == std::errc() && r.ptr == last;
}

bool parse_double(std::string_view tok, double* out) {
  if (tok.empty()) return false;
  const char* first = tok.data();
  const char* last = first + tok.size();
  if (*first == '+') ++first;
  auto r = std::from_chars(first, last, *out, std::chars_format::general);
  // ERANGE: a subnormal or overflowing literal. strtod gives the nearest value, as
  // LightGBM's own reader (fast_double_parser / strtod) does; accept that.
  if (r.ec == std::errc::result_out_of_range && r.ptr == last) {
    std::string tmp(first, last);
    *out = c_locale_strtod(tmp, nullptr);
    return true;
  }
  return r.ec == std::errc() && r.ptr == last;
}

// Calls fn(token) for each space-separated token of s.
template <typename Fn>
void for_each_token(std::string_view s, Fn&& fn) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    while (i < n && is_blank(s[i])) ++i;
    if (i >= n) break;
    const size_t start = i;
    while (i < n && !is_blank(s[i])) ++i;
    fn(s.substr(start, i - start));
  }
}

// ---------------------------------------------------------------------------------------
// One "Tree=" block.

enum TreeKey : int {
  kNumLeaves,
  kNumCat,
  kSplitFeature,
  kThreshold,
  kDecisionType,
  kLeftChild,
  kRightChild,
  kLeafValue,
  kCatBoundaries,
  kCatThreshold,
  kIsLinear,
  kLeafCount,
  kInternalCount,
  kLeafConst,
  kNumFeatures,
  kLeafFeatures,
  kLeafCoeff,
  kNumTreeKeys
};

constexpr const char* kTreeKeyNames[kNumTreeKeys] = {
    "num_leaves", "num_cat",    "split_feature", "threshold",      "decision_type", "left_child",
    "right_child", "leaf_value", "cat_boundaries", "cat_threshold", "is_linear",
    "leaf_count", "internal_count", "leaf_const", "num_features", "leaf_features", "leaf_coeff"};

struct Field {
  bool present = false;
  Line line;
  std::string_view value;
};

class LightGBMParser {
 public:
  explicit LightGBMParser(std::string_view bytes) : bytes_(bytes), reader_(bytes) {}

  Forest parse() {
    if (bytes_.empty()) fail_parse("empty model: the file has 0 bytes", 0);
    parse_header();
    reserve_trees();
    parse_trees();
    finish();
    read_pandas_categorical_line();
    return std::move(forest_);
  }

 private:
  // ---- header -------------------------------------------------------------------------
  void parse_header() {
    Line line;
    bool saw_magic = false;
    while (reader_.next(&line)) {
      const std::string_view t = line.text;
      if (!saw_magic) {
        if (trim(t).empty()) continue;
        if (trim(t) != "tree") {
          fail_line(line, "not a LightGBM text model: expected the line \"tree\", found " +
                              quoted(t));
        }
        saw_magic = true;
        continue;
      }
      if (t.substr(0, 5) == "Tree=" || t == "end of trees" ||
          (writes_no_end_line() && t == "feature importances:")) {
        pending_ = line;
        has_pending_ = true;
        break;
      }
      if (t.empty()) continue;
      const size_t eq = t.find('=');
      const std::string_view key = eq == std::string_view::npos ? t : t.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? std::string_view() : t.substr(eq + 1);
      if (key == "version") {
        version_value_ = trim(value); have_version_ = true;
      } else if (key == "num_class") {
        num_class_ = header_int(line, key, value, 1, kMaxOutputs);
        have_num_class_ = true;
      } else if (key == "num_tree_per_iteration") {
        num_tree_per_iteration_ = header_int(line, key, value, 1, kMaxOutputs);
        have_ntpi_ = true;
      } else if (key == "max_feature_idx") {
        max_feature_idx_ = header_int(line, key, value, 0, int64_t(1) << 31);
        have_max_feature_idx_ = true;
      } else if (key == "objective") {
        objective_line_ = line; objective_value_ = trim(value); have_objective_ = true;
      } else if (key == "average_output") {
        forest_.average_output = true;
      } else if (key == "feature_names") {
        feature_names_line_ = line; feature_names_value_ = value; have_feature_names_ = true;
      } else if (key == "tree_sizes") {
        tree_sizes_line_ = line;
        have_tree_sizes_ = true;
        num_tree_sizes_ = 0;
        for_each_token(value, [&](std::string_view) { ++num_tree_sizes_; });
      }
      // label_index, feature_infos, monotone_constraints, ...: not needed for scoring.
    }
    if (!saw_magic) fail_parse("empty model: the file holds only blank lines", 0);
    const int64_t end_offset = static_cast<int64_t>(bytes_.size());
    if (!has_pending_) {
      fail_parse("LightGBM text model is truncated: the file ends in the header, before the "
                 "first \"Tree=\" block and \"end of trees\"", end_offset);
    }
    if (!have_num_class_) fail_line(pending_, "the header has no num_class line");
    if (!have_max_feature_idx_) fail_line(pending_, "the header has no max_feature_idx line");
    if (!have_ntpi_) num_tree_per_iteration_ = num_class_;

    if (have_version_) {
      if (version_value_ != "v2" && version_value_ != "v3" && version_value_ != "v4") {
        fail_unsupported("LightGBM text model version " + quoted(version_value_) +
                         " is not supported (supported: v2, v3 and v4, written by LightGBM 2.x, 3.x and 4.x)");
      }
      forest_.library_version = std::string(version_value_);
    }

    forest_.format = ModelFormat::kLightGBMText;
    forest_.booster = forest_.average_output ? "rf" : "gbdt";
    forest_.num_features = static_cast<uint32_t>(max_feature_idx_ + 1);
    forest_.num_margin_outputs = static_cast<uint32_t>(num_tree_per_iteration_);
    forest_.arithmetic.float32 = false;
    forest_.leaf_size = 1;
    forest_.base_margin.assign(forest_.num_margin_outputs, 0.0);

    if (have_feature_names_) {
      size_t count = 0;
      for_each_token(feature_names_value_, [&](std::string_view) { ++count; });
      if (count != forest_.num_features) {
        fail_line(feature_names_line_, "feature_names has " + std::to_string(count) +
                                           " names but max_feature_idx=" +
                                           std::to_string(max_feature_idx_) + " means " +
                                           std::to_string(forest_.num_features));
      }
      for_each_token(feature_names_value_, [&](std::string_view name) { forest_.feature_names.add(name); });
    }
    parse_objective();
  }

  int64_t header_int(const Line& line, std::string_view key, std::string_view value,
                     int64_t lo, int64_t hi) {
    int64_t v = 0;
    if (!parse_int(trim(value), &v)) {
      fail_line(line, std::string(key) + " is not an integer: " + quoted(value));
    }
    if (v < lo || v > hi) {
      fail_line(line, std::string(key) + "=" + std::to_string(v) + " is out of range [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return v;
  }

  // The "name key:value ..." objective string each ObjectiveFunction::ToString writes.
  void parse_objective() {
    if (!have_objective_) {
      // Trained with a custom (Python callable) objective: raw margins.
      forest_.objective = "custom";
      forest_.transform = Transform::kIdentity;
      return;
    }
    std::string_view name;
    bool sqrt = false;
    bool have_sigmoid = false, have_num_class = false;
    double sigmoid = -1.0;
    int64_t obj_num_class = -1;
    bool first = true;
    for_each_token(objective_value_, [&](std::string_view tok) {
      if (first) { name = tok; first = false; return; }
      if (tok == "sqrt") { sqrt = true; return; }
      const size_t colon = tok.find(':');
      if (colon == std::string_view::npos) return;
      const std::string_view k = tok.substr(0, colon), v = tok.substr(colon + 1);
      if (k == "sigmoid") {
        if (!parse_double(v, &sigmoid)) {
          fail_line(objective_line_, "objective parameter sigmoid is not a number: " + quoted(v));
        }
        have_sigmoid = true;
      } else if (k == "num_class") {
        if (!parse_int(v, &obj_num_class)) {
          fail_line(objective_line_, "objective parameter num_class is not an integer: " + quoted(v));
        }
        have_num_class = true;
      }
    });
    if (name.empty()) fail_line(objective_line_, "the objective line is empty");
    forest_.objective = std::string(name);
    const uint32_t k = forest_.num_margin_outputs;

    auto need_single_output = [&]() {
      if (k != 1) {
        fail_line(objective_line_, "objective " + std::string(name) + " has one output, but the "
                                   "model has " + std::to_string(k) + " trees per iteration");
      }
    };
    auto need_sigmoid = [&]() {
      if (!have_sigmoid || !(sigmoid > 0.0) || !std::isfinite(sigmoid)) {
        fail_line(objective_line_, "objective " + std::string(name) +
                                   " needs a positive sigmoid:<value> parameter, found " +
                                   quoted(objective_value_));
      }
    };
    auto need_num_class = [&]() {
      if (!have_num_class || obj_num_class != int64_t(k)) {
        fail_line(objective_line_, "objective " + std::string(name) + " names num_class " +
                                   (have_num_class ? std::to_string(obj_num_class) : "(none)") +
                                   ", but the model has " + std::to_string(k) +
                                   " trees per iteration");
      }
    };

    if (name == "binary") {
      need_single_output();
      need_sigmoid();
      forest_.transform = Transform::kSigmoid;
      forest_.sigmoid_scale = sigmoid;
    } else if (name == "cross_entropy" || name == "xentropy") {
      need_single_output();
      forest_.transform = Transform::kSigmoid;
      forest_.sigmoid_scale = 1.0;
    } else if (name == "cross_entropy_lambda" || name == "xentlambda") {
      need_single_output();
      forest_.transform = Transform::kLog1pExp;
    } else if (name == "multiclass") {
      need_num_class();
      forest_.transform = Transform::kSoftmax;
    } else if (name == "multiclassova") {
      need_num_class();
      need_sigmoid();
      forest_.transform = Transform::kSigmoid;
      forest_.sigmoid_scale = sigmoid;
    } else if (name == "poisson" || name == "gamma" || name == "tweedie") {
      // ConvertOutput is exp() whatever "sqrt" says (LightGBM disables sqrt for these).
      need_single_output();
      forest_.transform = Transform::kExp;
    } else if (name == "regression" || name == "regression_l1" || name == "fair" ||
               name == "quantile" || name == "mape" || name == "mean_absolute_percentage_error") {
      // These inherit RegressionL2loss::ConvertOutput: sign(x) * x * x under reg_sqrt.
      need_single_output();
      forest_.transform = sqrt ? Transform::kSignedSquare : Transform::kIdentity;
    } else if (name == "huber") {
      // RegressionHuberLoss turns sqrt off when it is loaded.
      need_single_output();
      forest_.transform = Transform::kIdentity;
    } else if (name == "lambdarank" || name == "rank_xendcg") {
      need_single_output();
      forest_.transform = Transform::kIdentity;
    } else if (name == "custom" || name == "none" || name == "null" || name == "na") {
      // ObjectiveFunction::CreateObjectiveFunction returns no objective: raw margins.
      forest_.transform = Transform::kIdentity;
    } else {
      fail_unsupported("LightGBM objective " + quoted(name) + " (line " +
                       std::to_string(objective_line_.number) + ": " + quoted(objective_value_, 80) +
                       ") is not supported");
    }
  }

  // ---- trees --------------------------------------------------------------------------
  // Reserves the forest's per-node and per-leaf arrays at their exact sizes, from a quick
  // scan of the trees' num_leaves lines, so that no array grows by doubling and none is
  // copied to shrink it: every copy leaves a freed block that glibc keeps resident (and
  // raises its mmap threshold), and a loaded model should cost what it holds. The scan
  // only sizes the arrays; parse_tree checks every tree as before, and a file whose
  // counts do not add up (or claim more leaves than it has bytes) just gets no reserve.
  void reserve_trees() {
    constexpr std::string_view kKey = "\nnum_leaves=";
    size_t trees = 0, leaves = 0, nodes = 0;
    for (size_t at = bytes_.find(kKey, pending_.offset); at != std::string_view::npos;
         at = bytes_.find(kKey, at + kKey.size())) {
      const char* first = bytes_.data() + at + kKey.size();
      int64_t n = 0;
      const auto r = std::from_chars(first, bytes_.data() + bytes_.size(), n);
      if (r.ec != std::errc() || n < 1 || size_t(n) > bytes_.size() - leaves) return;
      ++trees;
      leaves += size_t(n);
      nodes += 2 * size_t(n) - 1;
    }
    forest_.trees.reserve(trees);
    forest_.nodes.reserve(nodes);
    forest_.leaf_values.reserve(leaves);
    if (bytes_.find("\nleaf_count=", pending_.offset) != std::string_view::npos) forest_.node_covers32.reserve(nodes);
  }

  // A node's cover (its training count) goes to node_covers32 while every count so far
  // is a float exactly (LightGBM's counts are, below 2^24 rows), else all go to
  // node_covers: never a double array converted to floats afterwards.
  void resize_covers(size_t n) {
    if (covers_in_double_) {
      forest_.node_covers.resize(n);
    } else {
      forest_.node_covers32.resize(n);
    }
  }
  void set_cover(size_t node, int64_t count) {
    const double c = static_cast<double>(count);
    if (!covers_in_double_ && static_cast<double>(static_cast<float>(c)) != c) {
      forest_.node_covers.assign(forest_.node_covers32.begin(), forest_.node_covers32.end());
      std::vector<float>().swap(forest_.node_covers32);
      covers_in_double_ = true;
    }
    if (covers_in_double_) {
      forest_.node_covers[node] = c;
    } else {
      forest_.node_covers32[node] = static_cast<float>(c);
    }
  }

  void parse_trees() {
    Line line = pending_;
    bool have_line = true;
    bool saw_end = false;
    while (have_line) {
      const std::string_view t = line.text;
      if (t.empty()) {
        have_line = reader_.next(&line);
        continue;
      }
      if (t == "end of trees" || (writes_no_end_line() && t == "feature importances:")) {
        saw_end = true;
        break;
      }
      if (t.substr(0, 5) != "Tree=") {
        fail_line(line, std::string("expected \"Tree=<n>\" or \"end of trees\"") +
                            (writes_no_end_line() ? " or \"feature importances:\"" : "") +
                            " after tree " +
                            std::to_string(forest_.trees.size() == 0 ? 0 : forest_.trees.size() - 1) +
                            ", found " + quoted(t));
      }
      const Line tree_line = line;
      // Key=value lines up to the blank line that ends the block.
      for (auto& f : fields_) f.present = false;
      bool ended = false;
      Line last = tree_line;
      while ((have_line = reader_.next(&line))) {
        if (line.text.empty()) { ended = true; break; }
        last = line;
        if (line.text == "end of trees" || line.text.substr(0, 5) == "Tree=") break;
        const size_t eq = line.text.find('=');
        if (eq == std::string_view::npos) {
          fail_line(line, "tree " + std::to_string(forest_.trees.size()) +
                              ": expected key=value, found " + quoted(line.text));
        }
        const std::string_view key = line.text.substr(0, eq);
        for (int i = 0; i < kNumTreeKeys; ++i) {
          if (key == kTreeKeyNames[i]) {
            fields_[i].present = true;
            fields_[i].line = line;
            fields_[i].value = line.text.substr(eq + 1);
            break;
          }
        }
      }
      if (!have_line && !ended) {
        const size_t eq = last.text.find('=');
        fail_line(last, "LightGBM text model is truncated: the file ends inside tree " +
                            std::to_string(forest_.trees.size()) + " (\"Tree=\" block at line " +
                            std::to_string(tree_line.number) + "), in key '" +
                            std::string(last.text.substr(0, eq)) + "', before \"end of trees\"");
      }
      parse_tree(tree_line, static_cast<uint32_t>(forest_.trees.size()));
      if (!have_line) break;
      if (!ended) continue;  // the current line is the next "Tree=" or "end of trees"
      have_line = reader_.next(&line);
    }
    if (!saw_end) {
      fail_parse(std::string("LightGBM text model is truncated: no \"end of trees\" line") +
                     (writes_no_end_line() ? " (nor \"feature importances:\", which ends the trees "
                                             "of LightGBM 2.0 and 2.1 files)" : "") +
                     " after tree " +
                     std::to_string(forest_.trees.empty() ? 0 : forest_.trees.size() - 1) +
                     " (" + std::to_string(forest_.trees.size()) + " trees read)",
                 static_cast<int64_t>(bytes_.size()));
    }
    end_line_ = line;
  }

  // LightGBM 2.0 and 2.1 (version=v2) end the trees with the feature importances section
  // and no "end of trees" line; LightGBM 4.x still loads those files (without
  // tree_sizes it stops at the first line that is not "Tree=", with tree_sizes it reads
  // exactly the blocks listed). 2.2 also writes v2, with the line.
  bool writes_no_end_line() const { return have_version_ && version_value_ == "v2"; }

  const Field& require(const Line& tree_line, uint32_t tree, TreeKey key) {
    const Field& f = fields_[key];
    if (!f.present) {
      fail_line(tree_line, "tree " + std::to_string(tree) + ": key '" + kTreeKeyNames[key] +
                               "' is missing");
    }
    return f;
  }

  [[noreturn]] void fail_key(uint32_t tree, TreeKey key, const std::string& what) {
    fail_line(fields_[key].line,
              "tree " + std::to_string(tree) + ", key '" + kTreeKeyNames[key] + "': " + what);
  }

  int64_t scalar_int(uint32_t tree, TreeKey key, int64_t lo, int64_t hi) {
    const std::string_view v = trim(fields_[key].value);
    int64_t x = 0;
    if (!parse_int(v, &x)) fail_key(tree, key, "not an integer: " + quoted(v));
    if (x < lo || x > hi) {
      fail_key(tree, key, std::to_string(x) + " is out of range [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "]");
    }
    return x;
  }

  // Parses exactly `expected` numbers of key into out (reused storage, no per-token
  // allocation). The line's own length bounds the work, whatever `expected` claims.
  template <typename T>
  void array(uint32_t tree, TreeKey key, int64_t expected, const char* expected_what,
             std::vector<T>* out, int64_t lo = std::numeric_limits<int32_t>::min(),
             int64_t hi = std::numeric_limits<int32_t>::max()) {
    out->clear();
    const Field& f = fields_[key];
    int64_t count = 0;
    for_each_token(f.value, [&](std::string_view tok) {
      ++count;
      if (count > expected) return;
      if constexpr (std::is_floating_point_v<T>) {
        double d = 0;
        if (!parse_double(tok, &d)) {
          fail_key(tree, key, "value " + std::to_string(count - 1) + " is not a number: " + quoted(tok));
        }
        out->push_back(d);
      } else {
        int64_t x = 0;
        if (!parse_int(tok, &x)) {
          fail_key(tree, key, "value " + std::to_string(count - 1) + " is not an integer: " + quoted(tok));
        }
        if (x < lo || x > hi) {
          fail_key(tree, key, "value " + std::to_string(count - 1) + " = " + std::to_string(x) +
                                  " is out of range [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "]");
        }
        out->push_back(static_cast<T>(x));
      }
    });
    if (count != expected) {
      fail_key(tree, key, "expected " + std::to_string(expected) + " values (" + expected_what +
                              "), found " + std::to_string(count));
    }
  }

  void parse_tree(const Line& tree_line, uint32_t t) {
    require(tree_line, t, kNumLeaves);
    const int64_t num_leaves = scalar_int(t, kNumLeaves, 1, int64_t(1) << 30);
    require(tree_line, t, kNumCat);
    const int64_t num_cat = scalar_int(t, kNumCat, 0, int64_t(1) << 30);
    const bool linear = fields_[kIsLinear].present && scalar_int(t, kIsLinear, 0, 1) != 0;
    require(tree_line, t, kLeafValue);
    array(t, kLeafValue, num_leaves, "num_leaves", &leaf_value_);
    if (linear) parse_linear_leaves(tree_line, t, num_leaves);

    // Covers, for contributions (TreeSHAP); optional: a file without them still predicts.
    const bool covers = fields_[kLeafCount].present && (num_leaves == 1 || fields_[kInternalCount].present);
    if (covers) {
      array(t, kLeafCount, num_leaves, "num_leaves", &leaf_count_, 0, std::numeric_limits<int64_t>::max());
      if (num_leaves > 1) {
        array(t, kInternalCount, num_leaves - 1, "num_leaves - 1", &internal_count_, 0,
              std::numeric_limits<int64_t>::max());
      }
    } else {
      all_covers_ = false;
    }

    const uint32_t leaf_base = static_cast<uint32_t>(forest_.leaf_values.size());
    const uint32_t node_base = static_cast<uint32_t>(forest_.nodes.size());
    if (forest_.leaf_values.size() + size_t(num_leaves) > std::numeric_limits<uint32_t>::max() / 2 ||
        forest_.nodes.size() + 2 * size_t(num_leaves) > std::numeric_limits<uint32_t>::max() / 2) {
      fail_line(tree_line, "tree " + std::to_string(t) + ": the model has too many nodes");
    }
    if (linear && forest_.linear_leaves.empty()) {
      // The first linear tree: the leaves of the trees before it output their values.
      LinearLeaves& table = forest_.linear_leaves;
      table.constant = forest_.leaf_values;
      table.term_begin.assign(forest_.leaf_values.size() + 1, 0);
    }
    if (!forest_.linear_leaves.empty()) append_linear_leaves(linear);
    forest_.leaf_values.insert(forest_.leaf_values.end(), leaf_value_.begin(), leaf_value_.end());

    Tree tree;
    tree.node_begin = node_base;
    tree.leaf_begin = leaf_base;  // leaf ids are 0, 1, ... per tree: Forest::leaf_ids stays empty
    tree.output = t % forest_.num_margin_outputs;
    tree.weight = 1.0;

    if (num_leaves == 1) {
      // A constant tree: LightGBM ignores every split key and predicts leaf_value[0].
      Node leaf{};
      leaf.flags = kLeaf;
      leaf.child_or_leaf = leaf_base;
      forest_.nodes.push_back(leaf);
      if (all_covers_) {
        resize_covers(size_t(node_base) + 1);
        set_cover(node_base, leaf_count_[0]);
      }
      tree.num_nodes = 1;
      forest_.trees.push_back(tree);
      return;
    }

    const int64_t m = num_leaves - 1;  // splits
    const int64_t max_feature = max_feature_idx_;
    require(tree_line, t, kSplitFeature);
    array(t, kSplitFeature, m, "num_leaves - 1", &split_feature_, 0, max_feature);
    for (int64_t s = 0; s < m; ++s) {
      if (uint32_t(split_feature_[s]) > kMaxSplitFeature) {
        fail_unsupported("LightGBM text model, line " + std::to_string(fields_[kSplitFeature].line.number) +
                         ": tree " + std::to_string(t) + " splits on feature " + std::to_string(split_feature_[s]) +
                         "; polyscore supports split features up to " + std::to_string(kMaxSplitFeature) +
                         " (forest.h, Node)");
      }
    }
    require(tree_line, t, kThreshold);
    array(t, kThreshold, m, "num_leaves - 1", &threshold_);
    require(tree_line, t, kLeftChild);
    array(t, kLeftChild, m, "num_leaves - 1", &left_child_, -num_leaves, m - 1);
    require(tree_line, t, kRightChild);
    array(t, kRightChild, m, "num_leaves - 1", &right_child_, -num_leaves, m - 1);
    if (fields_[kDecisionType].present) {
      array(t, kDecisionType, m, "num_leaves - 1", &decision_type_, 0, 127);
    } else {
      decision_type_.assign(size_t(m), 0);
    }

    // Categorical bitsets: cat_boundaries[num_cat + 1] index words of cat_threshold.
    uint32_t word_base = static_cast<uint32_t>(forest_.category_words.size());
    if (num_cat > 0) {
      require(tree_line, t, kCatBoundaries);
      array(t, kCatBoundaries, num_cat + 1, "num_cat + 1", &cat_boundaries_, 0,
            std::numeric_limits<int32_t>::max());
      if (cat_boundaries_[0] != 0) fail_key(t, kCatBoundaries, "the first boundary is not 0");
      for (size_t i = 1; i < cat_boundaries_.size(); ++i) {
        if (cat_boundaries_[i] < cat_boundaries_[i - 1]) {
          fail_key(t, kCatBoundaries, "boundaries decrease at value " + std::to_string(i));
        }
      }
      require(tree_line, t, kCatThreshold);
      array(t, kCatThreshold, cat_boundaries_.back(), "the last cat_boundaries value",
            &cat_threshold_, 0, std::numeric_limits<uint32_t>::max());
      if (forest_.category_words.size() + cat_threshold_.size() > std::numeric_limits<uint32_t>::max() / 2) {
        fail_key(t, kCatThreshold, "the model has too many category words");
      }
      forest_.category_words.insert(forest_.category_words.end(), cat_threshold_.begin(),
                                    cat_threshold_.end());
    }

    // Renumber into the flat layout, breadth first: root at 0, children side by side.
    const uint32_t total = static_cast<uint32_t>(2 * num_leaves - 1);
    forest_.nodes.resize(size_t(node_base) + total);
    if (all_covers_) resize_covers(size_t(node_base) + total);
    seen_split_.assign(size_t(m), 0);
    seen_leaf_.assign(size_t(num_leaves), 0);
    queue_.clear();
    queue_.push_back({0, 0});
    uint32_t next_free = 1;
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint32_t slot = queue_[head].slot;
      const int32_t src = queue_[head].src;
      Node& node = forest_.nodes[size_t(node_base) + slot];
      node = Node{};
      if (src < 0) {
        const uint32_t leaf = static_cast<uint32_t>(~src);  // range-checked when parsed
        if (seen_leaf_[leaf]) {
          fail_line(fields_[kLeftChild].line, "tree " + std::to_string(t) +
                                                  ", keys 'left_child'/'right_child': leaf " +
                                                  std::to_string(leaf) +
                                                  " is the child of more than one split");
        }
        seen_leaf_[leaf] = 1;
        node.flags = kLeaf;
        node.child_or_leaf = leaf_base + leaf;
        if (all_covers_) set_cover(size_t(node_base) + slot, leaf_count_[leaf]);
        continue;
      }
      const size_t s = static_cast<size_t>(src);
      if (seen_split_[s]) {
        fail_line(fields_[kLeftChild].line,
                  "tree " + std::to_string(t) + ", keys 'left_child'/'right_child': split " +
                      std::to_string(s) +
                      (s == 0 ? " (the root) is the child of a split"
                              : " is the child of more than one split"));
      }
      seen_split_[s] = 1;
      if (all_covers_) set_cover(size_t(node_base) + slot, internal_count_[s]);
      const int dt = decision_type_[s];
      node.feature = static_cast<uint32_t>(split_feature_[s]);
      uint8_t flags = 0;
      if (dt & 1) {
        // Categorical: threshold holds the index of the node's bitset.
        const double idx = threshold_[s];
        if (!(idx >= 0.0) || idx >= double(num_cat) || idx != std::floor(idx)) {
          fail_key(t, kThreshold, "categorical split " + std::to_string(s) +
                                       " names category set " + std::to_string(idx) + " of " +
                                       std::to_string(num_cat) + " (num_cat)");
        }
        const size_t c = static_cast<size_t>(idx);
        node.category.word_begin = word_base + static_cast<uint32_t>(cat_boundaries_[c]);
        node.category.num_words =
            static_cast<uint32_t>(cat_boundaries_[c + 1] - cat_boundaries_[c]);
        // In-set goes left; NaN (and, by CategorySet's rule, negative values) go right.
        flags = kCategorical | kCatInSetGoesLeft | kNanIsMissing;
      } else {
        node.threshold = threshold_[s];
        const int missing_type = (dt >> 2) & 3;
        if (dt & 2) flags |= kDefaultLeft;
        switch (missing_type) {
          case 0: flags |= kNanAsZero; break;
          case 1: flags |= kNanAsZero | kZeroIsMissing; break;
          case 2: flags |= kNanIsMissing; break;
          default:
            fail_key(t, kDecisionType, "split " + std::to_string(s) + " has decision_type " +
                                           std::to_string(dt) + " with unknown missing type 3");
        }
      }
      node.flags = flags;
      node.child_or_leaf = next_free;
      queue_.push_back({next_free, left_child_[s]});
      queue_.push_back({next_free + 1, right_child_[s]});
      next_free += 2;
    }
    if (next_free != total) {
      fail_line(fields_[kLeftChild].line,
                "tree " + std::to_string(t) + ", keys 'left_child'/'right_child': only " +
                    std::to_string(next_free) + " of " +
                    std::to_string(total) + " nodes are reachable from the root");
    }
    tree.num_nodes = total;
    forest_.trees.push_back(tree);
  }

  // A linear tree's leaf_const, num_features, leaf_features and leaf_coeff, into the
  // per-tree scratch (linear_const_, linear_terms_, linear_feature_, linear_coeff_).
  void parse_linear_leaves(const Line& tree_line, uint32_t t, int64_t num_leaves) {
    require(tree_line, t, kLeafConst);
    array(t, kLeafConst, num_leaves, "num_leaves", &linear_const_);
    require(tree_line, t, kNumFeatures);
    array(t, kNumFeatures, num_leaves, "num_leaves", &linear_terms_, 0, max_feature_idx_ + 1);
    int64_t total = 0;  // at most 2^30 leaves x 2^31 features: no overflow
    for (const int64_t n : linear_terms_) total += n;
    // LightGBM writes both lines even when no leaf has a term (then they hold blanks).
    require(tree_line, t, kLeafFeatures);
    array(t, kLeafFeatures, total, "the sum of num_features", &linear_feature_, 0, max_feature_idx_);
    require(tree_line, t, kLeafCoeff);
    array(t, kLeafCoeff, total, "the sum of num_features", &linear_coeff_);
    if (forest_.linear_leaves.feature.size() + size_t(total) > std::numeric_limits<uint32_t>::max() / 2) {
      fail_key(t, kLeafFeatures, "the model has too many linear leaf terms");
    }
  }

  // Appends the current tree's leaves to forest_.linear_leaves: its linear models, or
  // (a tree that is not linear) its leaf values with no terms.
  void append_linear_leaves(bool linear) {
    LinearLeaves& table = forest_.linear_leaves;
    if (!linear) {
      table.constant.insert(table.constant.end(), leaf_value_.begin(), leaf_value_.end());
      table.term_begin.insert(table.term_begin.end(), leaf_value_.size(), table.term_begin.back());
      return;
    }
    table.constant.insert(table.constant.end(), linear_const_.begin(), linear_const_.end());
    for (const int64_t n : linear_terms_) table.term_begin.push_back(table.term_begin.back() + static_cast<uint32_t>(n));
    table.feature.insert(table.feature.end(), linear_feature_.begin(), linear_feature_.end());
    table.coeff.insert(table.coeff.end(), linear_coeff_.begin(), linear_coeff_.end());
  }

  void finish() {
    if (!all_covers_) {  // partial covers are no covers
      std::vector<double>().swap(forest_.node_covers);
      std::vector<float>().swap(forest_.node_covers32);
    }
    const uint32_t k = forest_.num_margin_outputs;
    const size_t n = forest_.trees.size();
    if (n % k != 0) {
      fail_line(end_line_, "the model has " + std::to_string(n) + " trees, not a multiple of " +
                               std::to_string(k) + " trees per iteration");
    }
    if (have_tree_sizes_ && num_tree_sizes_ != n) {
      fail_line(tree_sizes_line_, "tree_sizes lists " + std::to_string(num_tree_sizes_) +
                                      " trees but the file holds " + std::to_string(n));
    }
    forest_.iteration_begin.reserve(n / k + 1);
    for (size_t i = 0; i <= n; i += k) forest_.iteration_begin.push_back(static_cast<uint32_t>(i));
  }

  // lightgbm.basic._load_pandas_categorical reads the file's last line when it starts
  // with "pandas_categorical:"; so does this, after the trees.
  void read_pandas_categorical_line() {
    constexpr std::string_view kKey = "pandas_categorical:";
    std::string_view rest = bytes_.substr(end_line_.offset);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || is_blank(rest.back()))) {
      rest.remove_suffix(1);
    }
    const size_t nl = rest.rfind('\n');
    const size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    std::string_view last = trim(rest.substr(begin));
    if (last.substr(0, kKey.size()) != kKey) return;
    const size_t offset = end_line_.offset + begin + static_cast<size_t>(last.data() - rest.data() - begin);
    const size_t number = end_line_.number + static_cast<size_t>(std::count(rest.begin(), rest.begin() + begin, '\n'));
    read_pandas_categorical(last.substr(kKey.size()), "LightGBM text model, line " + std::to_string(number),
                            offset + kKey.size(), forest_.num_features, &forest_.training_categories);
    forest_.training_categories.shrink_to_fit();
  }

  struct QueueItem {
    uint32_t slot;
    int32_t src;
  };

  std::string_view bytes_;
  LineReader reader_;
  Forest forest_;

  Line pending_;
  bool has_pending_ = false;
  Line end_line_;

  std::string_view version_value_;
  bool have_version_ = false;
  int64_t num_class_ = 1;
  bool have_num_class_ = false;
  int64_t num_tree_per_iteration_ = 1;
  bool have_ntpi_ = false;
  int64_t max_feature_idx_ = 0;
  bool have_max_feature_idx_ = false;
  Line objective_line_;
  std::string_view objective_value_;
  bool have_objective_ = false;
  Line feature_names_line_;
  std::string_view feature_names_value_;
  bool have_feature_names_ = false;
  Line tree_sizes_line_;
  bool have_tree_sizes_ = false;
  size_t num_tree_sizes_ = 0;

  Field fields_[kNumTreeKeys];
  // Per-tree scratch, reused across trees.
  std::vector<double> leaf_value_, threshold_;
  std::vector<int64_t> leaf_count_, internal_count_;
  std::vector<double> linear_const_, linear_coeff_;
  std::vector<int64_t> linear_terms_;
  std::vector<uint32_t> linear_feature_;
  bool all_covers_ = true;  // every tree so far had leaf_count / internal_count
  bool covers_in_double_ = false;  // some cover is not a float exactly: node_covers, not node_covers32
  std::vector<int32_t> split_feature_, left_child_, right_child_, cat_boundaries_;
  std::vector<int8_t> decision_type_;
  std::vector<uint32_t> cat_threshold_;
  std::vector<char> seen_split_, seen_leaf_;
  std::vector<QueueItem> queue_;
};

}  // namespace

Forest load_lightgbm_text(std::string_view bytes) {
  LightGBMParser parser(bytes);
  return parser.parse();
}

}  // namespace polyscore
