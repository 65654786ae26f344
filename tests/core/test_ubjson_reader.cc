// Unit tests of ubjson::Document (src/loaders/ubjson_reader.h): every marker, typed arrays
// of each element type, nested and optimized containers, and damaged input (every
// truncation point, bad markers, huge counts, deep nesting) failing with PS_ERR_PARSE and
// an offset, never reading out of bounds (run under -fsanitize=address to check).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "loaders/ubjson_reader.h"
#include "model/error.h"

using polyscore::Error;
using polyscore::ubjson::Document;
using polyscore::ubjson::Tag;
using polyscore::ubjson::Value;

namespace {

// Builders for big-endian payloads.
std::string be(uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string f32(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return be(b, 4);
}
std::string f64(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return be(b, 8);
}
std::string key(const std::string& k) { return "U" + std::string(1, static_cast<char>(k.size())) + k; }
std::string str(const std::string& s) { return "S" + key(s); }
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// Parses; the document keeps views into *text, which the caller keeps alive.
struct Parsed {
  std::string text;
  Document doc;
  explicit Parsed(std::string t) : text(std::move(t)) { doc.parse(text); }
  Value root() const { return doc.root(); }
};

int64_t as_int(Value v) {
  int64_t x = 0;
  EXPECT_TRUE(Document::get_int(v, &x));
  return x;
}
double as_double(Value v) {
  double x = 0;
  EXPECT_TRUE(Document::get_double(v, &x));
  return x;
}
std::string as_string(Value v) {
  std::string_view s;
  EXPECT_TRUE(Document::get_string(v, &s));
  return std::string(s);
}
std::vector<double> doubles(Value v) {
  std::vector<double> out;
  Document::each(v, [&](Value e) { out.push_back(as_double(e)); });
  return out;
}
std::vector<int64_t> ints(Value v) {
  std::vector<int64_t> out;
  Document::each(v, [&](Value e) { out.push_back(as_int(e)); });
  return out;
}

// The error of parsing text; fails the test when there is none.
Error parse_error(const std::string& text) {
  Document doc;
  try {
    doc.parse(text);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << testing::PrintToString(text);
  return Error(PS_OK, "");
}
void expect_error(const std::string& text, const std::string& needle, int64_t offset = -1) {
  SCOPED_TRACE(testing::PrintToString(text));
  Error e = parse_error(text);
  EXPECT_EQ(e.code(), PS_ERR_PARSE);
  EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  EXPECT_GE(e.offset(), 0);
  EXPECT_LE(e.offset(), static_cast<int64_t>(text.size()));
  if (offset >= 0) {
    EXPECT_EQ(e.offset(), offset) << e.what();
  }
  EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(e.offset())), std::string::npos) << e.what();
}

// --- scalars ---------------------------------------------------------------------------------

TEST(UbjsonReader, Scalars) {
  EXPECT_EQ(Parsed("Z").root().tag(), Tag::kNull);
  EXPECT_EQ(as_int(Parsed("T").root()), 1);
  EXPECT_EQ(Parsed("T").root().tag(), Tag::kBool);
  EXPECT_EQ(as_int(Parsed("F").root()), 0);
  double d;
  EXPECT_FALSE(Document::get_double(Parsed("T").root(), &d));  // a bool is not a number

  EXPECT_EQ(as_int(Parsed(bytes({'i', 0xfe})).root()), -2);
  EXPECT_EQ(as_int(Parsed(bytes({'U', 0xfe})).root()), 254);
  EXPECT_EQ(as_int(Parsed("I" + be(0x8000, 2)).root()), -32768);
  EXPECT_EQ(as_int(Parsed("l" + be(0xfffffffe, 4)).root()), -2);
  EXPECT_EQ(as_int(Parsed("L" + be(0x0102030405060708ull, 8)).root()), 0x0102030405060708ll);
  EXPECT_EQ(as_int(Parsed("L" + be(0x8000000000000000ull, 8)).root()), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Parsed("L" + be(1, 8)).root().tag(), Tag::kInt);
  EXPECT_DOUBLE_EQ(as_double(Parsed(bytes({'i', 0xfe})).root()), -2.0);

  EXPECT_EQ(as_double(Parsed("d" + f32(0.1f)).root()), static_cast<double>(0.1f));
  EXPECT_EQ(as_double(Parsed("D" + f64(0.1)).root()), 0.1);
  EXPECT_TRUE(std::isnan(as_double(Parsed("d" + f32(std::nanf(""))).root())));
  EXPECT_EQ(as_double(Parsed("D" + f64(-INFINITY)).root()), -INFINITY);
  EXPECT_EQ(Parsed("D" + f64(1)).root().tag(), Tag::kDouble);
  int64_t i;
  EXPECT_FALSE(Document::get_int(Parsed("D" + f64(1)).root(), &i));  // a float is not an integer

  EXPECT_EQ(as_string(Parsed("Cx").root()), "x");
  EXPECT_EQ(as_string(Parsed(str("hello")).root()), "hello");
  EXPECT_EQ(as_string(Parsed("S" + std::string("i") + bytes({0})).root()), "");
  EXPECT_EQ(as_string(Parsed("SI" + be(3, 2) + "abc").root()), "abc");
  EXPECT_EQ(as_string(Parsed("SL" + be(2, 8) + std::string("\0\xff", 2)).root()), std::string("\0\xff", 2));
  std::string_view sv;
  EXPECT_FALSE(Document::get_string(Parsed("i" + bytes({1})).root(), &sv));
}

TEST(UbjsonReader, StringsAreViewsIntoTheInput) {
  Parsed p(str("abc"));
  std::string_view s;
  ASSERT_TRUE(Document::get_string(p.root(), &s));
  EXPECT_EQ(s.data(), p.text.data() + 3);
}

TEST(UbjsonReader, HighPrecisionNumbers) {
  auto h = [](const std::string& text) { return Parsed("H" + key(text)); };
  EXPECT_EQ(as_int(h("12").root()), 12);
  EXPECT_EQ(h("12").root().tag(), Tag::kInt);
  EXPECT_EQ(as_int(h("-9223372036854775808").root()), std::numeric_limits<int64_t>::min());
  // Above INT64_MAX: an unsigned number, a double but not an int64.
  Parsed big = h("18446744073709551615");
  EXPECT_EQ(big.root().tag(), Tag::kUint);
  int64_t i;
  EXPECT_FALSE(Document::get_int(big.root(), &i));
  EXPECT_EQ(as_double(big.root()), 18446744073709551615.0);
  EXPECT_EQ(h("99999999999999999999").root().tag(), Tag::kDouble);
  EXPECT_EQ(as_double(h("0.5").root()), 0.5);
  EXPECT_EQ(as_double(h(" -1.5E2 ").root()), -150.0);
  EXPECT_EQ(as_double(h("1e999").root()), INFINITY);
  EXPECT_EQ(as_double(h("-1e999").root()), -INFINITY);
  EXPECT_EQ(as_double(h("1e-999").root()), 0.0);
  EXPECT_EQ(as_double(h("100000e-400").root()), 0.0);
  for (const char* bad : {"", "abc", "1.", ".5", "01", "1e", "+1", "1 2", "--1", "0x10", "nan"})
    expect_error("H" + key(bad), "invalid high-precision number", 0);
  expect_error("H" + key("1") + "x", "after the end of the document", 4);
}

TEST(UbjsonReader, NoOpsAreSkipped) {
  EXPECT_EQ(as_int(Parsed("NNi" + bytes({5}) + "NN").root()), 5);
  Parsed a("[NU" + bytes({1}) + "NNU" + bytes({2}) + "N]");
  EXPECT_EQ(ints(a.root()), (std::vector<int64_t>{1, 2}));
  Parsed o("{N" + key("a") + "NT" + "N}");
  Value v;
  ASSERT_TRUE(Document::find(o.root(), "a", &v));
  EXPECT_EQ(as_int(v), 1);
  // "[$N#n": n no-ops, an empty array.
  Parsed e("[$N#U" + bytes({3}));
  EXPECT_EQ(Document::size(e.root()), 0u);
  EXPECT_EQ(e.root().tag(), Tag::kArray);
  expect_error("N", "unexpected end of input", 1);
  expect_error("NNN", "unexpected end of input", 3);
}

// --- containers --------------------------------------------------------------------------------

TEST(UbjsonReader, ArraysAndObjects) {
  // {"a": [1, "x", [], {}], "b": {"c": null}, "a2": 2.5}
  const std::string text = "{" + key("a") + "[" + "U" + bytes({1}) + str("x") + "[]{}]" + key("b") + "{" +
                           key("c") + "Z}" + key("a2") + "D" + f64(2.5) + "}";
  Parsed p(text);
  Value root = p.root();
  EXPECT_EQ(root.tag(), Tag::kObject);
  EXPECT_EQ(Document::size(root), 3u);
  Value a, b, c, a2, missing;
  ASSERT_TRUE(Document::find(root, "a", &a));
  ASSERT_TRUE(Document::find(root, "b", &b));
  ASSERT_TRUE(Document::find(root, "a2", &a2));
  EXPECT_FALSE(Document::find(root, "c", &missing));  // not a member of the root
  EXPECT_FALSE(Document::find(root, "", &missing));
  EXPECT_FALSE(Document::find(a, "a", &missing));     // not an object
  ASSERT_TRUE(Document::find(b, "c", &c));
  EXPECT_EQ(c.tag(), Tag::kNull);
  EXPECT_EQ(as_double(a2), 2.5);

  EXPECT_EQ(a.tag(), Tag::kArray);
  ASSERT_EQ(Document::size(a), 4u);
  std::vector<Tag> tags;
  Document::each(a, [&](Value e) { tags.push_back(e.tag()); });
  EXPECT_EQ(tags, (std::vector<Tag>{Tag::kInt, Tag::kString, Tag::kArray, Tag::kObject}));
  std::vector<Value> elems;
  Document::each(a, [&](Value e) { elems.push_back(e); });
  EXPECT_EQ(Document::size(elems[2]), 0u);
  EXPECT_EQ(Document::size(elems[3]), 0u);
  // each over an object: its member values in order.
  std::vector<Tag> members;
  Document::each(root, [&](Value e) { members.push_back(e.tag()); });
  EXPECT_EQ(members, (std::vector<Tag>{Tag::kArray, Tag::kObject, Tag::kDouble}));
  // each / size of a scalar: nothing.
  int calls = 0;
  Document::each(a2, [&](Value) { ++calls; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(Document::size(a2), 0u);
}

TEST(UbjsonReader, CountedContainersHaveNoEnd) {
  Parsed a("[#U" + bytes({3}) + "i" + bytes({1}) + "Ni" + bytes({2}) + "[#i" + bytes({0}));
  std::vector<Tag> tags;
  Document::each(a.root(), [&](Value e) { tags.push_back(e.tag()); });
  EXPECT_EQ(tags, (std::vector<Tag>{Tag::kInt, Tag::kInt, Tag::kArray}));
  Parsed o("{#U" + bytes({2}) + key("x") + "T" + key("y") + "{#U" + bytes({0}));
  Value y;
  ASSERT_TRUE(Document::find(o.root(), "y", &y));
  EXPECT_EQ(y.tag(), Tag::kObject);
  // A counted container followed by its would-be end marker: a byte after the document.
  expect_error("[#U" + bytes({0}) + "]", "after the end of the document", 4);
}

TEST(UbjsonReader, RepeatedKeysLastWins) {
  Parsed o("{" + key("k") + "U" + bytes({1}) + key("k") + "U" + bytes({2}) + "}");
  Value v;
  ASSERT_TRUE(Document::find(o.root(), "k", &v));
  EXPECT_EQ(as_int(v), 2);
}

TEST(UbjsonReader, NestedContainers) {
  // [[[[1]]], {"a": {"b": [2, {"c": 3}]}}, 4]
  const std::string text = "[[[[U" + bytes({1}) + "]]]{" + key("a") + "{" + key("b") + "[U" + bytes({2}) + "{" +
                           key("c") + "U" + bytes({3}) + "}]}}U" + bytes({4}) + "]";
  Parsed p(text);
  std::vector<Value> top;
  Document::each(p.root(), [&](Value e) { top.push_back(e); });
  ASSERT_EQ(top.size(), 3u);  // the siblings skip over the nested subtrees
  EXPECT_EQ(as_int(top[2]), 4);
  Value a, b, c;
  ASSERT_TRUE(Document::find(top[1], "a", &a));
  ASSERT_TRUE(Document::find(a, "b", &b));
  std::vector<Value> bs;
  Document::each(b, [&](Value e) { bs.push_back(e); });
  ASSERT_EQ(bs.size(), 2u);
  ASSERT_TRUE(Document::find(bs[1], "c", &c));
  EXPECT_EQ(as_int(c), 3);
  Value x = top[0];
  for (int d = 0; d < 3; ++d) {
    ASSERT_EQ(Document::size(x), 1u);
    Document::each(x, [&](Value e) { x = e; });
  }
  EXPECT_EQ(as_int(x), 1);
}

// --- optimized (typed) containers ---------------------------------------------------------------

TEST(UbjsonReader, TypedNumericArraysOfEachType) {
  struct Case {
    char marker;
    std::string payload;
    std::vector<double> want;
    bool integer;
  };
  const std::vector<Case> cases = {
      {'i', bytes({0x7f, 0x80, 0xff}), {127, -128, -1}, true},
      {'U', bytes({0x7f, 0x80, 0xff}), {127, 128, 255}, true},
      {'I', be(0x7fff, 2) + be(0x8000, 2) + be(0xffff, 2), {32767, -32768, -1}, true},
      {'l', be(0x7fffffff, 4) + be(0x80000000, 4) + be(0xffffffff, 4), {2147483647.0, -2147483648.0, -1}, true},
      {'L', be(1ull << 40, 8) + be(0x8000000000000000ull, 8) + be(~0ull, 8), {1099511627776.0, -9223372036854775808.0, -1}, true},
      {'d', f32(0.5f) + f32(-1e30f) + f32(0.1f), {0.5, static_cast<double>(-1e30f), static_cast<double>(0.1f)}, false},
      {'D', f64(0.5) + f64(-1e300) + f64(0.1), {0.5, -1e300, 0.1}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.marker);
    // Each count marker, and the array nested in an object as XGBoost writes it.
    for (const std::string& count : {"i" + bytes({3}), "U" + bytes({3}), "I" + be(3, 2), "l" + be(3, 4), "L" + be(3, 8)}) {
      Parsed p("{" + key("v") + "[$" + std::string(1, c.marker) + "#" + count + c.payload + key("w") + "Z}");
      Value v, w;
      ASSERT_TRUE(Document::find(p.root(), "v", &v));
      ASSERT_TRUE(Document::find(p.root(), "w", &w));  // the payload was skipped exactly
      EXPECT_EQ(w.tag(), Tag::kNull);
      EXPECT_EQ(v.tag(), Tag::kTypedArray);
      EXPECT_EQ(Document::size(v), 3u);
      EXPECT_EQ(doubles(v), c.want);
      Document::each(v, [&](Value e) {
        EXPECT_EQ(e.tag(), c.integer ? Tag::kInt : Tag::kDouble);
        int64_t i;
        EXPECT_EQ(Document::get_int(e, &i), c.integer);
        std::string_view s;
        EXPECT_FALSE(Document::get_string(e, &s));
        Value dummy;
        EXPECT_FALSE(Document::find(e, "x", &dummy));
        EXPECT_EQ(Document::size(e), 0u);
      });
      if (c.integer) {
        std::vector<int64_t> want_ints;
        for (double d : c.want) want_ints.push_back(static_cast<int64_t>(d));
        EXPECT_EQ(ints(v), want_ints);
      }
    }
    // Empty.
    Parsed e("[$" + std::string(1, c.marker) + "#i" + bytes({0}));
    EXPECT_EQ(Document::size(e.root()), 0u);
    EXPECT_TRUE(doubles(e.root()).empty());
  }
}

TEST(UbjsonReader, TypedArrayPayloadIsAView) {
  Parsed p("[$d#U" + bytes({2}) + f32(1) + f32(2));
  EXPECT_EQ(p.doc.num_nodes(), 1u);  // one node however many elements
}

TEST(UbjsonReader, TypedZeroWidthArrays) {
  Parsed t("[$T#U" + bytes({3}));
  EXPECT_EQ(ints(t.root()), (std::vector<int64_t>{1, 1, 1}));
  Document::each(t.root(), [](Value e) { EXPECT_EQ(e.tag(), Tag::kBool); });
  Parsed f("[$F#U" + bytes({2}));
  EXPECT_EQ(ints(f.root()), (std::vector<int64_t>{0, 0}));
  Parsed z("[$Z#U" + bytes({2}));
  int nulls = 0;
  Document::each(z.root(), [&](Value e) { nulls += e.tag() == Tag::kNull; });
  EXPECT_EQ(nulls, 2);
}

TEST(UbjsonReader, TypedArraysOfOtherTypes) {
  Parsed s("[$S#U" + bytes({2}) + key("ab") + key("c"));
  std::vector<std::string> strs;
  Document::each(s.root(), [&](Value e) { strs.push_back(as_string(e)); });
  EXPECT_EQ(strs, (std::vector<std::string>{"ab", "c"}));
  Parsed c("[$C#U" + bytes({2}) + "xy");
  strs.clear();
  Document::each(c.root(), [&](Value e) { strs.push_back(as_string(e)); });
  EXPECT_EQ(strs, (std::vector<std::string>{"x", "y"}));
  Parsed h("[$H#U" + bytes({2}) + key("1") + key("2.5"));
  EXPECT_EQ(doubles(h.root()), (std::vector<double>{1, 2.5}));
  // Arrays of arrays: each element's '[' is implied.
  Parsed aa("[$[#U" + bytes({2}) + "$U#U" + bytes({2}) + bytes({1, 2}) + "U" + bytes({3}) + "]");
  std::vector<std::vector<int64_t>> rows;
  Document::each(aa.root(), [&](Value e) { rows.push_back(ints(e)); });
  EXPECT_EQ(rows, (std::vector<std::vector<int64_t>>{{1, 2}, {3}}));
  Parsed ao("[${#U" + bytes({1}) + key("k") + "T}");
  std::vector<Value> objs;
  Document::each(ao.root(), [&](Value e) { objs.push_back(e); });
  ASSERT_EQ(objs.size(), 1u);
  Value k;
  ASSERT_TRUE(Document::find(objs[0], "k", &k));
  EXPECT_EQ(as_int(k), 1);
}

TEST(UbjsonReader, TypedObjects) {
  Parsed o("{$d#U" + bytes({2}) + key("x") + f32(1.5f) + key("y") + f32(-2));
  Value x, y;
  ASSERT_TRUE(Document::find(o.root(), "x", &x));
  ASSERT_TRUE(Document::find(o.root(), "y", &y));
  EXPECT_EQ(as_double(x), 1.5);
  EXPECT_EQ(as_double(y), -2.0);
  Parsed z("{$Z#U" + bytes({1}) + key("n"));
  Value n;
  ASSERT_TRUE(Document::find(z.root(), "n", &n));
  EXPECT_EQ(n.tag(), Tag::kNull);
  expect_error("{$N#U" + bytes({1}) + key("n"), "invalid element type 'N'", 2);
}

// --- damaged input -------------------------------------------------------------------------------

TEST(UbjsonReaderErrors, BadMarkers) {
  expect_error("", "empty input", 0);
  expect_error("x", "invalid marker 'x'", 0);
  expect_error(bytes({0xff}), "invalid marker 0xff", 0);
  expect_error("[U" + bytes({1}) + "}", "invalid marker '}'", 3);
  expect_error("{U" + bytes({1}) + "aT]", "expected an integer marker", 5);
  expect_error("{" + key("a") + "]", "invalid marker ']'", 4);
  expect_error("{Sa", "expected an integer marker (i U I l L) for object key", 1);
  expect_error("S" + std::string("d") + f32(1), "expected an integer marker", 1);
  expect_error("C" + bytes({0x80}), "char 0x80 is not in 0x00..0x7f", 1);
  expect_error("[$x#U" + bytes({1}), "invalid element type 'x'", 2);
  expect_error("[$]#U" + bytes({1}), "invalid element type ']'", 2);
  expect_error("[$dU" + bytes({1}), "expected '#'", 3);
  expect_error("[#d" + f32(1), "expected an integer marker", 2);
  expect_error("[#i" + bytes({0xff}), "negative count", 2);
  expect_error("[$U#I" + be(0xffff, 2), "negative count", 4);
  expect_error("Si" + bytes({0xfe}), "negative a string", 1);
  expect_error("U" + bytes({1}) + "U" + bytes({2}), "after the end of the document", 2);
  expect_error("[]]", "after the end of the document", 2);
}

TEST(UbjsonReaderErrors, HugeCounts) {
  // Counts larger than the remaining bytes can hold, for each kind of container.
  expect_error("[$d#L" + be(1ull << 40, 8) + "abcd", "declares 1099511627776 elements", 4);
  expect_error("[$D#U" + bytes({2}) + f64(1), "declares 2 elements", 4);  // 8 of 16 bytes
  expect_error("[$L#L" + be(0x7fffffffffffffffull, 8), "more than the 0 remaining bytes", 4);
  expect_error("[$S#L" + be(1ull << 62, 8) + key("a"), "elements", 4);
  expect_error("[#L" + be(1ull << 50, 8) + "Z", "a container declares", 2);
  expect_error("{#l" + be(1000, 4) + key("a") + "Z", "a container declares", 2);
  expect_error("{$U#l" + be(1000, 4) + key("a") + "U" + bytes({1}), "declares 1000", 4);
  // Zero-width elements need no bytes, but are capped at the input size.
  expect_error("[$Z#L" + be(1ull << 60, 8), "declares 1152921504606846976", 4);
  expect_error("[$T#l" + be(100, 4), "declares 100", 4);
  EXPECT_EQ(Document::size(Parsed("[$T#U" + bytes({6})).root()), 6u);  // 7 bytes: fine
  // Strings and high-precision numbers longer than the input.
  expect_error("SL" + be(1ull << 62, 8) + "abc", "a string of 4611686018427387904 bytes runs past", 1);
  expect_error("{L" + be(100, 8) + "key", "object key of 100 bytes runs past", 1);
  expect_error("HU" + bytes({9}) + "1", "runs past", 1);
}

TEST(UbjsonReaderErrors, DeepNesting) {
  const int max = Document::kMaxDepth;
  Parsed ok(std::string(max, '[') + std::string(max, ']'));
  EXPECT_EQ(ok.doc.num_nodes(), static_cast<size_t>(max));
  expect_error(std::string(max + 1, '[') + std::string(max + 1, ']'), "nested deeper than 128", max);
  expect_error(std::string(100000, '['), "nested deeper than 128", max);
  std::string objs;
  for (int i = 0; i <= max; ++i) objs += "{" + key("a");
  expect_error(objs + "Z", "nested deeper", 4 * max);
  // Implied '[' of typed arrays of arrays count too.
  std::string typed;
  for (int i = 0; i <= max; ++i) typed += "[$[#U" + bytes({1});
  expect_error(typed, "nested deeper", -1);
}

// A small document with every kind of value; every truncation of it fails cleanly with an
// offset inside the input, and so do single-byte corruptions (or they parse).
std::string sample() {
  return "{" + key("s") + str("str") + key("n") + "[Zi" + bytes({0xff}) + "U" + bytes({7}) + "I" + be(300, 2) + "l" +
         be(70000, 4) + "L" + be(1ull << 40, 8) + "d" + f32(0.5f) + "D" + f64(0.25) + "TFCcH" + key("1.5") + "]" +
         key("td") + "[$d#U" + bytes({2}) + f32(1) + f32(2) + key("tl") + "[$l#U" + bytes({2}) + be(1, 4) + be(2, 4) +
         key("tt") + "[$T#U" + bytes({2}) + key("c") + "[#U" + bytes({2}) + "{}" + "[$S#U" + bytes({1}) + key("x") +
         key("o") + "{#U" + bytes({1}) + key("k") + "{$i#U" + bytes({1}) + key("z") + bytes({3}) + "N}N";
}

TEST(UbjsonReaderErrors, EveryTruncationPoint) {
  const std::string good = sample();
  {
    Parsed p(good);
    Value s;
    ASSERT_TRUE(Document::find(p.root(), "s", &s));
    EXPECT_EQ(as_string(s), "str");
  }
  // The trailing 'N' after the final '}' is optional: the one cut that still parses.
  for (size_t cut = 0; cut + 1 < good.size(); ++cut) {
    SCOPED_TRACE(cut);
    std::string truncated = good.substr(0, cut);
    // Copy into an exact-size heap buffer so ASan catches any read past the end.
    std::unique_ptr<char[]> buf(new char[cut ? cut : 1]);
    std::memcpy(buf.get(), truncated.data(), cut);
    Document doc;
    try {
      doc.parse(std::string_view(buf.get(), cut));
      ADD_FAILURE() << "a truncated document parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), PS_ERR_PARSE);
      EXPECT_LE(e.offset(), static_cast<int64_t>(cut)) << e.what();
      EXPECT_GE(e.offset(), 0);
      // The truncation is found as an end of input, or as a length or count that the
      // remaining bytes cannot hold.
      const std::string what = e.what();
      if (cut > 0) {
        EXPECT_TRUE(what.find("unexpected end of input") != std::string::npos ||
                    what.find("runs past the end of the input") != std::string::npos ||
                    what.find("remaining bytes can hold") != std::string::npos)
            << what;
      }
    }
  }
  Document doc;
  doc.parse(good.substr(0, good.size() - 1));
}

TEST(UbjsonReaderErrors, CorruptionsNeverCrash) {
  const std::string good = sample();
  uint64_t state = 99;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (int v = 0; v < 24; ++v) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      std::string bad = good;
      bad[pos] = static_cast<char>(state >> 56);
      std::unique_ptr<char[]> buf(new char[bad.size()]);
      std::memcpy(buf.get(), bad.data(), bad.size());
      Document doc;
      try {
        doc.parse(std::string_view(buf.get(), bad.size()));
        // Whatever parsed must be walkable.
        std::function<void(Value)> walk = [&](Value x) {
          double d;
          int64_t i;
          std::string_view s;
          (void)Document::get_double(x, &d);
          (void)Document::get_int(x, &i);
          (void)Document::get_string(x, &s);
          Document::each(x, walk);
        };
        walk(doc.root());
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), PS_ERR_PARSE);
        EXPECT_LE(e.offset(), static_cast<int64_t>(bad.size()));
      }
    }
  }
}

}  // namespace
