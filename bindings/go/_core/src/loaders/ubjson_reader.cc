// The UBJSON parser behind ubjson::Document (see ubjson_reader.h).
#include "loaders/ubjson_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <string>

#include "model/error.h"

namespace polyscore {
namespace ubjson {
namespace {

std::string describe(uint8_t b) {
  char buf[16];
  if (b >= 0x21 && b <= 0x7e) std::snprintf(buf, sizeof buf, "'%c'", static_cast<char>(b));
  else std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

bool is_int_marker(uint8_t m) { return m == 'i' || m == 'U' || m == 'I' || m == 'l' || m == 'L'; }

// JSON number text ("-12", "0.5", "1E-3"), as 'H' carries it; surrounding JSON whitespace
// is allowed (nlohmann's lexer skips it). On success *is_float says whether it has a
// fraction or an exponent.
bool json_number_syntax(std::string_view s, bool* is_float) {
  size_t i = 0;
  const size_t n = s.size();
  auto digit = [&](size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (i < n && s[i] == '0') ++i;
  else if (digit(i)) while (digit(i)) ++i;
  else return false;
  *is_float = false;
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
    *is_float = true;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
    *is_float = true;
  }
  return i == n;
}

// The value of valid JSON number text that from_chars found out of the double range:
// +-inf when it is large, +-0 when it is tiny (what strtod gives).
double out_of_range_value(std::string_view s) {
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  const size_t e = s.find_first_of("eE");
  std::string_view mant = s.substr(0, e);
  int64_t exp10 = 0;
  if (e != std::string_view::npos) {
    std::string_view es = s.substr(e + 1);
    const bool eneg = !es.empty() && es[0] == '-';
    if (!es.empty() && (es[0] == '-' || es[0] == '+')) es.remove_prefix(1);
    for (char c : es) exp10 = std::min<int64_t>(exp10 * 10 + (c - '0'), int64_t{1} << 40);
    if (eneg) exp10 = -exp10;
  }
  // Decimal position of the first non-zero digit of the mantissa.
  const size_t dot = mant.find('.');
  const size_t int_len = dot == std::string_view::npos ? mant.size() : dot;
  int64_t lead = 0;
  for (size_t k = 0; k < mant.size(); ++k) {
    if (mant[k] == '.' || mant[k] == '0') continue;
    lead = k < int_len ? static_cast<int64_t>(int_len - 1 - k) : -static_cast<int64_t>(k - int_len);
    break;
  }
  const double big = lead + exp10 >= 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return neg ? -big : big;
}

class Parser {
 public:
  Parser(std::string_view bytes, std::vector<Node>* nodes)
      : begin_(bytes.data()), p_(bytes.data()), end_(bytes.data() + bytes.size()), nodes_(nodes) {}

  void document() {
    if (p_ == end_) fail("empty input", 0);
    value(marker("a value"), 0, nullptr, 0);
    while (p_ != end_ && *p_ == 'N') ++p_;
    if (p_ != end_)
      fail("unexpected byte " + describe(static_cast<uint8_t>(*p_)) + " after the end of the document", offset());
  }

 private:
  int64_t offset() const { return static_cast<int64_t>(p_ - begin_); }
  uint64_t remaining() const { return static_cast<uint64_t>(end_ - p_); }

  [[noreturn]] static void fail(const std::string& what, int64_t at) {
    throw Error(PS_ERR_PARSE, what + " at byte " + std::to_string(at), at);
  }
  void need(uint64_t n, const char* what) const {
    if (remaining() < n)
      fail(std::string("unexpected end of input in ") + what + " (" + std::to_string(n) + " bytes needed, " +
               std::to_string(remaining()) + " left)",
           offset());
  }
  uint8_t byte(const char* what) {
    need(1, what);
    return static_cast<uint8_t>(*p_++);
  }
  // The next marker, skipping no-ops ('N').
  uint8_t marker(const char* what) {
    uint8_t b;
    do b = byte(what);
    while (b == 'N');
    return b;
  }
  // The payload of an integer marker m (already read).
  int64_t integer(uint8_t m, const char* what) {
    if (!is_int_marker(m))
      fail(std::string("expected an integer marker (i U I l L) for ") + what + ", got " + describe(m), offset() - 1);
    const size_t w = element_width(m);
    need(w, what);
    const int64_t v = detail::decode_int(m, p_);
    p_ += w;
    return v;
  }
  // A non-negative integer (a count or a length): marker and payload.
  uint64_t length(uint8_t m, const char* what) {
    const int64_t at = offset() - 1;
    const int64_t v = integer(m, what);
    if (v < 0) fail(std::string("negative ") + what + " (" + std::to_string(v) + ")", at);
    return static_cast<uint64_t>(v);
  }
  // A string payload after its length marker m: a view into the input.
  std::string_view string(uint8_t m, const char* what) {
    const int64_t at = offset() - 1;
    const uint64_t len = length(m, what);
    if (len > remaining())
      fail(std::string(what) + " of " + std::to_string(len) + " bytes runs past the end of the input (" +
               std::to_string(remaining()) + " bytes left)",
           at);
    std::string_view s(p_, static_cast<size_t>(len));
    p_ += len;
    return s;
  }

  size_t push(Tag tag, const char* key, uint32_t key_len) {
    Node n{};
    n.tag = tag;
    n.key = key;
    n.key_len = key_len;
    n.subtree = 1;
    nodes_->push_back(n);
    return nodes_->size() - 1;
  }
  std::string_view read_key(uint8_t m) {
    std::string_view k = string(m, "object key");
    if (k.size() > std::numeric_limits<uint32_t>::max()) fail("object key too long", offset());
    return k;
  }

  // One value whose marker m has been read (or is implied by an optimized container).
  // depth: the number of containers around it.
  void value(uint8_t m, int depth, const char* key, uint32_t key_len) {
    switch (m) {
      case 'Z': push(Tag::kNull, key, key_len); return;
      case 'T':
      case 'F': (*nodes_)[push(Tag::kBool, key, key_len)].i = m == 'T'; return;
      case 'i': case 'U': case 'I': case 'l': case 'L': {
        const int64_t v = integer(m, "an integer");
        (*nodes_)[push(Tag::kInt, key, key_len)].i = v;
        return;
      }
      case 'd':
      case 'D': {
        const size_t w = element_width(m);
        need(w, m == 'd' ? "a float32" : "a float64");
        const double v = detail::decode_float(m, p_);
        p_ += w;
        (*nodes_)[push(Tag::kDouble, key, key_len)].d = v;
        return;
      }
      case 'H': high_precision(key, key_len); return;
      case 'C': {
        const uint8_t c = byte("a char");
        if (c > 0x7f) fail("char " + describe(c) + " is not in 0x00..0x7f", offset() - 1);
        Node& n = (*nodes_)[push(Tag::kString, key, key_len)];
        n.data = p_ - 1;
        n.n = 1;
        return;
      }
      case 'S': {
        std::string_view s = string(byte("a string length"), "a string");
        Node& n = (*nodes_)[push(Tag::kString, key, key_len)];
        n.data = s.data();
        n.n = s.size();
        return;
      }
      case '[': container(false, depth + 1, key, key_len); return;
      case '{': container(true, depth + 1, key, key_len); return;
      default: break;
    }
    fail("invalid marker " + describe(m), offset() - 1);
  }

  void high_precision(const char* key, uint32_t key_len) {
    const int64_t at = offset() - 1;
    std::string_view s = string(marker("a high-precision number length"), "a high-precision number");
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
      s.remove_suffix(1);
    bool is_float = false;
    if (!json_number_syntax(s, &is_float)) fail("invalid high-precision number \"" + std::string(s) + "\"", at);
    const char* first = s.data();
    const char* last = s.data() + s.size();
    if (!is_float) {
      if (s[0] == '-') {
        int64_t v = 0;
        if (std::from_chars(first, last, v).ec == std::errc()) {
          (*nodes_)[push(Tag::kInt, key, key_len)].i = v;
          return;
        }
      } else {
        uint64_t u = 0;
        if (std::from_chars(first, last, u).ec == std::errc()) {
          if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            (*nodes_)[push(Tag::kInt, key, key_len)].i = static_cast<int64_t>(u);
          else
            (*nodes_)[push(Tag::kUint, key, key_len)].u = u;
          return;
        }
      }
      // Too large for a 64-bit integer: a double, as nlohmann's lexer does.
    }
    double d = 0;
    const auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range) d = out_of_range_value(s);
    else if (r.ec != std::errc() || r.ptr != last) fail("invalid high-precision number \"" + std::string(s) + "\"", at);
    (*nodes_)[push(Tag::kDouble, key, key_len)].d = d;
  }

  // The body of an array or object after its '[' / '{' (read or implied).
  void container(bool object, int depth, const char* key, uint32_t key_len) {
    const int64_t start = offset() - 1;
    if (depth > Document::kMaxDepth)
      fail("containers nested deeper than " + std::to_string(Document::kMaxDepth), start);
    const size_t idx = push(object ? Tag::kObject : Tag::kArray, key, key_len);
    const char* what = object ? "an object" : "an array";
    uint64_t n = 0;
    uint8_t b = marker(what);
    if (b == '$') {
      const int64_t type_at = offset();
      const uint8_t t = byte("the element type of an optimized container");
      const size_t w = element_width(t);
      const bool zero_width = t == 'Z' || t == 'T' || t == 'F' || t == 'N';
      const bool valid = w > 0 || zero_width || t == 'H' || t == 'C' || t == 'S' || t == '[' || t == '{';
      if (!valid || (object && t == 'N'))
        fail("invalid element type " + describe(t) + " of an optimized container", type_at);
      const uint8_t h = marker("an optimized container");
      if (h != '#')
        fail("expected '#' after the element type of an optimized container, got " + describe(h), offset() - 1);
      const int64_t count_at = offset();
      n = length(marker("the count of an optimized container"), "count of an optimized container");
      // Each element takes w bytes (numbers), at least one byte (anything else, or an
      // object entry's key), or none (Z T F N: capped at the input size).
      const uint64_t cap = !object && zero_width ? static_cast<uint64_t>(end_ - begin_)
                           : !object && w > 0    ? remaining() / w
                                                 : remaining();
      if (n > cap)
        fail("an optimized container declares " + std::to_string(n) + " elements" +
                 (!object && w > 0 ? " of " + std::to_string(w) + " bytes" : std::string()) + ", more than the " +
                 std::to_string(remaining()) + " remaining bytes can hold",
             count_at);
      if (!object && (w > 0 || (zero_width && t != 'N'))) {
        Node& node = (*nodes_)[idx];
        node.tag = Tag::kTypedArray;
        node.elem = t;
        node.data = p_;
        node.n = n;
        p_ += n * w;
        return;
      }
      if (!object) {
        if (t != 'N')
          for (uint64_t i = 0; i < n; ++i) value(t, depth, nullptr, 0);
        else n = 0;  // "[$N#n": n no-ops, an empty array
      } else {
        for (uint64_t i = 0; i < n; ++i) {
          std::string_view k = read_key(byte("an object key length"));
          value(t, depth, k.data(), static_cast<uint32_t>(k.size()));
        }
      }
    } else if (b == '#') {
      const int64_t count_at = offset();
      n = length(marker("the count of a container"), "count of a container");
      if (n > remaining())
        fail("a container declares " + std::to_string(n) + " elements, more than the " +
                 std::to_string(remaining()) + " remaining bytes can hold",
             count_at);
      for (uint64_t i = 0; i < n; ++i) {
        if (object) {
          std::string_view k = read_key(byte("an object key length"));
          value(marker("an object value"), depth, k.data(), static_cast<uint32_t>(k.size()));
        } else {
          value(marker("an array element"), depth, nullptr, 0);
        }
      }
    } else if (!object) {
      while (b != ']') {
        value(b, depth, nullptr, 0);
        ++n;
        b = marker("an array (element or ']')");
      }
    } else {
      while (b != '}') {
        std::string_view k = read_key(b);
        value(marker("an object value"), depth, k.data(), static_cast<uint32_t>(k.size()));
        ++n;
        b = marker("an object (key or '}')");
      }
    }
    Node& node = (*nodes_)[idx];
    node.n = n;
    node.subtree = nodes_->size() - idx;
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  std::vector<Node>* nodes_;
};

}  // namespace

void Document::parse(std::string_view bytes) {
  nodes_.clear();
  // A first guess that avoids most regrowth on typical documents; never more than the
  // input can justify.
  nodes_.reserve(std::min<size_t>(bytes.size() / 64 + 16, size_t{1} << 20));
  Parser(bytes, &nodes_).document();
}

}  // namespace ubjson
}  // namespace polyscore
