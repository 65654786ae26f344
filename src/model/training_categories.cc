#include "model/training_categories.h"

#include <charconv>
#include <cmath>

namespace polyscore {

std::string category_real_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);  // shortest round trip
  return std::string(buf, r.ptr);
}

}  // namespace polyscore
