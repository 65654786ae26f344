
// The XGBoost model schema (Booster.save_model, XGBoost 1.6 - 3.x), walked once for both
// encodings. xgboost_json.cc (simdjson) and xgboost_ubjson.cc (ubjson_reader.h) each supply a
// tiny document adapter; build_xgboost_forest<Adapter>() turns the document into a Forest.
//
// An adapter A provides, for a cheap-to-copy handle A::Value:
//   static Kind kind(Value);
//   static bool find(Value object, std::string_view key, Value* out);  // false: no such key
//   static size_t size(Value array);
//   template <class F> static void each(Value array, F&& f);          // f(Value), in order
//   static bool get_string(Value, std::string_view*);
//   static bool get_double(Value, double*);    // any number
//   static bool get_int(Value, int64_t*);      // an integer number (or a bool, as 0/1)
//
// Semantics reproduced here (each from XGBoost's own loader / predictor):
// * A node is a leaf when left_children[i] == -1; its value is split_conditions[i] (scalar
//   trees) or a size_leaf_vector slice (multi-target trees: "leaf_weights" indexed by
//   right_children[i] when present (3.2+), else base_weights[i * K, (i + 1) * K)).
// * Numeric split: go left when x < float(split_condition). Stored as
//   threshold = nextafter(float(cond), -inf), so "x <= threshold" is the same test on float x.
// * Categorical split (split_type 1): categories in the set go RIGHT, all others (negative,
//   past the set) go left; NaN takes the default direction.
// * Trees are placed by their "id"; nodes are renumbered breadth-first so the root comes first
//   and the right child is left + 1; leaf_ids keep XGBoost's node id (pred_leaf output).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loaders/c_locale_strtod.h"
#include "model/error.h"
#include "model/forest.h"

