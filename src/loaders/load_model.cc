#include <cctype>
#include <cstdio>
#include <string>

#include "loaders/loaders.h"
#include "model/error.h"
#include "polyscore/model.h"

namespace polyscore {
namespace {

std::string printable_prefix(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    const unsigned char c = bytes[i];
    if (std::isprint(c)) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// Gives back what the loaders' vectors reserved while growing (up to half of each): a
// loaded model is kept as long as it is served, and LightGBM's and XGBoost's own models
// hold no such slack.
void shrink_to_fit(Forest& forest) {
  forest.base_margin.shrink_to_fit();
  forest.nodes.shrink_to_fit();
  forest.trees.shrink_to_fit();
  forest.leaf_values.shrink_to_fit();
  forest.leaf_ids.shrink_to_fit();
  forest.category_words.shrink_to_fit();
  forest.node_covers.shrink_to_fit();
  // Covers that are all floats exactly are kept as floats (Forest::node_covers32).
  bool floats = !forest.node_covers.empty();
  for (double c : forest.node_covers) floats &= static_cast<double>(static_cast<float>(c)) == c;
  if (floats) {
    forest.node_covers32.assign(forest.node_covers.begin(), forest.node_covers.end());
    std::vector<double>().swap(forest.node_covers);
  }
  forest.iteration_begin.shrink_to_fit();
  forest.linear.weights.shrink_to_fit();
  forest.linear.bias.shrink_to_fit();
  forest.objective.shrink_to_fit();
  forest.booster.shrink_to_fit();
  forest.library_version.shrink_to_fit();
  forest.feature_names.shrink_to_fit();
}

}  // namespace

ModelFormat detect_format(std::string_view bytes) {
  if (bytes.empty()) fail_parse("empty model: the file has 0 bytes", 0);
  size_t i = 0;
  while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
  const std::string_view rest = bytes.substr(i);
  if (!rest.empty() && rest[0] == '{') {
    // JSON continues with a key, whitespace or '}'; UBJSON with a type marker.
    const char next = rest.size() > 1 ? rest[1] : '\0';
    if (next == '"' || next == '}' || std::isspace(static_cast<unsigned char>(next))) {
      return ModelFormat::kXGBoostJson;
    }
    if (i == 0 && (next == 'i' || next == 'U' || next == 'I' || next == 'l' || next == 'L' ||
                   next == '$' || next == '#')) {
      return ModelFormat::kXGBoostUbjson;
    }
  }
  if (rest.substr(0, 4) == "tree" &&
      (rest.size() == 4 || rest[4] == '\n' || rest[4] == '\r')) {
    return ModelFormat::kLightGBMText;
  }
  fail_parse("unrecognised model format: expected XGBoost JSON or UBJSON, or LightGBM text; "
             "the file starts with \"" + printable_prefix(bytes) + "\"", 0);
}

Forest load_model(std::string_view bytes, int32_t format) {
  ModelFormat f;
  switch (format) {
    case PS_FORMAT_AUTO: f = detect_format(bytes); break;
    case PS_FORMAT_XGBOOST_JSON: f = ModelFormat::kXGBoostJson; break;
    case PS_FORMAT_XGBOOST_UBJSON: f = ModelFormat::kXGBoostUbjson; break;
    case PS_FORMAT_LIGHTGBM_TEXT: f = ModelFormat::kLightGBMText; break;
    default:
      throw Error(PS_ERR_INVALID_ARGUMENT, "unknown model format " + std::to_string(format));
  }
  if (bytes.empty()) fail_parse("empty model: the file has 0 bytes", 0);
  Forest forest;
  switch (f) {
    case ModelFormat::kXGBoostJson: forest = load_xgboost_json(bytes); break;
    case ModelFormat::kXGBoostUbjson: forest = load_xgboost_ubjson(bytes); break;
    case ModelFormat::kLightGBMText: forest = load_lightgbm_text(bytes); break;
  }
  validate(forest);
  shrink_to_fit(forest);
  return forest;
}

}  // namespace polyscore
