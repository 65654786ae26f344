#include "loaders/pandas_categorical.h"

#include <charconv>
#include <cstdlib>
#include <string>
#include <system_error>

#include "loaders/c_locale_strtod.h"
#include "model/error.h"

namespace polyscore {
namespace {

class PandasCategoricalReader {
 public:
  PandasCategoricalReader(std::string_view s, const std::string& where, size_t line_offset)
      : s_(s), where_(where), line_offset_(line_offset) {}

  void read(size_t max_lists, TrainingCategories* out) {
    skip_blanks();
    if (take_word("null")) {
      finish();
      return;
    }
    expect('[', "a list of lists (or null)");
    out->mark_saved();
    skip_blanks();
    if (peek() == ']') {
      ++pos_;
      finish();
      return;
    }
    while (true) {
      if (out->num_lists() == max_lists) {
        fail("lists more categorical columns than the model's " + std::to_string(max_lists) + " features");
      }
      read_list(out);
      skip_blanks();
      if (peek() == ',') {
        ++pos_;
        skip_blanks();
        continue;
      }
      expect(']', "',' or ']' after column " + std::to_string(out->num_lists() - 1));
      break;
    }
    finish();
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    fail_parse(where_ + ": pandas_categorical " + what, static_cast<int64_t>(line_offset_ + pos_));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ >= s_.size(); }
  void skip_blanks() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) ++pos_;
  }
  bool take_word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) fail("is not JSON of the expected shape: expected " + what + " at character " + std::to_string(pos_));
    ++pos_;
  }
  void finish() {
    skip_blanks();
    if (!at_end()) fail("has text after its JSON value, at character " + std::to_string(pos_));
  }

  void read_list(TrainingCategories* out) {
    const size_t column = out->num_lists();
    expect('[', "column " + std::to_string(column) + "'s list of categories");
    out->begin_list(TrainingCategories::kUnknownFeature);
    skip_blanks();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    while (true) {
      if (out->list_size(column) == kMaxCategoriesPerList) {
        fail("column " + std::to_string(column) + " has more than " + std::to_string(kMaxCategoriesPerList) +
             " categories");
      }
      read_value(column, out);
      skip_blanks();
      if (peek() == ',') {
        ++pos_;
        skip_blanks();
        continue;
      }
      expect(']', "',' or ']' in column " + std::to_string(column) + "'s list");
      return;
    }
  }

  void read_value(size_t column, TrainingCategories* out) {
    const std::string at = "column " + std::to_string(column) + ", category " +
                           std::to_string(out->list_size(column));
    const char c = peek();
    if (c == '"') {
      text_.clear();
      read_string(at);
      out->add(CategoryKind::kString, text_);
    } else if (take_word("true")) {
      out->add(CategoryKind::kBoolean, "true");
    } else if (take_word("false")) {
      out->add(CategoryKind::kBoolean, "false");
    } else if (take_word("NaN")) {
      out->add(CategoryKind::kReal, "NaN");
    } else if (take_word("Infinity")) {
      out->add(CategoryKind::kReal, "Infinity");
    } else if (take_word("-Infinity")) {
      out->add(CategoryKind::kReal, "-Infinity");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      read_number(at, out);
    } else if (take_word("null")) {
      fail(at + " is null: a category is a string, a number or a boolean");
    } else {
      fail(at + " is not a JSON string, number or boolean (character " + std::to_string(pos_) + ")");
    }
  }

  // JSON's number grammar; an integer keeps its digits, a real becomes its shortest text.
  void read_number(const std::string& at, TrainingCategories* out) {
    const size_t begin = pos_;
    auto digits = [&] {
      const size_t d = pos_;
      while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d;
    };
    if (peek() == '-') ++pos_;
    const size_t first_digit = pos_;
    const size_t n = digits();
    if (n == 0 || (n > 1 && s_[first_digit] == '0')) fail(at + " is not a JSON number");
    bool integer = true;
    if (peek() == '.') {
      ++pos_;
      if (digits() == 0) fail(at + " is not a JSON number");
      integer = false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (digits() == 0) fail(at + " is not a JSON number");
      integer = false;
    }
    const std::string_view text = s_.substr(begin, pos_ - begin);
    if (text.size() > kMaxCategoryTextBytes) fail(at + " is longer than " + std::to_string(kMaxCategoryTextBytes) + " bytes");
    if (integer) {
      out->add(CategoryKind::kInteger, text);
      return;
    }
    double d = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      d = c_locale_strtod(std::string(text), nullptr);  // as json.loads: 1e999 is inf, 1e-999 is 0
    } else if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      fail(at + " is not a JSON number");
    }
    out->add(CategoryKind::kReal, category_real_text(d));
  }

  void read_string(const std::string& at) {
    ++pos_;  // the opening quote
    while (true) {
      if (at_end()) fail(at + ": the string is not closed");
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        // The check below comes before an escape appends up to 4 bytes.
        if (text_.size() > kMaxCategoryTextBytes) {
          fail(at + " is longer than " + std::to_string(kMaxCategoryTextBytes) + " bytes");
        }
        return;
      }
      if (text_.size() >= kMaxCategoryTextBytes) {
        fail(at + " is longer than " + std::to_string(kMaxCategoryTextBytes) + " bytes");
      }
      if (c < 0x20) fail(at + ": a control character in a string must be escaped (JSON)");
      if (c != '\\') {
        text_ += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      const char e = peek();
      ++pos_;
      switch (e) {
        case '"': text_ += '"'; break;
        case '\\': text_ += '\\'; break;
        case '/': text_ += '/'; break;
        case 'b': text_ += '\b'; break;
        case 'f': text_ += '\f'; break;
        case 'n': text_ += '\n'; break;
        case 'r': text_ += '\r'; break;
        case 't': text_ += '\t'; break;
        case 'u': append_escaped_code_point(at); break;
        default: --pos_; fail(at + ": unknown escape in a string");
      }
    }
  }

  uint32_t hex4(const std::string& at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = peek();
      uint32_t d = 0;
      if (h >= '0' && h <= '9') d = uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f') d = uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') d = uint32_t(h - 'A' + 10);
      else fail(at + ": \\u is not followed by 4 hex digits");
      v = v * 16 + d;
      ++pos_;
    }
    return v;
  }

  // json.dumps escapes every non-ASCII character, above U+FFFF as a surrogate pair.
  // json.loads also takes lone surrogates, which Python strings may hold: the
  // surrogateescape error handler turns each byte of non-UTF-8 data (a file name, say)
  // into U+DC80..U+DCFF. Such a category keeps the bytes it came from, the byte for
  // U+DC80..U+DCFF, as Python's surrogateescape encoding gives them back; any other lone
  // surrogate keeps its 3-byte form (as WTF-8 does), so the model loads as it does in
  // LightGBM.
  void append_escaped_code_point(const std::string& at) {
    const uint32_t u = hex4(at);
    if (u >= 0xD800 && u <= 0xDBFF && s_.compare(pos_, 2, "\\u") == 0) {
      const size_t after_high = pos_;
      pos_ += 2;
      const uint32_t low = hex4(at);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append_code_point(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
        return;
      }
      pos_ = after_high;  // a lone high surrogate; the next escape is read on its own
    }
    if (u >= 0xDC80 && u <= 0xDCFF) {
      text_ += static_cast<char>(u - 0xDC00);
      return;
    }
    append_code_point(u);
  }

  void append_code_point(uint32_t cp) {
    if (cp < 0x80) {
      text_ += static_cast<char>(cp);
    } else if (cp < 0x800) {
      text_ += static_cast<char>(0xC0 | (cp >> 6));
      text_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      text_ += static_cast<char>(0xE0 | (cp >> 12));
      text_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      text_ += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      text_ += static_cast<char>(0xF0 | (cp >> 18));
      text_ += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      text_ += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      text_ += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::string_view s_;
  const std::string& where_;
  size_t line_offset_;
  size_t pos_ = 0;
  std::string text_;  // the string being read, decoded
};

}  // namespace

void read_pandas_categorical(std::string_view json, const std::string& where, size_t line_offset,
                             size_t max_lists, TrainingCategories* out) {
  PandasCategoricalReader(json, where, line_offset).read(max_lists, out);
}

}  // namespace polyscore
