// polyscore: the command-line tool. A client of the public C API like any other.
//
//   polyscore predict MODEL --input ROWS.csv [--output value|margin|leaf|contrib|interactions]
//                           [--shap-algorithm auto|treeshap|quadrature]
//                           [--header | --skip-header]
//                           [--threads N] [--iterations BEGIN:END] [--base-margin OFFSETS.csv]
//                           [--categorical-columns NAME,...]
//                           [--format auto|xgboost-json|xgboost-ubjson|lightgbm-text]
//   polyscore info MODEL
//   polyscore serve --models DIR ...   (runs polyscore-serve, installed beside this binary)
//   polyscore worker ...               (runs polyscore-worker; docs/worker.md)
// The format, output and SHAP algorithm names come from src/wire/abi_names_gen.h, generated from the C header
// (scripts/gen_constants.py), so that every binding spells them the same way.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "category_codes.h"
#include "csv_reader.h"
#include "feature_columns.h"
#include "abi_names.h"
#include "polyscore/polyscore.h"

namespace {

using polyscore::wire::kFormatNames;
using polyscore::wire::kOutputNames;
using polyscore::wire::kShapAlgorithmNames;
using polyscore::wire::name_of;
using polyscore::wire::names_of;
using polyscore::wire::value_of;

std::string usage() {
  return "usage: polyscore predict MODEL --input ROWS.csv [--output " + names_of(kOutputNames, "|") +
         "]\n"
         "                         [--shap-algorithm " + names_of(kShapAlgorithmNames, "|") + "]\n"
         "                         [--header | --skip-header] [--threads N] [--iterations BEGIN:END] [--base-margin OFFSETS.csv]\n"
         "                         [--categorical-columns NAME,...]\n"
         "                         [--format " + names_of(kFormatNames, "|") + "]\n"
         "       polyscore info MODEL [--format ...]\n"
         "       polyscore serve --models DIR [--grpc ADDR] [--http ADDR] [--grpc-unix PATH] ...\n"
         "       polyscore worker --model NAME=PATH ... (scores from NATS JetStream; --help)\n"
         "\n"
         "predict reads comma-separated rows (an empty field, nan, NaN or NA is missing; inf and\n"
         "-inf are numbers; '-' reads standard input) and prints one line per row, values\n"
         "comma-separated, each in the shortest form that reads back as the same double.\n"
         "Fields may be quoted as RFC 4180 (Python's csv, pandas' to_csv): \"a, \"\"b\"\"\" is the\n"
         "text a, \"b\"; a comma or line break inside quotes is the field's. In a column\n"
         "with training categories a quoted field is the category's text (\"NA\" is the\n"
         "category NA, \"8\" the category 8; unquoted, NA is missing and 8 the code 8);\n"
         "elsewhere a quoted number is a number; \"\" is missing everywhere.\n"
         "Without a header, the columns are the model's features in its order. --header: the\n"
         "first line names the columns, matched to the model's feature names (polyscore info)\n"
         "in any order; a missing or unexpected column is an error. A model that names no\n"
         "features takes the columns by position. --skip-header: the first line is skipped\n"
         "and the columns are taken by position. A field that is not a number, in a column\n"
         "with training categories in the model file (XGBoost 3.1+; polyscore info lists\n"
         "them), is a category value, coded as the training library codes it. A LightGBM\n"
         "model's lists do not say which features they code: --categorical-columns names\n"
         "them, the training DataFrame's categorical columns in its order; a value it was not\n"
         "trained with is then missing, as in LightGBM.\n"
         "--shap-algorithm (contrib and interactions only): auto (the default) explains as the\n"
         "library that wrote the file: XGBoost 3.3+ files by QuadratureTreeSHAP, older XGBoost\n"
         "and LightGBM files by exact TreeSHAP. treeshap gives the bits of XGBoost <= 3.2,\n"
         "LightGBM and shap's TreeExplainer; quadrature those of XGBoost 3.3+, which explains\n"
         "every file it loads that way (not for LightGBM models). docs/explain.md.\n";
}

int usage_error(const std::string& message) {
  std::cerr << "polyscore: " << message << "\n\n" << usage();
  return 2;
}

// Owns a ps_error and a ps_model for the length of the program.
struct Session {
  ps_error* err = nullptr;
  ps_model* model = nullptr;
  Session() { ps_error_create(&err); }
  ~Session() {
    ps_model_free(model);
    ps_error_free(err);
  }
  int fail(const std::string& context) const {
    std::cerr << "polyscore: " << context << ps_error_message(err) << "\n";
    return 1;
  }
};

// Shortest text that reads back as the same double.
void append_number(std::string* out, double v) {
  char buf[64];
  if (std::isnan(v)) {
    out->append("nan");
    return;
  }
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, ec == std::errc() ? end : buf);
}

