// ps_bench: polyscore's side of bench/run.sh, through the public C API only.
//
// Two modes:
//   ps_bench serve          read commands from stdin, one per line, answer each with one
//                           JSON line on stdout (bench.py drives it, so that polyscore and
//                           the peers are measured interleaved in the same run);
//   ps_bench rss MODEL      in a fresh process: print the RSS before and after loading MODEL.
//   ps_bench memory MODEL ROWS.npy N
//                           in a fresh process: RSS growth after loading MODEL, after the
//                           first ps_model_predict_dense of N rows (1 thread), and after
//                           malloc_trim(0) then; no trimming before those readings, so they
//                           are what a caller's process holds (bench/memory.py).
//
// Commands of `serve` (ids are small integers chosen by the caller):
//   data ID PATH.npy                    load a C-order <f4/<f8 2-D .npy matrix
//   model ID PATH                       ps_model_load_file
//   batch MODEL DATA N THREADS MIN_MS   one sample: ps_model_predict_dense on N rows
//                                       (rolling offset through DATA), repeated until
//                                       MIN_MS elapsed; answers wall and CPU ns per call
//   row MODEL DATA CALLS [hot]          ps_model_predict_row CALLS times (rows rolling),
//                                       each timed; answers p50/p90/p99/mean/min ns.
//                                       hot: each row is read before its timed call, as
//                                       a service's row (just parsed) would be in cache;
//                                       otherwise a row of a large DATA is a cache miss
//   load PATH REPS                      REPS times ps_model_load_file+free; answers each ms
//   predict MODEL DATA N OUT.bin        writes N outputs (doubles) of the first N rows
//   rowpredict MODEL DATA N OUT.bin     same through ps_model_predict_row (float64 data)
//   quit
#include <malloc.h>
#include <polyscore/polyscore.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// CPU time of the whole process (all its threads), ns: robust to waiting for a core on
// a shared machine, unlike wall time.
double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

[[noreturn]] void die(const std::string& msg) {
  std::printf("{\"error\": \"%s\"}\n", msg.c_str());
  std::fflush(stdout);
  std::exit(1);
}

struct Matrix {
  int32_t dtype = 0;  // PS_DTYPE_*
  size_t rows = 0, cols = 0;
  std::vector<char> bytes;
  size_t elem() const { return dtype == PS_DTYPE_FLOAT32 ? 4 : 8; }
  const void* row(size_t i) const { return bytes.data() + i * cols * elem(); }
};

// Minimal .npy reader: version 1/2/3 header, C order, little-endian float32/float64.
Matrix read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) die("cannot open " + path);
  char magic[8];
  f.read(magic, 8);
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) die("not a .npy file: " + path);
  uint32_t hlen = 0;
  if (magic[6] == 1) {
    uint16_t h16;
    f.read(reinterpret_cast<char*>(&h16), 2);
    hlen = h16;
  } else {
    f.read(reinterpret_cast<char*>(&hlen), 4);
  }
  std::string header(hlen, '\0');
  f.read(&header[0], hlen);
  Matrix m;
  if (header.find("'<f8'") != std::string::npos) m.dtype = PS_DTYPE_FLOAT64;
  else if (header.find("'<f4'") != std::string::npos) m.dtype = PS_DTYPE_FLOAT32;
  else die("dtype must be <f4 or <f8: " + path);
  if (header.find("'fortran_order': False") == std::string::npos) die("need C order: " + path);
  const size_t p = header.find("'shape': (");
  if (p == std::string::npos) die("no shape: " + path);
  if (std::sscanf(header.c_str() + p + 10, "%zu, %zu", &m.rows, &m.cols) != 2) die("bad shape");
  m.bytes.resize(m.rows * m.cols * m.elem());
  f.read(m.bytes.data(), static_cast<std::streamsize>(m.bytes.size()));
  if (!f) die("truncated: " + path);
  return m;
}

void check(ps_status s, ps_error* err, const char* what) {
  if (s != PS_OK) die(std::string(what) + ": " + ps_status_name(s) + " " + ps_error_message(err));
}

// A field of /proc/self/status in KiB (VmRSS: all resident pages; RssFile: those of
// mapped files, e.g. the library's code as it is first run).
double status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') return std::atof(line.c_str() + n + 1);
  }
  return -1;
}
double vm_rss_kib() { return status_kib("VmRSS"); }

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5));
  return v[i];
}