namespace polyscore {
namespace xgb {

enum class Kind { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

// Largest category value we build a bitset for. XGBoost itself treats every value at or
// above 2^24 as an invalid category (it cannot be represented exactly in float32).
constexpr int64_t kMaxCategory = (int64_t{1} << 24) - 1;

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

inline bool parse_int(std::string_view s, int64_t* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// double -> float32 with round-to-nearest, defined for every input (a plain cast of a value
// beyond the float range is undefined behaviour): past the rounding midpoint above FLT_MAX
// the result is +-inf, as the hardware conversion gives.
inline float to_float(double d) {
  constexpr double kMidpoint = 3.4028235677973366e38;  // FLT_MAX + half an ulp
  if (d >= kMidpoint) return std::numeric_limits<float>::infinity();
  if (d <= -kMidpoint) return -std::numeric_limits<float>::infinity();
  if (d > std::numeric_limits<float>::max()) return std::numeric_limits<float>::max();
  if (d < -std::numeric_limits<float>::max()) return -std::numeric_limits<float>::max();
  return static_cast<float>(d);  // in range, or NaN
}

// Parses one float32 the way XGBoost does (from_chars to float: "5E-1", "0.5", "-inf").
inline bool parse_float(std::string_view s, float* out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves *out unchanged on overflow/underflow; fall back to strtod rounding.
    std::string tmp(s);
    char* end = nullptr;
    *out = to_float(c_locale_strtod(tmp, &end));
    return end == tmp.c_str() + tmp.size();
  }
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// How the objective's ProbToMargin turns base_score into a margin. kExpectileGaps works on
// the whole vector (expectile_margins below); the others on each value alone.
enum class Link { kIdentity, kLogit, kLog, kExpectileGaps };

struct ObjectiveInfo {
  Transform transform;
  Link link;
};

// Returns false for an objective XGBoost defines but we have no rule for (never guess).
inline bool lookup_objective(std::string_view name, ObjectiveInfo* out) {
  struct Row {
    const char* name;
    Transform transform;
    Link link;
  };
  static const Row kRows[] = {
      {"binary:logistic", Transform::kSigmoid, Link::kLogit},
      {"reg:logistic", Transform::kSigmoid, Link::kLogit},
      // Checked on the vectors: logitraw's base_score is used as the margin as is.
      {"binary:logitraw", Transform::kIdentity, Link::kIdentity},
      {"binary:hinge", Transform::kHinge, Link::kIdentity},
      {"reg:squarederror", Transform::kIdentity, Link::kIdentity},
      {"reg:linear", Transform::kIdentity, Link::kIdentity},
      {"reg:squaredlogerror", Transform::kIdentity, Link::kIdentity},
      {"reg:pseudohubererror", Transform::kIdentity, Link::kIdentity},
      {"reg:absoluteerror", Transform::kIdentity, Link::kIdentity},
      {"reg:quantileerror", Transform::kIdentity, Link::kIdentity},
      {"reg:expectileerror", Transform::kExpectileSteps, Link::kExpectileGaps},
      {"count:poisson", Transform::kExp, Link::kLog},
      {"reg:gamma", Transform::kExp, Link::kLog},
      {"reg:tweedie", Transform::kExp, Link::kLog},
      {"survival:cox", Transform::kExp, Link::kLog},
      {"survival:aft", Transform::kExp, Link::kLog},
      {"multi:softprob", Transform::kSoftmax, Link::kIdentity},
      {"multi:softmax", Transform::kArgmax, Link::kIdentity},
      {"rank:pairwise", Transform::kIdentity, Link::kIdentity},
      {"rank:ndcg", Transform::kIdentity, Link::kIdentity},
      {"rank:map", Transform::kIdentity, Link::kIdentity},
  };
  for (const Row& r : kRows) {
    if (name == r.name) {
      *out = ObjectiveInfo{r.transform, r.link};
      return true;
    }
  }
  return false;
}

// XGBoost's ProbToMargin, in float32 as XGBoost computes it.
inline double base_score_to_margin(float b, Link link, const std::string& objective) {
  switch (link) {
    case Link::kLogit:
      if (!(b > 0.0f && b < 1.0f))
        fail_parse("learner.learner_model_param.base_score must be in (0, 1) for objective '" +
                   objective + "', got " + std::to_string(b));
      return static_cast<double>(-std::log(1.0f / b - 1.0f));
    case Link::kLog:
      return static_cast<double>(std::log(b));
    case Link::kIdentity:
    case Link::kExpectileGaps:  // see expectile_margins
      break;
  }
  return static_cast<double>(b);
}

// XGBoost's ExpectileRegression::ProbToMargin, in float32 as XGBoost computes it: the
// first expectile is its own margin, each later one the inverse softplus of its gap to
// the one before (at least 1e-6), the inverse of the kExpectileSteps transform.
inline std::vector<float> expectile_margins(std::vector<float> b) {
  for (size_t j = b.size() - 1; j > 0 && j < b.size(); --j) {
    const float gap = std::max(b[j] - b[j - 1] - kExpectileGap, kExpectileGap);
    b[j] = gap + std::log(-std::expm1(-gap));
  }
  return b;
}

template <class A>
class ForestBuilder {
  using V = typename A::Value;

 public:
  ForestBuilder(ModelFormat format) { forest_.format = format; }

  Forest build(V root) {
    if (A::kind(root) != Kind::kObject) fail_parse("xgboost: the document is not a JSON object");
    read_version(root);
    V learner = object_field(root, "learner", "learner");
    read_learner_params(learner);
    read_objective(learner);
    read_feature_names(learner);
    V gb = object_field(learner, "gradient_booster", "learner.gradient_booster");
    std::string_view booster = string_field(gb, "name", "learner.gradient_booster.name");
    forest_.booster = std::string(booster);
    if (booster == "gbtree") {
      // XGBoost 3.3+ saves a DART model as "gbtree" with its tree weights inside the model
      // (GBTreeModel::SaveModel writes "weight_drop" when the trees have weights).
      V model = object_field(gb, "model", "learner.gradient_booster.model");
      V drop;
      const bool weighted = A::find(model, "weight_drop", &drop);
      if (weighted) read_floats(drop, &weight_drop_, "learner.gradient_booster.model.weight_drop");
      read_gbtree(model, "learner.gradient_booster.model", weighted ? &weight_drop_ : nullptr,
                  "learner.gradient_booster.model.weight_drop");
    } else if (booster == "dart") {
      V inner = object_field(gb, "gbtree", "learner.gradient_booster.gbtree");
      V model = object_field(inner, "model", "learner.gradient_booster.gbtree.model");
      V drop;
      if (!A::find(gb, "weight_drop", &drop))
        fail_parse("xgboost: missing field 'learner.gradient_booster.weight_drop'");
      read_floats(drop, &weight_drop_, "learner.gradient_booster.weight_drop");
      read_gbtree(model, "learner.gradient_booster.gbtree.model", &weight_drop_,
                  "learner.gradient_booster.weight_drop");
    } else if (booster == "gblinear") {
      read_gblinear(object_field(gb, "model", "learner.gradient_booster.model"));
    } else {
      fail_unsupported("xgboost: unsupported booster '" + std::string(booster) + "'");
    }
    forest_.arithmetic.float32 = true;
    return std::move(forest_);
  }

 private:
  // ---- generic field access -------------------------------------------------------------
  [[noreturn]] static void missing(const std::string& path) {
    fail_parse("xgboost: missing field '" + path + "'");
  }
  [[noreturn]] static void wrong(const std::string& path, const char* what) {
    fail_parse("xgboost: field '" + path + "' is not " + what);
  }

  static V field(V obj, std::string_view key, const std::string& path) {
    V out;
    if (!A::find(obj, key, &out)) missing(path);
    return out;
  }
  static V object_field(V obj, std::string_view key, const std::string& path) {
    V out = field(obj, key, path);
    if (A::kind(out) != Kind::kObject) wrong(path, "an object");
    return out;
  }
  static std::string_view string_field(V obj, std::string_view key, const std::string& path) {
    std::string_view s;
    if (!A::get_string(field(obj, key, path), &s)) wrong(path, "a string");
    return s;
  }
  // An integer written as a string ("42", XGBoost's parameter style) or as a number.
  static int64_t int_value(V v, const std::string& path) {
    int64_t out = 0;
    std::string_view s;
    if (A::get_string(v, &s)) {
      if (!parse_int(s, &out)) wrong(path, "an integer");
      return out;
    }
    if (A::get_int(v, &out)) return out;
    double d = 0;
    if (A::get_double(v, &d) && std::floor(d) == d && std::fabs(d) < 9e15)
      return static_cast<int64_t>(d);
    wrong(path, "an integer");
  }
  static int64_t count_param(V obj, std::string_view key, const std::string& path, int64_t dflt,
                             int64_t max) {
    V v;
    if (!A::find(obj, key, &v)) {
      if (dflt < 0) missing(path);
      return dflt;
    }
    int64_t x = int_value(v, path);
    if (x < 0) fail_parse("xgboost: field '" + path + "' is negative (" + std::to_string(x) + ")");
    if (x > max) fail_parse("xgboost: field '" + path + "' is too large (" + std::to_string(x) + ")");
    return x;
  }
  static void require_array(V v, const std::string& path) {
    if (A::kind(v) != Kind::kArray) wrong(path, "an array");
  }

  // Integer array into out (cleared first); each element must lie in [lo, hi].
  template <class T>
  static void read_ints(V arr, std::vector<T>* out, const std::string& path, int64_t lo, int64_t hi) {
    require_array(arr, path);
    out->clear();
    out->reserve(A::size(arr));
    A::each(arr, [&](V e) {
      int64_t x = 0;
      if (!A::get_int(e, &x)) {
        double d = 0;
        if (!A::get_double(e, &d) || std::floor(d) != d || !(std::fabs(d) < 9e15))
          fail_parse("xgboost: field '" + path + "[" + std::to_string(out->size()) +
                     "]' is not an integer");
        x = static_cast<int64_t>(d);
      }
      if (x < lo || x > hi)
        fail_parse("xgboost: field '" + path + "[" + std::to_string(out->size()) +
                   "]' is out of range (" + std::to_string(x) + ")");
      out->push_back(static_cast<T>(x));
    });
  }
  static void read_floats(V arr, std::vector<float>* out, const std::string& path) {
    require_array(arr, path);
    out->clear();
    out->reserve(A::size(arr));
    A::each(arr, [&](V e) {
      double d = 0;
      if (!A::get_double(e, &d))
        fail_parse("xgboost: field '" + path + "[" + std::to_string(out->size()) + "]' is not a number");
      out->push_back(to_float(d));
    });
  }

  // ---- learner-level fields -------------------------------------------------------------
  void read_version(V root) {
    V v;
    if (!A::find(root, "version", &v)) return;  // optional; library_version stays empty
    std::vector<int64_t> parts;
    read_ints(v, &parts, "version", 0, std::numeric_limits<int32_t>::max());
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) s += '.';
      s += std::to_string(parts[i]);
    }
    forest_.library_version = s;
  }