// The model's feature names, one per feature ("" where the file names none). False
// (with the error in s.err) if the library fails.
bool feature_names(Session& s, uint32_t num_features, std::vector<std::string>* names) {
  names->clear();
  std::vector<char> buf(256);
  for (uint32_t i = 0; i < num_features; ++i) {
    size_t len = 0;
    ps_status st = ps_model_feature_name(buf.data(), buf.size(), &len, s.model, i, s.err);
    if (st == PS_ERR_BUFFER_TOO_SMALL) {
      buf.resize(len + 1);
      st = ps_model_feature_name(buf.data(), buf.size(), &len, s.model, i, s.err);
    }
    if (st != PS_OK) return false;
    names->emplace_back(buf.data(), len);
  }
  return true;
}

// "string" for PS_CATEGORY_STRING, ...: the kind a list's values are, as the file holds them.
const char* kind_word(ps_category_kind kind) {
  switch (kind) {
    case PS_CATEGORY_STRING: return "string";
    case PS_CATEGORY_INTEGER: return "integer";
    case PS_CATEGORY_REAL: return "real";
    case PS_CATEGORY_BOOLEAN: return "boolean";
    default: return "unknown-kind";
  }
}

// The training categories the file saved: how many lists, then each list's feature, size
// and first values (the values a category given by its text is coded by). False (with the
// error in s.err) if the library fails.
bool print_categories(Session& s, const std::vector<std::string>& names) {
  uint32_t count = 0;
  int32_t saved = 0;
  if (ps_model_category_list_count(&count, &saved, s.model, s.err) != PS_OK) return false;
  if (!saved) {
    std::cout << "categories:  none saved (category values are given as their codes)\n";
    return true;
  }
  std::cout << "categories:  " << count << (count == 1 ? " list" : " lists") << "\n";
  constexpr uint32_t kShown = 10;
  std::vector<char> buf(256);
  for (uint32_t l = 0; l < count; ++l) {
    int64_t feature = 0;
    uint32_t n = 0;
    if (ps_model_category_list(&feature, &n, s.model, l, s.err) != PS_OK) return false;
    std::cout << "  list " << l << ": ";
    if (feature == PS_CATEGORY_FEATURE_UNKNOWN) {
      std::cout << "feature not saved (LightGBM's pandas_categorical: categorical column " << l + 1
                << " of the training DataFrame)";
    } else {
      const std::string& name = static_cast<size_t>(feature) < names.size() ? names[feature] : std::string();
      std::cout << "feature " << feature << (name.empty() ? "" : " \"" + name + "\"");
    }
    // Every value's kind (what the training frame's categories were), the first values' texts.
    std::vector<ps_category_kind> kinds(n);
    std::vector<std::string> shown;
    for (uint32_t i = 0; i < n; ++i) {
      size_t len = 0;
      ps_status st = ps_model_category(buf.data(), buf.size(), &len, &kinds[i], s.model, l, i, s.err);
      if (st == PS_ERR_BUFFER_TOO_SMALL) {
        buf.resize(len + 1);
        st = ps_model_category(buf.data(), buf.size(), &len, &kinds[i], s.model, l, i, s.err);
      }
      if (st != PS_OK) return false;
      if (i < kShown) shown.emplace_back(buf.data(), len);
    }
    const bool mixed = std::any_of(kinds.begin(), kinds.end(), [&](ps_category_kind k) { return k != kinds[0]; });
    std::cout << ", " << n << " " << (n == 0 ? "" : mixed ? "mixed " : std::string(kind_word(kinds[0])) + " ")
              << (n == 1 ? "value:" : "values:");
    for (size_t i = 0; i < shown.size(); ++i) {
      std::cout << (i ? ", " : " ") << polyscore::feature_columns::quote_some({shown[i]});
      if (mixed) std::cout << " (" << kind_word(kinds[i]) << ")";
    }
    if (n > kShown) std::cout << " and " << n - kShown << " more";
    std::cout << "\n";
  }
  return true;
}

