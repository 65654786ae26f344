// Looking up the names of abi_names_gen.h: a name's constant, a constant's name, the names
// joined. Shared by the CLI, config.json (src/model_config), the server and the worker, so
// that each takes and prints the same words for the same constant.
#ifndef POLYSCORE_WIRE_ABI_NAMES_H
#define POLYSCORE_WIRE_ABI_NAMES_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "abi_names_gen.h"

namespace polyscore::wire {

// What a request that names no output kind or SHAP algorithm carries (polyscore.v1's
// UNSPECIFIED, a REST field or Open Inference Protocol parameter left out): the model's
// config.json decides (ModelConfig::output_for, shap_algorithm_for). Not a PS_* value,
// which are all at least 0.
inline constexpr int32_t kNotNamed = -1;

// Sets *value to the constant named `name` in the table; false when there is none.
template <size_t N>
bool value_of(const NamedValue (&table)[N], std::string_view name, int32_t* value) {
  for (const NamedValue& entry : table) {
    if (name == entry.name) {
      *value = entry.value;
      return true;
    }
  }
  return false;
}

// The name of the constant `value` in the table, or `fallback` when it has none.
template <size_t N>
const char* name_of(const NamedValue (&table)[N], int32_t value, const char* fallback) {
  for (const NamedValue& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return fallback;
}

// The table's names joined by `separator`: "value|margin|leaf|...".
template <size_t N>
std::string names_of(const NamedValue (&table)[N], const char* separator) {
  std::string out;
  for (const NamedValue& entry : table) {
    if (!out.empty()) out += separator;
    out += entry.name;
  }
  return out;
}

}  // namespace polyscore::wire

#endif  // POLYSCORE_WIRE_ABI_NAMES_H