  void read_learner_params(V learner) {
    const std::string p = "learner.learner_model_param";
    V lmp = object_field(learner, "learner_model_param", p);
    constexpr int64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
    num_feature_ = count_param(lmp, "num_feature", p + ".num_feature", -1, kMaxU32);
    num_class_ = count_param(lmp, "num_class", p + ".num_class", 0, 1 << 20);
    num_target_ = count_param(lmp, "num_target", p + ".num_target", 1, 1 << 20);
    if (num_class_ > 1 && num_target_ > 1)
      fail_unsupported("xgboost: num_class > 1 together with num_target > 1");
    forest_.num_features = static_cast<uint32_t>(num_feature_);
    forest_.num_margin_outputs =
        static_cast<uint32_t>(std::max<int64_t>({num_class_, num_target_, int64_t{1}}));

    // base_score: "5E-1" (1.x-3.0), "[5E-1]" / "[5E-1,3E-1]" (3.1+), or a plain number.
    V bs;
    if (!A::find(lmp, "base_score", &bs)) missing(p + ".base_score");
    std::string_view s;
    double d = 0;
    if (A::get_string(bs, &s)) {
      s = trim(s);
      if (!s.empty() && s.front() == '[') {
        if (s.back() != ']') wrong(p + ".base_score", "a number list");
        std::string_view body = s.substr(1, s.size() - 2);
        while (true) {
          size_t comma = body.find(',');
          float f = 0;
          if (!parse_float(body.substr(0, comma), &f)) wrong(p + ".base_score", "a number list");
          base_score_.push_back(f);
          if (comma == std::string_view::npos) break;
          body.remove_prefix(comma + 1);
        }
      } else {
        float f = 0;
        if (!parse_float(s, &f)) wrong(p + ".base_score", "a number");
        base_score_.push_back(f);
      }
    } else if (A::get_double(bs, &d)) {
      base_score_.push_back(to_float(d));
    } else if (A::kind(bs) == Kind::kArray) {
      read_floats(bs, &base_score_, p + ".base_score");
    } else {
      wrong(p + ".base_score", "a number");
    }
    if (base_score_.size() != 1 && base_score_.size() != forest_.num_margin_outputs)
      fail_parse("xgboost: field '" + p + ".base_score' has " + std::to_string(base_score_.size()) +
                 " values for " + std::to_string(forest_.num_margin_outputs) + " outputs");
  }

