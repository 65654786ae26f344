// Rows by feature name in the model's feature order (named_rows.h).
#include "named_rows.h"

#include <algorithm>
#include <cmath>

#include "errors.h"
#include "model_repository.h"

namespace polyscore::server {
namespace {

std::string quote(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The first names quoted and how many more, so that a model with thousands of features
// gives a message one can read (Go's quoteSome).
std::string quote_some(const std::vector<std::string>& names) {
  constexpr size_t kMost = 20;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMost; ++i) out += (i ? ", " : "") + quote(names[i]);
  if (names.size() > kMost) out += " and " + std::to_string(names.size() - kMost) + " more";
  return out;
}

const char* features(size_t n) { return n == 1 ? "feature" : "features"; }

}  // namespace

FeatureColumns::FeatureColumns(const LoadedModel& model) : names_(model.feature_names()) {
  column_.reserve(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i].empty()) {
      fail(ErrorKind::kFailedPrecondition,
           "model \"" + model.name() + "\" names no feature " + std::to_string(i) +
               ", so rows cannot be given by feature name: send them by position");
    }
    if (!column_.emplace(names_[i], i).second) {
      fail(ErrorKind::kFailedPrecondition,
           "model \"" + model.name() + "\" names two features " + quote(names_[i]) +
               ", so rows cannot be given by feature name: send them by position");
    }
  }
}

long FeatureColumns::column_of(const std::string& name) const {
  auto found = column_.find(name);
  return found == column_.end() ? -1 : static_cast<long>(found->second);
}

std::string FeatureColumns::quoted() const { return quote_some(names_); }

namespace {

// Writes row to dst (columns.size() values) in the model's feature order; a row that
// does not hold exactly the model's feature names is a 400 naming it: `where`, and
// "[index]" after it unless index < 0.
void place_row(const LoadedModel& model, const FeatureColumns& columns, const NamedRow& row, double* dst,
               std::vector<bool>& seen, const std::string& where, long index) {
  std::fill(seen.begin(), seen.end(), false);
  std::vector<std::string> unknown, twice;
  for (const auto& [name, value] : row) {
    const long column = columns.column_of(name);
    if (column < 0) {
      unknown.push_back(name);
    } else if (seen[column]) {
      twice.push_back(name);
    } else {
      seen[column] = true;
      dst[column] = value;
    }
  }
  if (unknown.empty() && twice.empty() && std::find(seen.begin(), seen.end(), false) == seen.end()) return;
  std::vector<std::string> missing;
  for (size_t j = 0; j < columns.size(); ++j) {
    if (!seen[j]) missing.push_back(columns.names()[j]);
  }
  std::string parts;
  auto add = [&](const std::string& part) { parts += (parts.empty() ? "" : "; ") + part; };
  if (!unknown.empty()) add(std::string("unknown ") + features(unknown.size()) + " " + quote_some(unknown));
  if (!twice.empty()) add("given twice: " + quote_some(twice));
  if (!missing.empty()) {
    add(std::string("missing ") + features(missing.size()) + " " + quote_some(missing) +
        " (a missing value is given as null in JSON, NaN otherwise)");
  }
  const std::string label = index < 0 ? where : where + "[" + std::to_string(index) + "]";
  fail(ErrorKind::kBadRequest, "\"" + label + "\" does not match the features of model \"" + model.name() +
                                   "\" (" + columns.quoted() + "): " + parts);
}

}  // namespace

std::vector<double> lay_out_named_rows(const LoadedModel& model, const std::vector<NamedRow>& rows,
                                       const std::string& where) {
  const FeatureColumns columns(model);
  std::vector<double> values(rows.size() * columns.size());
  std::vector<bool> seen(columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    place_row(model, columns, rows[r], values.data() + r * columns.size(), seen, where, static_cast<long>(r));
  }
  return values;
}

std::vector<double> lay_out_named_row(const LoadedModel& model, const NamedRow& row, const std::string& where) {
  const FeatureColumns columns(model);
  std::vector<double> values(columns.size());
  std::vector<bool> seen(columns.size());
  place_row(model, columns, row, values.data(), seen, where, -1);
  return values;
}

std::vector<size_t> match_feature_names(const LoadedModel& model, const std::vector<std::string>& names,
                                        const std::string& where) {
  // The names as a row whose values are their positions: placed in the model's order,
  // the row holds the position of each feature, with the same checks and message.
  NamedRow positions;
  positions.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) positions.emplace_back(names[i], static_cast<double>(i));
  const std::vector<double> placed = lay_out_named_row(model, positions, where);
  return std::vector<size_t>(placed.begin(), placed.end());
}

bool is_tensor_per_feature(const LoadedModel& model, const std::vector<std::string>& input_names) {
  if (input_names.size() > 1) return true;
  const auto& names = model.feature_names();
  return input_names.size() == 1 && std::find(names.begin(), names.end(), input_names[0]) != names.end();
}

std::vector<double> lay_out_feature_tensors(const LoadedModel& model, const std::vector<FeatureTensor>& inputs,
                                            size_t* rows) {
  std::vector<std::string> names;
  for (const FeatureTensor& input : inputs) names.push_back(input.name);
  const std::vector<size_t> input_of = match_feature_names(model, names, "inputs");
  *rows = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const FeatureTensor& input = inputs[i];
    const bool column = (input.shape.size() == 1 || (input.shape.size() == 2 && input.shape[1] == 1)) &&
                        input.shape[0] >= 0;
    if (!column) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name +
                                       "\" must have shape [rows] or [rows, 1]: one tensor per feature");
    }
    const size_t n = static_cast<size_t>(input.shape[0]);
    if (input.values.size() != n) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" has " + std::to_string(input.values.size()) +
                                       " values but shape [" + std::to_string(n) + "]");
    }
    if (i == 0) *rows = n;
    if (n != *rows) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" has " + std::to_string(n) + " rows, input \"" +
                                       inputs[0].name + "\" " + std::to_string(*rows) +
                                       ": every feature's tensor needs one value per row");
    }
  }
  const size_t cols = input_of.size();
  std::vector<double> values(*rows * cols);
  for (size_t j = 0; j < cols; ++j) {
    const std::vector<double>& column = inputs[input_of[j]].values;
    for (size_t r = 0; r < *rows; ++r) values[r * cols + j] = column[r];
  }
  return values;
}

}  // namespace polyscore::server
