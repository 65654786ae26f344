// A one-pass UBJSON reader (Draft 12, with the optimized "$type #count" containers) that
// builds a compact, flat node table over the input bytes instead of a DOM:
//
// * every value is one 40-byte Node in one vector, in document order; a container's
//   children follow it, and each node records the size of its subtree, so siblings are
//   reached by skipping (no pointers, no per-container allocation);
// * strings and object keys are views into the input (zero copy);
// * optimized numeric arrays "[$<d|D|i|U|I|l|L>#<count>" (what XGBoost writes for its tree
//   arrays), and "[$<Z|T|F>#<count>", are one node each: the element type, the count and a
//   view of the raw big-endian payload, decoded only when read (Document::each / get_*).
//
// Everything is bounds-checked. A truncated or corrupt input throws polyscore::Error
// (PS_ERR_PARSE) whose message names what broke and whose offset() is the byte offset.
// A count is accepted only if the remaining input can hold that many elements (each
// element of a numeric typed array takes its width, any other element at least one byte;
// elements of "$Z"/"$T"/"$F" arrays take none and are capped at the input size), so a
// corrupt count never makes the reader (or a consumer reserving size()) allocate.
// Nesting deeper than kMaxDepth containers is refused.
//
// Semantics follow nlohmann::json's UBJSON reader, which this replaces: 'N' (no-op) is
// skipped where a value, a count or (between entries) a key may start; 'C' is a
// one-character string (0x00..0x7F); 'H' is a number given as JSON number text; "[$N#n"
// is an empty array; a repeated object key: the last one wins (find()); after the
// top-level value only no-ops may follow.
//
// The input bytes must outlive the Document and every Value taken from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace polyscore {
namespace ubjson {

enum class Tag : uint8_t {
  kNull,
  kBool,
  kInt,     // int64 (every UBJSON integer marker)
  kUint,    // uint64 above INT64_MAX (only from an 'H' number)
  kDouble,  // 'd', 'D', or a non-integer 'H' number
  kString,  // 'S' or 'C'; a view into the input
  kArray,
  kObject,
  kTypedArray,  // a lazily decoded optimized array of numbers / Z / T / F
};

struct Node {
  Tag tag;
  uint8_t elem;       // kTypedArray: the element marker (d D i U I l L Z T F)
  uint32_t key_len;   // object members: the key
  const char* key;
  union {
    int64_t i;         // kInt, kBool (0/1)
    uint64_t u;        // kUint
    double d;          // kDouble
    const char* data;  // kString: the text; kTypedArray: the first element's bytes
  };
  uint64_t n;         // kString: length; kArray/kObject: children; kTypedArray: elements
  uint64_t subtree;   // nodes in this node's subtree, itself included (next sibling = this + subtree)
};

// Width in bytes of one element of a numeric typed array (0 for Z/T/F).
inline size_t element_width(uint8_t marker) {
  switch (marker) {
    case 'i': case 'U': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': case 'D': return 8;
    default: return 0;
  }
}

// A handle to one value: a node, or one element of a typed array. 16 bytes, so it is
// passed in two registers (a 24-byte handle went through the stack, per element).
struct Value {
  const void* ptr = nullptr;  // marker == 0: a Node; else the element's bytes
  uint64_t marker = 0;        // typed element: its marker (d D i U I l L Z T F)

  const Node* node() const { return marker == 0 ? static_cast<const Node*>(ptr) : nullptr; }
  const char* elem() const { return static_cast<const char*>(ptr); }
  static Value of(const Node* n) { return Value{n, 0}; }

  Tag tag() const {
    if (marker == 0) return ptr ? static_cast<const Node*>(ptr)->tag : Tag::kNull;
    switch (marker) {
      case 'd': case 'D': return Tag::kDouble;
      case 'T': case 'F': return Tag::kBool;
      case 'Z': return Tag::kNull;
      default: return Tag::kInt;
    }
  }
};

namespace detail {
inline uint16_t be16(const char* p) { uint16_t v; std::memcpy(&v, p, 2); return __builtin_bswap16(v); }
inline uint32_t be32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return __builtin_bswap32(v); }
inline uint64_t be64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return __builtin_bswap64(v); }

