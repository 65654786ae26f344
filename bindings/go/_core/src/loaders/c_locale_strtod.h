// strtod as in the "C" locale, whatever locale the host process has set.
//
// The loaders fall back to strtod for the literals std::from_chars reports out of range
// (subnormal or overflowing), because strtod rounds them as the training libraries'
// readers do. Plain strtod follows LC_NUMERIC: in a process that called
// setlocale(LC_ALL, "de_DE.UTF-8"), say a JVM or a Perl script, it stops at the '.' of
// "4.5e-320" and reads 4. Model files are written in the C locale, so they are read in it.
#ifndef POLYSCORE_LOADERS_C_LOCALE_STRTOD_H_
#define POLYSCORE_LOADERS_C_LOCALE_STRTOD_H_

#include <locale.h>
#include <stdlib.h>

#include <string>

namespace polyscore {

inline double c_locale_strtod(const std::string& text, char** end) {
  static const locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", locale_t{});
  return strtod_l(text.c_str(), end, c_locale);
}

}  // namespace polyscore

#endif  // POLYSCORE_LOADERS_C_LOCALE_STRTOD_H_