int command_info(Session& s, const std::string& path) {
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, s.model, s.err) != PS_OK) return s.fail("");
  std::cout << "model:       " << path << "\n"
            << "format:      " << name_of(kFormatNames, info.format, "unknown") << "\n"
            << "objective:   " << info.objective << "\n"
            << "booster:     " << info.booster << "\n"
            << "trees:       " << info.num_trees << "\n"
            << "iterations:  " << info.num_iterations << "\n"
            << "features:    " << info.num_features << "\n"
            << "outputs:     " << info.num_outputs << " per row (" << info.num_margins
            << " margins)\n";
  std::vector<std::string> all;
  if (!feature_names(s, info.num_features, &all)) return s.fail("");
  std::string names;
  for (const std::string& name : all) {
    if (!name.empty()) names += (names.empty() ? "" : ",") + name;
  }
  if (!names.empty()) std::cout << "feature names: " << names << "\n";
  std::string categorical;
  for (uint32_t j = 0; j < info.num_features; ++j) {
    int32_t is_categorical = 0;
    if (ps_model_feature_categorical(&is_categorical, s.model, j, s.err) != PS_OK) return s.fail("");
    if (is_categorical) categorical += (categorical.empty() ? "" : ",") + std::to_string(j);
  }
  if (!categorical.empty()) std::cout << "categorical features: " << categorical << " (tested as categories)\n";
  return print_categories(s, all) ? 0 : s.fail("");
}

// What `predict` was asked for beyond the model and the input.
struct PredictArgs {
  int32_t output = PS_OUTPUT_VALUE;
  int32_t shap_algorithm = PS_SHAP_AUTO;  // read by contrib and interactions only
  // --header: by name (by position for a model that names no features); --skip-header.
  polyscore_cli::Header header = polyscore_cli::Header::kNone;
  int threads = 1;
  uint32_t iteration_begin = 0, iteration_end = 0;  // 0:0 = all rounds
  // Per-row margin offsets (ps_predict_options.base_margin): a CSV with one line per
  // input row and one value per margin, no header. Empty: none.
  std::string base_margin;
  // --categorical-columns A,B: the features a LightGBM model's pandas_categorical lists
  // code, in the training DataFrame's order (the file does not say; docs/categories.md).
  std::vector<std::string> categorical_columns;
};

// Reads the --base-margin file: n_rows lines of num_margins offsets. False with a
// message naming the file and the problem.
bool read_base_margin(const std::string& path, size_t n_rows, size_t num_margins, std::vector<double>* offsets,
                      std::string* problem) {
  std::ifstream file(path);
  if (!file) {
    *problem = "cannot open --base-margin '" + path + "': " + std::strerror(errno);
    return false;
  }
  polyscore_cli::CsvRows csv;
  if (!polyscore_cli::read_csv_rows(file, polyscore_cli::Header::kNone, num_margins, &csv, problem)) {
    *problem = "--base-margin '" + path + "' (one value per margin, " + std::to_string(num_margins) +
               " per line): " + *problem;
    return false;
  }
  if (csv.n_rows != n_rows) {
    *problem = "--base-margin '" + path + "' has " + std::to_string(csv.n_rows) + " rows but the input has " +
               std::to_string(n_rows);
    return false;
  }
  *offsets = std::move(csv.values);
  return true;
}

// Parses a non-negative integer that fills the whole string.
template <typename T>
bool parse_count(const std::string& v, T* out) {
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  return ec == std::errc() && end == v.data() + v.size() && *out >= 0;
}