  void read_objective(V learner) {
    V obj = object_field(learner, "objective", "learner.objective");
    forest_.objective = std::string(string_field(obj, "name", "learner.objective.name"));
    ObjectiveInfo info;
    if (!lookup_objective(forest_.objective, &info))
      fail_unsupported("xgboost: unsupported objective '" + forest_.objective + "'");
    forest_.transform = info.transform;
    const uint32_t n = forest_.num_margin_outputs;
    forest_.base_margin.resize(n);
    std::vector<float> scores(n);
    for (uint32_t g = 0; g < n; ++g) scores[g] = base_score_.size() == 1 ? base_score_[0] : base_score_[g];
    if (info.link == Link::kExpectileGaps) scores = expectile_margins(std::move(scores));
    for (uint32_t g = 0; g < n; ++g)
      forest_.base_margin[g] = base_score_to_margin(scores[g], info.link, forest_.objective);
  }

  void read_feature_names(V learner) {
    V names;
    if (!A::find(learner, "feature_names", &names)) return;
    require_array(names, "learner.feature_names");
    size_t n = A::size(names);
    if (n == 0) return;
    if (n != forest_.num_features)
      fail_parse("xgboost: field 'learner.feature_names' has " + std::to_string(n) +
                 " names for num_feature " + std::to_string(forest_.num_features));
    A::each(names, [&](V e) {
      std::string_view s;
      if (!A::get_string(e, &s)) wrong("learner.feature_names", "an array of strings");
      forest_.feature_names.add(s);
    });
  }

  // ---- training categories (XGBoost 3.1+) ---------------------------------------------------
  // model.cats.enc holds one entry per feature (or none at all): {"offsets", "values"} for
  // string categories (the UTF-8 bytes of all of them, offsets[k]..offsets[k+1] each, the
  // bytes written as int8 or uint8), {"type", "values"} for numbers (type: XGBoost's
  // Json::ValueKind of the typed array, 7 float32, 8 float64, 9 to 16 the integer
  // widths). An entry with no values is a feature that is not categorical.
  // feature_segments and sorted_idx are derived from these and not kept. A file with
  // "cats" saved the lists (3.1+ writes it for every model, enc [] when no feature is
  // categorical); an older file has none.
  void read_training_categories(V model, const std::string& path) {
    V cats;
    if (!A::find(model, "cats", &cats)) return;
    if (A::kind(cats) != Kind::kObject) wrong(path, "an object");
    forest_.training_categories.mark_saved();  // 3.1+ writes "cats" even with no categorical feature
    V enc;
    if (!A::find(cats, "enc", &enc)) return;
    const std::string ep = path + ".enc";
    require_array(enc, ep);
    const size_t n = A::size(enc);
    if (n == 0) return;
    if (n != forest_.num_features)
      fail_parse("xgboost: field '" + ep + "' has " + std::to_string(n) + " entries for num_feature " +
                 std::to_string(forest_.num_features));
    TrainingCategories& out = forest_.training_categories;
    std::vector<int64_t> offsets, numbers;
    std::string bytes;
    size_t feature = 0;
    A::each(enc, [&](V e) {
      const std::string fp = ep + "[" + std::to_string(feature) + "]";
      if (A::kind(e) != Kind::kObject) wrong(fp, "an object");
      V values = field(e, "values", fp + ".values");
      require_array(values, fp + ".values");
      const size_t count = A::size(values);
      V offsets_v, type_v;
      if (A::find(e, "offsets", &offsets_v)) {
        read_ints(offsets_v, &offsets, fp + ".offsets", 0, static_cast<int64_t>(count));
        if (count == 0 && offsets.size() <= 1) {
          ++feature;
          return;
        }
        if (offsets.size() < 2 || offsets.front() != 0 || offsets.back() != static_cast<int64_t>(count))
          fail_parse("xgboost: field '" + fp + ".offsets' does not span the " + std::to_string(count) +
                     " bytes of '" + fp + ".values' from 0");
        if (offsets.size() - 1 > kMaxCategoriesPerList)
          fail_parse("xgboost: field '" + fp + "' has more than " + std::to_string(kMaxCategoriesPerList) + " categories");
        std::vector<int64_t> raw;
        read_ints(values, &raw, fp + ".values", -128, 255);  // int8 or uint8 bytes
        bytes.resize(raw.size());
        for (size_t i = 0; i < raw.size(); ++i) bytes[i] = static_cast<char>(static_cast<uint8_t>(raw[i] & 0xFF));
        out.begin_list(static_cast<int64_t>(feature));
        for (size_t k = 0; k + 1 < offsets.size(); ++k) {
          if (offsets[k + 1] < offsets[k])
            fail_parse("xgboost: field '" + fp + ".offsets' decreases at entry " + std::to_string(k + 1));
          const size_t len = static_cast<size_t>(offsets[k + 1] - offsets[k]);
          if (len > kMaxCategoryTextBytes)
            fail_parse("xgboost: category " + std::to_string(k) + " of '" + fp + "' is longer than " +
                       std::to_string(kMaxCategoryTextBytes) + " bytes");
          out.add(CategoryKind::kString, std::string_view(bytes).substr(static_cast<size_t>(offsets[k]), len));
        }
      } else if (A::find(e, "type", &type_v)) {
        const int64_t type = int_value(type_v, fp + ".type");
        if (count > kMaxCategoriesPerList)
          fail_parse("xgboost: field '" + fp + "' has more than " + std::to_string(kMaxCategoriesPerList) + " categories");
        if (count == 0) {
          ++feature;
          return;
        }
        out.begin_list(static_cast<int64_t>(feature));
        if (type == 7 || type == 8) {  // float32, float64
          size_t k = 0;
          A::each(values, [&](V x) {
            double d = 0;
            if (!A::get_double(x, &d))
              fail_parse("xgboost: field '" + fp + ".values[" + std::to_string(k) + "]' is not a number");
            out.add(CategoryKind::kReal, category_real_text(type == 7 ? static_cast<double>(to_float(d)) : d));
            ++k;
          });
        } else if (type >= 9 && type <= 16) {  // int8 .. uint64
          read_ints(values, &numbers, fp + ".values", std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max());
          for (const int64_t x : numbers) out.add(CategoryKind::kInteger, std::to_string(x));
        } else {
          fail_parse("xgboost: field '" + fp + ".type' is " + std::to_string(type) +
                     ", not a typed array of numbers (7 to 16)");
        }
      } else if (count != 0) {
        fail_parse("xgboost: field '" + fp + "' has values but neither 'offsets' (strings) nor 'type' (numbers)");
      }
      ++feature;
    });
    out.shrink_to_fit();
  }

