// Rows by feature name in the model's feature order (named_rows.h).
#include "named_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "feature_columns.h"
#include "model_repository.h"

namespace polyscore::server {
namespace {

using feature_columns::FeatureColumns;

// The model's feature columns; a model whose features are not all named, or not all
// differently, takes rows by position only: a failed precondition.
FeatureColumns columns_of(const LoadedModel& model) {
  FeatureColumns columns(model.feature_names());
  if (!columns.unusable().empty()) {
    fail(ErrorKind::kFailedPrecondition,
         "model \"" + model.name() + "\" " + columns.unusable() + ": send them by position");
  }
  return columns;
}

// Writes row to dst in the model's feature order; a row that does not hold exactly the
// model's feature names is a 400 naming it: `where`, and "[index]" after it unless
// index < 0.
void place_row(const LoadedModel& model, const FeatureColumns& columns, const NamedRow& row, double* dst,
               std::vector<bool>& seen, const std::string& where, long index) {
  std::string uncoded;
  const std::string problem = columns.place(row.numbers, row.categories, model.categories(), dst, seen,
                                            "a missing value is given as null in JSON, NaN otherwise", &uncoded);
  if (problem.empty() && uncoded.empty()) return;
  const std::string label = index < 0 ? where : where + "[" + std::to_string(index) + "]";
  if (problem.empty()) fail(ErrorKind::kBadRequest, "\"" + label + "\": " + uncoded);
  fail(ErrorKind::kBadRequest, "\"" + label + "\" does not match the features of model \"" + model.name() +
                                   "\" (" + feature_columns::quote_some(columns.names()) + "): " + problem +
                                   (uncoded.empty() ? "" : "; " + uncoded));
}

}  // namespace

std::vector<double> lay_out_named_rows(const LoadedModel& model, const std::vector<NamedRow>& rows,
                                       const std::string& where) {
  const FeatureColumns columns = columns_of(model);
  std::vector<double> values(rows.size() * columns.size());
  std::vector<bool> seen(columns.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    place_row(model, columns, rows[r], values.data() + r * columns.size(), seen, where, static_cast<long>(r));
  }
  return values;
}

std::vector<double> lay_out_named_row(const LoadedModel& model, const NamedRow& row, const std::string& where) {
  const FeatureColumns columns = columns_of(model);
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
  positions.numbers.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) positions.numbers.emplace_back(names[i], static_cast<double>(i));
  const std::vector<double> placed = lay_out_named_row(model, positions, where);
  return std::vector<size_t>(placed.begin(), placed.end());
}

std::vector<std::optional<std::string>> bytes_elements(std::string_view raw, const std::string& input_name) {
  std::vector<std::optional<std::string>> out;
  while (!raw.empty()) {
    if (raw.size() < 4) {
      fail(ErrorKind::kBadRequest, "input \"" + input_name + "\": BYTES data ends inside an element's 4-byte length");
    }
    const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(raw[i])); };
    const size_t length = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
    raw.remove_prefix(4);
    if (length > raw.size()) {
      fail(ErrorKind::kBadRequest, "input \"" + input_name + "\": a BYTES element of " + std::to_string(length) +
                                       " bytes runs past the " + std::to_string(raw.size()) + " bytes left");
    }
    out.emplace_back(std::string(raw.substr(0, length)));
    raw.remove_prefix(length);
  }
  return out;
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
    const size_t given = input.bytes ? input.texts.size() : input.values.size();
    if (given != n) {
      fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" has " + std::to_string(given) +
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
    const FeatureTensor& input = inputs[input_of[j]];
    if (!input.bytes) {
      for (size_t r = 0; r < *rows; ++r) values[r * cols + j] = input.values[r];
      continue;
    }
    for (size_t r = 0; r < *rows; ++r) {
      if (!input.texts[r]) {
        values[r * cols + j] = std::numeric_limits<double>::quiet_NaN();
        continue;
      }
      const std::string problem = model.categories().code(j, input.name, *input.texts[r], &values[r * cols + j]);
      if (!problem.empty()) {
        fail(ErrorKind::kBadRequest, "input \"" + input.name + "\" row " + std::to_string(r) + ": " + problem);
      }
    }
  }
  return values;
}

}  // namespace polyscore::server
