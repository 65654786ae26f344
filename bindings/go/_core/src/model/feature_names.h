// The feature names a model file gives, stored compactly: a model over a million hashed
// features may name every one of them, and LightGBM names an unnamed feature
// "Column_<its index>", so those cost nothing here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace polyscore {

class FeatureNames {
 public:
  void add(std::string_view name) {
    if (numbered_) {
      if (name == numbered_name(count_)) {
        ++count_;
        return;
      }
      numbered_ = false;
      for (size_t i = 0; i < count_; ++i) append(numbered_name(i));
    }
    append(name);
    ++count_;
  }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string operator[](size_t i) const {
    if (numbered_) return numbered_name(i);
    const size_t begin = i == 0 ? 0 : ends_[i - 1];
    return chars_.substr(begin, ends_[i] - begin);
  }
  // Bytes stored for the names (the characters and where each name ends).
  size_t stored_bytes() const { return chars_.size() + ends_.size() * sizeof(size_t); }
  // Gives back what appending reserved beyond the names (the loader calls it once, at the end).
  void shrink_to_fit() {
    chars_.shrink_to_fit();
    ends_.shrink_to_fit();
  }
  std::vector<std::string> to_vector() const {
    std::vector<std::string> names;
    for (size_t i = 0; i < count_; ++i) names.push_back((*this)[i]);
    return names;
  }

 private:
  static std::string numbered_name(size_t i) { return "Column_" + std::to_string(i); }
  void append(std::string_view name) {
    chars_.append(name);
    ends_.push_back(chars_.size());
  }

  size_t count_ = 0;
  bool numbered_ = true;     // every name so far is Column_<index>: nothing else is stored
  std::string chars_;        // otherwise the names one after another,
  std::vector<size_t> ends_; // name i ending at ends_[i]
};

}  // namespace polyscore