// Decodes one integer of marker i U I l L at p (bounds already checked).
inline int64_t decode_int(uint8_t marker, const char* p) {
  switch (marker) {
    case 'i': return static_cast<int8_t>(*p);
    case 'U': return static_cast<uint8_t>(*p);
    case 'I': return static_cast<int16_t>(be16(p));
    case 'l': return static_cast<int32_t>(be32(p));
    default: return static_cast<int64_t>(be64(p));  // 'L'
  }
}
inline double decode_float(uint8_t marker, const char* p) {
  if (marker == 'd') {
    uint32_t b = be32(p);
    float f;
    std::memcpy(&f, &b, 4);
    return static_cast<double>(f);
  }
  uint64_t b = be64(p);
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
}  // namespace detail

class Document {
 public:
  static constexpr int kMaxDepth = 128;

  // Parses bytes (which must outlive the Document). Throws polyscore::Error(PS_ERR_PARSE)
  // with a message "<what> at byte <offset>" and offset() set.
  void parse(std::string_view bytes);

  Value root() const { return Value::of(nodes_.data()); }
  size_t num_nodes() const { return nodes_.size(); }

  // ---- reading values (all O(1) but find, which scans the object's keys) ----------------
  static size_t size(Value v) {
    const Node* node = v.node();
    if (!node) return 0;
    const Tag t = node->tag;
    return (t == Tag::kArray || t == Tag::kTypedArray || t == Tag::kObject) ? static_cast<size_t>(node->n) : 0;
  }

  // Object member by key; the last of repeated keys wins. False if v is not an object.
  static bool find(Value v, std::string_view key, Value* out) {
    const Node* node = v.node();
    if (!node || node->tag != Tag::kObject) return false;
    const Node* c = node + 1;
    const Node* found = nullptr;
    for (uint64_t i = 0; i < node->n; ++i, c += c->subtree) {
      if (c->key_len == key.size() && std::memcmp(c->key, key.data(), key.size()) == 0) found = c;
    }
    if (!found) return false;
    *out = Value::of(found);
    return true;
  }

  // Calls f(Value) for each element of an array (typed or not), or each member value of
  // an object, in order. Nothing for scalars.
  template <class F>
  static void each(Value v, F&& f) {
    const Node* node = v.node();
    if (!node) return;
    if (node->tag == Tag::kArray || node->tag == Tag::kObject) {
      const Node* c = node + 1;
      for (uint64_t i = 0; i < node->n; ++i, c += c->subtree) f(Value::of(c));
    } else if (node->tag == Tag::kTypedArray) {
      const size_t w = element_width(node->elem);
      const char* p = node->data;
      for (uint64_t i = 0; i < node->n; ++i, p += w) f(Value{p, node->elem});
    }
  }

  static bool get_string(Value v, std::string_view* out) {
    const Node* node = v.node();
    if (!node || node->tag != Tag::kString) return false;
    *out = std::string_view(node->data, static_cast<size_t>(node->n));
    return true;
  }
  // Any number (not a bool).
  static bool get_double(Value v, double* out) {
    if (v.marker != 0) {
      const uint8_t m = static_cast<uint8_t>(v.marker);
      switch (m) {
        case 'd': case 'D': *out = detail::decode_float(m, v.elem()); return true;
        case 'i': case 'U': case 'I': case 'l': case 'L':
          *out = static_cast<double>(detail::decode_int(m, v.elem()));
          return true;
        default: return false;
      }
    }
    const Node* node = v.node();
    if (!node) return false;
    switch (node->tag) {
      case Tag::kDouble: *out = node->d; return true;
      case Tag::kInt: *out = static_cast<double>(node->i); return true;
      case Tag::kUint: *out = static_cast<double>(node->u); return true;
      default: return false;
    }
  }
  // An integer that fits int64, or a bool as 0/1.
  static bool get_int(Value v, int64_t* out) {
    if (v.marker != 0) {
      const uint8_t m = static_cast<uint8_t>(v.marker);
      switch (m) {
        case 'i': case 'U': case 'I': case 'l': case 'L': *out = detail::decode_int(m, v.elem()); return true;
        case 'T': *out = 1; return true;
        case 'F': *out = 0; return true;
        default: return false;
      }
    }
    const Node* node = v.node();
    if (!node) return false;
    switch (node->tag) {
      case Tag::kInt: case Tag::kBool: *out = node->i; return true;
      default: return false;
    }
  }

 private:
  std::vector<Node> nodes_;
};

}  // namespace ubjson
}  // namespace polyscore