int command_predict(Session& s, const std::string& input, const PredictArgs& args) {
  ps_model_info info = PS_MODEL_INFO_INIT;
  if (ps_model_info_get(&info, s.model, s.err) != PS_OK) return s.fail("");
  polyscore_cli::Header header = args.header;
  std::vector<std::string> names;
  if (header == polyscore_cli::Header::kByName) {
    if (!feature_names(s, info.num_features, &names)) return s.fail("");
    for (const std::string& name : names) {
      if (name.empty()) header = polyscore_cli::Header::kSkip;  // the file names no features
    }
  }
  // A cell that is not a number, or a quoted cell, in a categorical column is a category
  // value: coded by the training categories as the server and the worker code them.
  std::vector<std::string> all_names;
  if (!feature_names(s, info.num_features, &all_names)) return s.fail("");
  // The lists are read at the first such cell (or quoted cell), so that unquoted numeric
  // input pays nothing for them (a model can hold millions of categories).
  std::vector<size_t> lightgbm_columns;
  for (const std::string& column : args.categorical_columns) {
    const auto found = std::find(all_names.begin(), all_names.end(), column);
    if (column.empty() || found == all_names.end()) {
      std::cerr << "polyscore: --categorical-columns names '" << column << "', which is not a feature of the model\n";
      return 1;
    }
    lightgbm_columns.push_back(static_cast<size_t>(found - all_names.begin()));
  }
  std::unique_ptr<polyscore::feature_columns::CategoryCodes> codes;
  auto categories = [&](size_t feature, std::string_view text, bool quoted, double* code, std::string* why) {
    if (!codes) {
      try {
        codes = std::make_unique<polyscore::feature_columns::CategoryCodes>(s.model, info.num_features,
                                                                              lightgbm_columns);
      } catch (const std::exception& e) {
        *why = std::string(lightgbm_columns.empty() ? "" : "--categorical-columns: ") + e.what();
        return false;
      }
    }
    // No list: a quoted field is then read as a number; an unquoted one "is not a number"
    // unless LightGBM's unpaired lists may code it (their message says what to do).
    if (codes->values_of(feature) == nullptr && (quoted || codes->unpaired() == 0)) return false;
    const std::string name = all_names[feature].empty() ? "#" + std::to_string(feature) : all_names[feature];
    *why = codes->code(feature, name, text, code);
    return why->empty();
  };
  auto read = [&](std::istream& in, polyscore_cli::CsvRows* rows, std::string* problem) {
    return header == polyscore_cli::Header::kByName
               ? polyscore_cli::read_csv_rows(in, header, names, rows, problem, categories)
               : polyscore_cli::read_csv_rows(in, header, info.num_features, rows, problem, categories);
  };
  polyscore_cli::CsvRows csv;
  std::string problem;
  bool ok;
  if (input == "-") {
    ok = read(std::cin, &csv, &problem);
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(input, ec)) {
      std::cerr << "polyscore: input '" << input << "' is a directory, not a CSV file\n";
      return 1;
    }
    std::ifstream file(input);
    if (!file) {
      std::cerr << "polyscore: cannot open input '" << input << "': " << std::strerror(errno) << "\n";
      return 1;
    }
    ok = read(file, &csv, &problem);
  }
  if (!ok) {
    std::cerr << "polyscore: " << problem << "\n";
    return 1;
  }
  const size_t n_rows = csv.n_rows;
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  opts.output = args.output;
  opts.shap_algorithm = args.shap_algorithm;
  opts.num_threads = args.threads;
  opts.iteration_begin = args.iteration_begin;
  opts.iteration_end = args.iteration_end;
  std::vector<double> offsets;
  if (!args.base_margin.empty()) {
    if (!read_base_margin(args.base_margin, n_rows, info.num_margins, &offsets, &problem)) {
      std::cerr << "polyscore: " << problem << "\n";
      return 1;
    }
    opts.base_margin = offsets.data();
    opts.base_margin_len = offsets.size();
  }
  size_t size = 0;
  if (ps_model_output_size(&size, s.model, n_rows, &opts, s.err) != PS_OK) return s.fail("");
  std::vector<double> out(size);
  if (ps_model_predict_dense(out.data(), out.size(), s.model, csv.values.data(), PS_DTYPE_FLOAT64, n_rows,
                             info.num_features, &opts, s.err) != PS_OK) {
    return s.fail("");
  }
  const size_t per_row = n_rows ? size / n_rows : 0;
  std::string text;
  for (size_t r = 0; r < n_rows; ++r) {
    for (size_t k = 0; k < per_row; ++k) {
      if (k) text += ',';
      append_number(&text, out[r * per_row + k]);
    }
    text += '\n';
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

// `polyscore serve` and `polyscore worker` run polyscore-serve and polyscore-worker from
// this binary's directory (else from PATH): separate programs, so that the CLI stays small
// and links no gRPC, protobuf, Boost or NATS. `argv` starts at the subcommand's name.
// Returns only if the program cannot be started.
int run_companion(const char* program, const char* cmake_option, char** argv) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string beside = ec ? std::string() : (self.parent_path() / program).string();
  argv[0] = const_cast<char*>(program);
  if (!beside.empty() && ::access(beside.c_str(), X_OK) == 0) ::execv(beside.c_str(), argv);
  ::execvp(program, argv);
  std::cerr << "polyscore: cannot run " << program << " (built with -D" << cmake_option
            << "=ON): " << std::strerror(errno) << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "serve") == 0) {
    return run_companion("polyscore-serve", "POLYSCORE_SERVER", argv + 1);
  }
  if (argc >= 2 && std::strcmp(argv[1], "worker") == 0) {
    return run_companion("polyscore-worker", "POLYSCORE_WORKER", argv + 1);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << usage();
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  if (command == "--version") {
    std::cout << "polyscore " << ps_version_string() << " (ABI " << ps_abi_version() << ")\n";
    return 0;
  }
  if (command != "predict" && command != "info") return usage_error("unknown command '" + command + "'");
  std::string model_path, input;
  int32_t format = PS_FORMAT_AUTO;
  PredictArgs predict;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string v;
    if (a == "--input") {
      if (!value(&input)) return usage_error("--input needs a file");
    } else if (a == "--output") {
      if (!value(&v)) return usage_error("--output needs one of " + names_of(kOutputNames, ", "));
      if (!value_of(kOutputNames, v, &predict.output)) {
        return usage_error("--output must be one of " + names_of(kOutputNames, ", ") + ", not '" + v + "'");
      }
    } else if (a == "--shap-algorithm") {
      if (!value(&v)) return usage_error("--shap-algorithm needs one of " + names_of(kShapAlgorithmNames, ", "));
      if (!value_of(kShapAlgorithmNames, v, &predict.shap_algorithm)) {
        return usage_error("--shap-algorithm must be one of " + names_of(kShapAlgorithmNames, ", ") + ", not '" +
                           v + "'");
      }
    } else if (a == "--header") {
      predict.header = polyscore_cli::Header::kByName;
    } else if (a == "--skip-header") {
      predict.header = polyscore_cli::Header::kSkip;
    } else if (a == "--threads") {
      if (!value(&v)) return usage_error("--threads needs a number");
      if (!parse_count(v, &predict.threads)) {
        return usage_error("--threads must be a non-negative integer, not '" + v + "'");
      }
    } else if (a == "--iterations") {
      const size_t colon = value(&v) ? v.find(':') : std::string::npos;
      if (colon == std::string::npos || !parse_count(v.substr(0, colon), &predict.iteration_begin) ||
          !parse_count(v.substr(colon + 1), &predict.iteration_end)) {
        return usage_error("--iterations needs BEGIN:END, boosting rounds [BEGIN, END) (END 0 = all)");
      }
    } else if (a == "--base-margin") {
      if (!value(&predict.base_margin)) return usage_error("--base-margin needs a CSV file of per-row offsets");
    } else if (a == "--categorical-columns") {
      if (!value(&v) || v.empty()) return usage_error("--categorical-columns needs feature names, comma-separated");
      for (size_t start = 0;;) {
        const size_t comma = v.find(',', start);
        predict.categorical_columns.push_back(v.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--format") {
      if (!value(&v) || !value_of(kFormatNames, v, &format)) {
        return usage_error("--format must be one of " + names_of(kFormatNames, ", "));
      }
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      return usage_error("unknown option '" + a + "'");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (model_path.empty()) return usage_error("missing MODEL");
  if (command == "predict" && input.empty()) return usage_error("predict needs --input ROWS.csv");

  Session s;
  ps_load_options load = PS_LOAD_OPTIONS_INIT;
  load.format = format;
  if (ps_model_load_file(&s.model, model_path.c_str(), &load, s.err) != PS_OK) return s.fail("");
  return command == "info" ? command_info(s, model_path)
                           : command_predict(s, input, predict);
}