// RSS deltas of loading MODEL once, then once more (the second is the steady per-model
// cost, without one-time costs or parser memory the allocator keeps).
int rss_mode(const char* path) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  (void)ps_version_string();  // the library is mapped; only the model is in the delta
  malloc_trim(0);
  const double before = vm_rss_kib();
  ps_model* model = nullptr;
  check(ps_model_load_file(&model, path, nullptr, err), err, "load");
  malloc_trim(0);  // give freed parser memory back, so the delta is what the model keeps
  const double after = vm_rss_kib();
  ps_model* model2 = nullptr;
  check(ps_model_load_file(&model2, path, nullptr, err), err, "load");
  malloc_trim(0);
  const double after2 = vm_rss_kib();
  std::printf("{\"rss_before_kib\": %.0f, \"rss_delta_kib\": %.0f, \"rss_second_delta_kib\": %.0f}\n",
              before, after - before, after2 - after);
  ps_model_free(model2);
  ps_model_free(model);
  ps_error_free(err);
  return 0;
}

// RSS growth of one model as a caller sees it: the rows and the output are read and
// touched before the first reading, so only the library's own memory is counted.
int memory_mode(const char* path, const char* rows_path, size_t n) {
  ps_error* err = nullptr;
  ps_error_create(&err);
  (void)ps_version_string();
  const Matrix rows = read_npy(rows_path);
  if (n > rows.rows) die("fewer rows than asked for in " + std::string(rows_path));
  std::vector<double> out;
  malloc_trim(0);  // the harness's own garbage (the .npy reader) out of the baseline
  const double before = vm_rss_kib(), before_file = status_kib("RssFile");
  ps_model* model = nullptr;
  check(ps_model_load_file(&model, path, nullptr, err), err, "load");
  const double loaded = vm_rss_kib(), loaded_file = status_kib("RssFile");
  ps_model_info info = PS_MODEL_INFO_INIT;
  check(ps_model_info_get(&info, model, err), err, "info");
  if (info.num_features != rows.cols) die("the rows have another feature count than the model");
  out.assign(n * (info.num_outputs ? info.num_outputs : 1), 0.0);  // touched: outside the delta
  const double outside = vm_rss_kib() - loaded;
  ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
  check(ps_model_predict_dense(out.data(), out.size(), model, rows.bytes.data(), static_cast<ps_dtype>(rows.dtype),
                               n, rows.cols, &opts, err),
        err, "predict");
  const double predicted = vm_rss_kib() - outside;
  malloc_trim(0);
  const double trimmed = vm_rss_kib() - outside;
  std::printf("{\"load_kib\": %.0f, \"predict_kib\": %.0f, \"trimmed_kib\": %.0f, \"load_file_kib\": %.0f, "
              "\"first\": %.17g}\n",
              loaded - before, predicted - before, trimmed - before, loaded_file - before_file, out[0]);
  ps_model_free(model);
  ps_error_free(err);
  return 0;
}