  // ---- gblinear -------------------------------------------------------------------------
  void read_gblinear(V model) {
    std::vector<float> w;
    V wv = field(model, "weights", "learner.gradient_booster.model.weights");
    read_floats(wv, &w, "learner.gradient_booster.model.weights");
    const uint64_t ng = forest_.num_margin_outputs;
    const uint64_t nf = forest_.num_features;
    if (w.size() != (nf + 1) * ng)
      fail_parse("xgboost: field 'learner.gradient_booster.model.weights' has " +
                 std::to_string(w.size()) + " values, expected (num_feature + 1) * outputs = " +
                 std::to_string((nf + 1) * ng));
    forest_.has_linear = true;
    forest_.linear.weights.assign(w.begin(), w.begin() + static_cast<ptrdiff_t>(nf * ng));
    forest_.linear.bias.assign(w.begin() + static_cast<ptrdiff_t>(nf * ng), w.end());
    forest_.iteration_begin = {0};
  }

  // ---- gbtree / dart ----------------------------------------------------------------------
  // weights: the trees' DART weights (weights_path: where the file holds them), or nullptr.
  void read_gbtree(V model, const std::string& mp, const std::vector<float>* weights,
                   const std::string& weights_path) {
    read_training_categories(model, mp + ".cats");
    V trees_v = field(model, "trees", mp + ".trees");
    require_array(trees_v, mp + ".trees");
    std::vector<V> in_file;
    in_file.reserve(A::size(trees_v));
    A::each(trees_v, [&](V t) { in_file.push_back(t); });
    const size_t num_trees = in_file.size();
    if (num_trees > std::numeric_limits<int32_t>::max()) fail_parse("xgboost: too many trees");

    int64_t num_parallel_tree = 1;
    V gmp;
    if (A::find(model, "gbtree_model_param", &gmp)) {
      if (A::kind(gmp) != Kind::kObject) wrong(mp + ".gbtree_model_param", "an object");
      int64_t declared = count_param(gmp, "num_trees", mp + ".gbtree_model_param.num_trees",
                                     static_cast<int64_t>(num_trees), std::numeric_limits<int32_t>::max());
      if (declared != static_cast<int64_t>(num_trees))
        fail_parse("xgboost: field '" + mp + ".gbtree_model_param.num_trees' is " +
                   std::to_string(declared) + " but '" + mp + ".trees' has " +
                   std::to_string(num_trees) + " trees");
      num_parallel_tree = count_param(gmp, "num_parallel_tree", mp + ".gbtree_model_param.num_parallel_tree",
                                      1, 1 << 20);
      if (num_parallel_tree == 0) num_parallel_tree = 1;
    }

    std::vector<int64_t> tree_info;
    V ti;
    if (!A::find(model, "tree_info", &ti)) missing(mp + ".tree_info");
    read_ints(ti, &tree_info, mp + ".tree_info", 0, std::numeric_limits<int32_t>::max());
    if (tree_info.size() != num_trees)
      fail_parse("xgboost: field '" + mp + ".tree_info' has " + std::to_string(tree_info.size()) +
                 " entries for " + std::to_string(num_trees) + " trees");
    if (weights && weights->size() != num_trees)
      fail_parse("xgboost: field '" + weights_path + "' has " +
                 std::to_string(weights->size()) + " entries for " + std::to_string(num_trees) + " trees");

    // XGBoost places each tree at its "id" (GBTreeModel::LoadModel).
    std::vector<int32_t> order(num_trees, -1);
    for (size_t j = 0; j < num_trees; ++j) {
      V t = in_file[j];
      if (A::kind(t) != Kind::kObject) wrong(mp + ".trees[" + std::to_string(j) + "]", "an object");
      V idv;
      int64_t id = static_cast<int64_t>(j);
      if (A::find(t, "id", &idv)) id = int_value(idv, mp + ".trees[" + std::to_string(j) + "].id");
      if (id < 0 || id >= static_cast<int64_t>(num_trees) || order[static_cast<size_t>(id)] != -1)
        fail_parse("xgboost: field '" + mp + ".trees[" + std::to_string(j) + "].id' is invalid or repeated (" +
                   std::to_string(id) + ")");
      order[static_cast<size_t>(id)] = static_cast<int32_t>(j);
    }

    // Reserve from the node counts the file declares (capped: a corrupt count must not make
    // us allocate; the real arrays are checked per tree).
    uint64_t total_nodes = 0;
    for (V t : in_file) {
      V lc;
      if (A::find(t, "left_children", &lc) && A::kind(lc) == Kind::kArray) total_nodes += A::size(lc);
    }
    forest_.nodes.reserve(std::min<uint64_t>(total_nodes, uint64_t{1} << 26));
    forest_.leaf_ids.reserve(std::min<uint64_t>(total_nodes / 2 + num_trees, uint64_t{1} << 26));
    forest_.trees.reserve(num_trees);

    for (size_t id = 0; id < num_trees; ++id) {
      const size_t j = static_cast<size_t>(order[id]);
      read_tree(in_file[j], mp + ".trees[" + std::to_string(j) + "]", tree_info[id],
                weights ? static_cast<double>((*weights)[id]) : 1.0);
    }
    if (!all_covers_) forest_.node_covers.clear();  // partial covers are no covers
    forest_.leaf_size = leaf_size_ == 0 ? 1 : leaf_size_;
    if (forest_.leaf_size > 1 && forest_.leaf_size != forest_.num_margin_outputs)
      fail_parse("xgboost: trees have size_leaf_vector " + std::to_string(forest_.leaf_size) +
                 " but the model has " + std::to_string(forest_.num_margin_outputs) + " outputs");

    // Boosting rounds.
    V indptr;
    if (A::find(model, "iteration_indptr", &indptr)) {
      std::vector<int64_t> ip;
      read_ints(indptr, &ip, mp + ".iteration_indptr", 0, static_cast<int64_t>(num_trees));
      if (ip.empty() || ip.front() != 0 || ip.back() != static_cast<int64_t>(num_trees))
        fail_parse("xgboost: field '" + mp + ".iteration_indptr' does not span the " +
                   std::to_string(num_trees) + " trees");
      for (size_t i = 1; i < ip.size(); ++i)
        if (ip[i] < ip[i - 1])
          fail_parse("xgboost: field '" + mp + ".iteration_indptr' is not ascending");
      forest_.iteration_begin.assign(ip.begin(), ip.end());
    } else {
      // Before 2.0: a round is num_output_group * num_parallel_tree trees (one tree per
      // parallel tree when the leaves are vectors).
      const uint64_t per_group = forest_.leaf_size > 1 ? 1 : forest_.num_margin_outputs;
      const uint64_t per_round = per_group * static_cast<uint64_t>(num_parallel_tree);
      if (num_trees % per_round != 0)
        fail_parse("xgboost: " + std::to_string(num_trees) + " trees is not a whole number of rounds of " +
                   std::to_string(per_round) + " trees");
      const uint64_t rounds = num_trees / per_round;
      forest_.iteration_begin.resize(rounds + 1);
      for (uint64_t r = 0; r <= rounds; ++r)
        forest_.iteration_begin[r] = static_cast<uint32_t>(r * per_round);
    }
  }