int serve() {
  ps_error* err = nullptr;
  ps_error_create(&err);
  check(ps_abi_check(PS_ABI_VERSION, err), err, "abi");
  std::map<int, Matrix> data;
  std::map<int, ps_model*> models;
  std::map<int, uint32_t> nfeat;
  std::map<int, uint32_t> nout;  // values per row (k classes for a multiclass model)
  std::vector<double> out;
  std::string line;
  std::printf("{\"ready\": true, \"version\": \"%s\"}\n", ps_version_string());
  std::fflush(stdout);
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "quit") break;
    if (cmd == "data") {
      int id;
      std::string path;
      in >> id >> path;
      data[id] = read_npy(path);
      std::printf("{\"rows\": %zu, \"cols\": %zu}\n", data[id].rows, data[id].cols);
    } else if (cmd == "model") {
      int id;
      std::string path;
      in >> id >> path;
      ps_model* m = nullptr;
      check(ps_model_load_file(&m, path.c_str(), nullptr, err), err, "load");
      ps_model_info info = PS_MODEL_INFO_INIT;
      check(ps_model_info_get(&info, m, err), err, "info");
      models[id] = m;
      nfeat[id] = info.num_features;
      nout[id] = info.num_outputs ? info.num_outputs : 1;
      std::printf("{\"num_trees\": %u, \"num_features\": %u, \"num_outputs\": %u, "
                  "\"objective\": \"%s\"}\n",
                  info.num_trees, info.num_features, nout[id], info.objective);
    } else if (cmd == "batch") {
      int mid, did;
      size_t n;
      int threads;
      double min_ms;
      in >> mid >> did >> n >> threads >> min_ms;
      const Matrix& x = data.at(did);
      ps_model* m = models.at(mid);
      ps_predict_options opts = PS_PREDICT_OPTIONS_INIT;
      opts.num_threads = threads;
      out.assign(n * nout.at(mid), 0.0);
      const size_t span = x.rows - n;  // rolling offsets so small batches are not all one row
      size_t calls = 0, off = 0;
      const double c0 = cpu_ns();
      const auto t0 = Clock::now();
      double elapsed = 0;
      do {
        check(ps_model_predict_dense(out.data(), out.size(), m, x.row(off), x.dtype, n, x.cols,
                                     &opts, err),
              err, "predict_dense");
        ++calls;
        off = span == 0 ? 0 : (off + n * 7919) % span;
        elapsed = ns_since(t0);
      } while (elapsed < min_ms * 1e6);
      const double cpu = cpu_ns() - c0;
      std::printf("{\"ns_per_call\": %.3f, \"cpu_ns_per_call\": %.3f, \"calls\": %zu, "
                  "\"checksum\": %.9g}\n",
                  elapsed / calls, cpu / calls, calls, out[0]);
    } else if (cmd == "row") {
      int mid, did;
      size_t calls;
      std::string mode;
      in >> mid >> did >> calls >> mode;
      if (!mode.empty() && mode != "hot") die("row: the fourth word is hot or nothing, not " + mode);
      const bool hot = mode == "hot";
      const Matrix& x = data.at(did);
      if (x.dtype != PS_DTYPE_FLOAT64) die("row needs float64 data");
      ps_model* m = models.at(mid);
      const size_t k = nout.at(mid);
      std::vector<double> yv(k);
      double* yp = yv.data();
      std::vector<double> lat(calls);
      for (size_t w = 0; w < std::min<size_t>(calls, 1000); ++w) {  // warm-up
        check(ps_model_predict_row(yp, k, m, static_cast<const double*>(x.row(w % x.rows)),
                                   x.cols, nullptr, err),
              err, "predict_row");
      }
      double sum = 0;
      for (size_t i = 0; i < calls; ++i) {
        const double* r = static_cast<const double*>(x.row((i * 7919) % x.rows));
        if (hot) {
          volatile double read = 0;
          for (size_t j = 0; j < x.cols; ++j) read = read + r[j];
        }
        const auto t0 = Clock::now();
        const ps_status s = ps_model_predict_row(yp, k, m, r, x.cols, nullptr, err);
        lat[i] = ns_since(t0);
        if (s != PS_OK) check(s, err, "predict_row");
        sum += lat[i];
      }
      std::printf("{\"p50_ns\": %.1f, \"p90_ns\": %.1f, \"p99_ns\": %.1f, \"mean_ns\": %.1f, \"min_ns\": %.1f}\n",
                  percentile(lat, 0.50), percentile(lat, 0.90), percentile(lat, 0.99), sum / calls,
                  percentile(lat, 0.0));
    } else if (cmd == "load") {
      std::string path;
      int reps;
      in >> path >> reps;
      std::string times = "[";
      for (int i = 0; i < reps; ++i) {
        ps_model* m = nullptr;
        const auto t0 = Clock::now();
        check(ps_model_load_file(&m, path.c_str(), nullptr, err), err, "load");
        const double ms = ns_since(t0) / 1e6;
        ps_model_free(m);
        times += (i ? ", " : "") + std::to_string(ms);
      }
      std::printf("{\"load_ms\": %s]}\n", times.c_str());
    } else if (cmd == "predict" || cmd == "rowpredict") {
      int mid, did;
      size_t n;
      std::string path;
      in >> mid >> did >> n >> path;
      const Matrix& x = data.at(did);
      ps_model* m = models.at(mid);
      const size_t k = nout.at(mid);
      out.assign(n * k, 0.0);
      if (cmd == "predict") {
        check(ps_model_predict_dense(out.data(), n * k, m, x.row(0), x.dtype, n, x.cols, nullptr,
                                     err),
              err, "predict_dense");
      } else {
        if (x.dtype != PS_DTYPE_FLOAT64) die("rowpredict needs float64 data");
        for (size_t i = 0; i < n; ++i) {
          check(ps_model_predict_row(&out[i * k], k, m, static_cast<const double*>(x.row(i)),
                                     x.cols, nullptr, err),
                err, "predict_row");
        }
      }
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out.data()),
              static_cast<std::streamsize>(n * k * sizeof(double)));
      std::printf("{\"written\": %zu}\n", n);
    } else {
      die("unknown command: " + cmd);
    }
    std::fflush(stdout);
  }
  for (auto& kv : models) ps_model_free(kv.second);
  ps_error_free(err);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "serve") == 0) return serve();
  if (argc >= 3 && std::strcmp(argv[1], "rss") == 0) return rss_mode(argv[2]);
  if (argc >= 5 && std::strcmp(argv[1], "memory") == 0) {
    return memory_mode(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10));
  }
  std::fprintf(stderr, "usage: ps_bench serve | ps_bench rss MODEL\n");
  return 2;
}