  void read_tree(V t, const std::string& tp, int64_t info, double weight) {
    // Tree parameters.
    V param = object_field(t, "tree_param", tp + ".tree_param");
    int64_t num_nodes = count_param(param, "num_nodes", tp + ".tree_param.num_nodes", -1,
                                    std::numeric_limits<int32_t>::max());
    int64_t slv = count_param(param, "size_leaf_vector", tp + ".tree_param.size_leaf_vector", 1, 1 << 20);
    const uint32_t k = slv <= 1 ? 1 : static_cast<uint32_t>(slv);
    if (leaf_size_ == 0) leaf_size_ = k;
    else if (leaf_size_ != k)
      fail_unsupported("xgboost: trees with different size_leaf_vector in one model");
    if (num_nodes < 1) fail_parse("xgboost: field '" + tp + ".tree_param.num_nodes' is 0");
    const size_t n = static_cast<size_t>(num_nodes);
    const int64_t nmax = num_nodes - 1;

    auto arr = [&](const char* key) { return field(t, key, tp + "." + key); };
    auto check_len = [&](size_t got, const char* key, size_t want) {
      if (got != want)
        fail_parse("xgboost: field '" + tp + "." + key + "' has " + std::to_string(got) +
                   " entries, expected " + std::to_string(want));
    };

    read_ints(arr("left_children"), &left_, tp + ".left_children", -1, nmax);
    check_len(left_.size(), "left_children", n);
    // Multi-target trees of 3.2+ keep each leaf's index into leaf_weights in right_children.
    read_ints(arr("right_children"), &right_, tp + ".right_children", -1,
              std::numeric_limits<int32_t>::max());
    check_len(right_.size(), "right_children", n);
    read_ints(arr("split_indices"), &split_index_, tp + ".split_indices", 0,
              std::numeric_limits<int64_t>::max());
    check_len(split_index_.size(), "split_indices", n);
    // Covers, for contributions (TreeSHAP); optional: a file without them still predicts.
    V hess;
    has_covers_ = A::find(t, "sum_hessian", &hess);
    if (has_covers_) {
      read_floats(hess, &hess_, tp + ".sum_hessian");
      check_len(hess_.size(), "sum_hessian", n);
    }
    read_floats(arr("split_conditions"), &cond_, tp + ".split_conditions");
    check_len(cond_.size(), "split_conditions", n);
    read_ints(arr("default_left"), &default_left_, tp + ".default_left", 0, 1);
    check_len(default_left_.size(), "default_left", n);
    V st;
    if (A::find(t, "split_type", &st)) {
      read_ints(st, &split_type_, tp + ".split_type", 0, 1);
      check_len(split_type_.size(), "split_type", n);
    } else {
      split_type_.assign(n, 0);
    }

    // Multi-target leaf vectors.
    bool leaf_weights_by_index = false;
    if (k > 1) {
      V lw;
      if (A::find(t, "leaf_weights", &lw)) {
        read_floats(lw, &leaf_vec_, tp + ".leaf_weights");
        if (leaf_vec_.size() % k != 0)
          fail_parse("xgboost: field '" + tp + ".leaf_weights' is not a multiple of size_leaf_vector");
        leaf_weights_by_index = true;
      } else {
        read_floats(arr("base_weights"), &leaf_vec_, tp + ".base_weights");
        check_len(leaf_vec_.size(), "base_weights", n * k);
      }
    }

    // Categorical splits.
    cat_index_.assign(n, -1);
    bool any_cat = std::find(split_type_.begin(), split_type_.end(), uint8_t{1}) != split_type_.end();
    if (any_cat) {
      read_ints(arr("categories_nodes"), &cat_nodes_, tp + ".categories_nodes", 0, nmax);
      read_ints(arr("categories_segments"), &cat_segments_, tp + ".categories_segments", 0,
                std::numeric_limits<int64_t>::max());
      read_ints(arr("categories_sizes"), &cat_sizes_, tp + ".categories_sizes", 0,
                std::numeric_limits<int64_t>::max());
      read_ints(arr("categories"), &categories_, tp + ".categories", std::numeric_limits<int32_t>::min(),
                std::numeric_limits<int32_t>::max());
      check_len(cat_segments_.size(), "categories_segments", cat_nodes_.size());
      check_len(cat_sizes_.size(), "categories_sizes", cat_nodes_.size());
      for (size_t c = 0; c < cat_nodes_.size(); ++c) {
        if (cat_segments_[c] > static_cast<int64_t>(categories_.size()) ||
            cat_sizes_[c] > static_cast<int64_t>(categories_.size()) - cat_segments_[c])
          fail_parse("xgboost: field '" + tp + ".categories_segments[" + std::to_string(c) +
                     "]' + categories_sizes run past '" + tp + ".categories'");
        cat_index_[static_cast<size_t>(cat_nodes_[c])] = static_cast<int32_t>(c);
      }
    }

    // Breadth-first renumbering: the root first, children side by side.
    visited_.assign(n, 0);
    queue_.clear();
    queue_.push_back(0);
    visited_[0] = 1;
    const size_t node_begin = forest_.nodes.size();
    if (node_begin + n > std::numeric_limits<uint32_t>::max())
      fail_parse("xgboost: too many nodes in the model");
    for (size_t qi = 0; qi < queue_.size(); ++qi) {
      const int32_t x = queue_[qi];
      Node node{};
      node.feature = 0;
      if (left_[x] == -1) {
        node.flags = kLeaf;
        node.child_or_leaf = static_cast<uint32_t>(forest_.leaf_ids.size());
        forest_.leaf_ids.push_back(x);
        if (k == 1) {
          forest_.leaf_values.push_back(static_cast<double>(cond_[x]));
        } else {
          size_t off;
          if (leaf_weights_by_index) {
            if (right_[x] < 0 || static_cast<size_t>(right_[x]) >= leaf_vec_.size() / k)
              fail_parse("xgboost: field '" + tp + ".right_children[" + std::to_string(x) +
                         "]' (leaf index) is out of range");
            off = static_cast<size_t>(right_[x]) * k;
          } else {
            off = static_cast<size_t>(x) * k;
          }
          for (uint32_t g = 0; g < k; ++g) forest_.leaf_values.push_back(static_cast<double>(leaf_vec_[off + g]));
        }
      } else {
        const int32_t l = left_[x], r = right_[x];
        if (r < 0 || r > nmax)
          fail_parse("xgboost: field '" + tp + ".right_children[" + std::to_string(x) + "]' is out of range (" +
                     std::to_string(r) + ")");
        if (visited_[l] || visited_[r] || l == r)
          fail_parse("xgboost: tree '" + tp + "' is not a tree: node " + std::to_string(x) +
                     " has a child that is already used (a cycle or a shared node)");
        visited_[l] = visited_[r] = 1;
        if (split_index_[x] >= static_cast<int64_t>(forest_.num_features))
          fail_parse("xgboost: field '" + tp + ".split_indices[" + std::to_string(x) + "]' (" +
                     std::to_string(split_index_[x]) + ") is not below num_feature " +
                     std::to_string(forest_.num_features));
        if (split_index_[x] > static_cast<int64_t>(kMaxSplitFeature))
          fail_unsupported("xgboost: field '" + tp + ".split_indices[" + std::to_string(x) + "]' (" +
                           std::to_string(split_index_[x]) + "): polyscore supports split features up to " +
                           std::to_string(kMaxSplitFeature) + " (forest.h, Node)");
        node.feature = static_cast<uint32_t>(split_index_[x]);
        node.flags = kNanIsMissing;
        if (default_left_[x]) node.flags |= kDefaultLeft;
        if (split_type_[x] == 1) {
          node.flags |= kCategorical;
          node.category = category_set(x, tp);
        } else {
          node.threshold = static_cast<double>(
              std::nextafter(cond_[x], -std::numeric_limits<float>::infinity()));
        }
        node.child_or_leaf = static_cast<uint32_t>(queue_.size());
        queue_.push_back(l);
        queue_.push_back(r);
      }
      forest_.nodes.push_back(node);
      if (has_covers_) forest_.node_covers.push_back(static_cast<double>(hess_[x]));
    }
    if (!has_covers_) all_covers_ = false;

    Tree tree;
    tree.node_begin = static_cast<uint32_t>(node_begin);
    tree.num_nodes = static_cast<uint32_t>(queue_.size());
    if (k > 1) {
      tree.output = 0;  // a vector leaf adds to every output
    } else {
      if (info >= static_cast<int64_t>(forest_.num_margin_outputs))
        fail_parse("xgboost: field 'tree_info' of tree '" + tp + "' (" + std::to_string(info) +
                   ") is not below the number of outputs " + std::to_string(forest_.num_margin_outputs));
      tree.output = static_cast<uint32_t>(info);
    }
    tree.weight = weight;
    forest_.trees.push_back(tree);
  }

  CategorySet category_set(int32_t x, const std::string& tp) {
    const int32_t c = cat_index_[x];
    if (c < 0)
      fail_parse("xgboost: categorical split node " + std::to_string(x) + " of '" + tp +
                 "' has no entry in categories_nodes");
    const size_t seg = static_cast<size_t>(cat_segments_[c]);
    const size_t size = static_cast<size_t>(cat_sizes_[c]);
    int64_t max_cat = -1;
    for (size_t i = seg; i < seg + size; ++i) {
      const int64_t v = categories_[i];
      if (v < 0 || v > kMaxCategory)
        fail_parse("xgboost: field '" + tp + ".categories[" + std::to_string(i) + "]' (" + std::to_string(v) +
                   ") is not a valid category");
      max_cat = std::max(max_cat, v);
    }
    CategorySet set;
    set.word_begin = static_cast<uint32_t>(forest_.category_words.size());
    set.num_words = max_cat < 0 ? 0 : static_cast<uint32_t>(max_cat / 32 + 1);
    if (forest_.category_words.size() + set.num_words > std::numeric_limits<uint32_t>::max())
      fail_parse("xgboost: categorical splits too large");
    forest_.category_words.resize(forest_.category_words.size() + set.num_words, 0u);
    uint32_t* words = forest_.category_words.data() + set.word_begin;
    for (size_t i = seg; i < seg + size; ++i) {
      const uint32_t v = static_cast<uint32_t>(categories_[i]);
      words[v >> 5] |= uint32_t{1} << (v & 31);
    }
    return set;
  }

  Forest forest_;
  int64_t num_feature_ = 0, num_class_ = 0, num_target_ = 1;
  std::vector<float> base_score_;
  std::vector<float> weight_drop_;
  uint32_t leaf_size_ = 0;

  // Per-tree scratch, reused across trees (no per-tree allocation once warmed up).
  std::vector<int32_t> left_, right_;
  std::vector<int64_t> split_index_;
  std::vector<float> cond_, leaf_vec_, hess_;
  bool has_covers_ = false, all_covers_ = true;  // all_covers_: every tree had sum_hessian
  std::vector<uint8_t> default_left_, split_type_, visited_;
  std::vector<int32_t> cat_nodes_, cat_index_, queue_;
  std::vector<int64_t> cat_segments_, cat_sizes_, categories_;
};

template <class A>
Forest build_xgboost_forest(typename A::Value root, ModelFormat format) {
  ForestBuilder<A> builder(format);
  return builder.build(root);
}

}  // namespace xgb
}  // namespace polyscore
