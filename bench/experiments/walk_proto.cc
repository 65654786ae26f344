// walk_proto: evidence for predictor optimisations, NOT part of the benchmark.
// Built only with -DPOLYSCORE_BENCH_EXPERIMENTS=ON. Unlike ps_bench it links the internal
// core (polyscore_core) to reuse the loader and compare against predict_dense directly.
//
// It rebuilds the forest as 16-byte nodes {double threshold; uint32 left; uint32 feature |
// default_left<<31}, leaves turned into self-loops (threshold +inf, default left), and walks
// G rows of a block through a tree in lockstep for max_depth steps with no data-dependent
// branch: left = (x <= thr) | (isnan(x) & default_left); idx = left_child + !left.
// It checks that its margins equal predict_dense's bit for bit, and times, 1 thread:
//   core       polyscore's predict_dense (margin output)
//   compact/G  the layout above, G rows in lockstep (G = 1, 4, 8, 16)
//
//   walk_proto MODEL X64.npy [ROWS] [REPS]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "loaders/loaders.h"
#include "predict/prepared_model.h"
#include "predict/predictor.h"

using namespace polyscore;

namespace {

double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

std::vector<double> read_npy64(const std::string& path, size_t* rows, size_t* cols) {
  std::ifstream f(path, std::ios::binary);
  char magic[10];
  f.read(magic, 10);
  uint16_t hlen;
  std::memcpy(&hlen, magic + 8, 2);
  std::string h(hlen, '\0');
  f.read(&h[0], hlen);
  std::sscanf(h.c_str() + h.find("'shape': (") + 10, "%zu, %zu", rows, cols);
  std::vector<double> v(*rows * *cols);
  f.read(reinterpret_cast<char*>(v.data()), v.size() * 8);
  return v;
}

struct PNode {
  double thr;
  uint32_t left;     // absolute index of the left child; right = left + 1; leaf: itself
  uint32_t feature;  // bit 31: missing goes left
};

struct Proto {
  std::vector<PNode> nodes;
  std::vector<double> leaf;  // per node (leaves only)
  std::vector<uint32_t> root, depth;
  bool f32 = false;
};

uint32_t depth_of(const Node* n, uint32_t i) {
  if (n[i].flags & kLeaf) return 0;
  return 1 + std::max(depth_of(n, n[i].child_or_leaf), depth_of(n, n[i].child_or_leaf + 1));
}

Proto build(const Forest& f) {
  Proto p;
  p.f32 = f.arithmetic.float32;
  for (const Tree& t : f.trees) {
    const Node* n = f.nodes.data() + t.node_begin;
    const uint32_t base = static_cast<uint32_t>(p.nodes.size());
    p.root.push_back(base);
    p.depth.push_back(depth_of(n, 0));
    for (uint32_t i = 0; i < t.num_nodes; ++i) {
      PNode q{};
      if (n[i].flags & kLeaf) {
        q.thr = std::numeric_limits<double>::infinity();
        q.left = base + i;
        q.feature = 0x80000000u;
        p.leaf.push_back(t.weight * f.leaf_values[n[i].child_or_leaf]);
      } else {
        const uint8_t ok = kDefaultLeft | kNanIsMissing;
        if ((n[i].flags & ~ok) || !(n[i].flags & kNanIsMissing)) {
          std::fprintf(stderr, "node flags 0x%x not covered by the prototype\n", n[i].flags);
          std::exit(2);
        }
        q.thr = n[i].threshold;
        q.left = base + n[i].child_or_leaf;
        q.feature = n[i].feature | ((n[i].flags & kDefaultLeft) ? 0x80000000u : 0u);
        p.leaf.push_back(0.0);
      }
      p.nodes.push_back(q);
    }
  }
  return p;
}

constexpr double kZero = static_cast<double>(1e-35f);

template <int G, typename Acc>
void proto_predict(const Proto& p, const Forest& f, const double* X, size_t n_rows, size_t nf,
                   double* out) {
  constexpr size_t kBlock = 64;
  std::vector<double> x(kBlock * nf);
  Acc m[kBlock];
  for (size_t first = 0; first < n_rows; first += kBlock) {
    const size_t n = std::min(kBlock, n_rows - first);
    const double* src = X + first * nf;
    for (size_t i = 0; i < n * nf; ++i) {
      const double v = src[i];
      x[i] = p.f32 ? double(float(v)) : (std::fabs(v) <= kZero ? 0.0 : v);
    }
    for (size_t r = 0; r < n; ++r) m[r] = Acc(f.base_margin.empty() ? 0.0 : f.base_margin[0]);
    const PNode* nodes = p.nodes.data();
    for (size_t t = 0; t < p.root.size(); ++t) {
      const uint32_t root = p.root[t], depth = p.depth[t];
      size_t r = 0;
      for (; r + G <= n; r += G) {
        uint32_t idx[G];
        for (int k = 0; k < G; ++k) idx[k] = root;
        for (uint32_t d = 0; d < depth; ++d) {
          for (int k = 0; k < G; ++k) {
            const PNode& q = nodes[idx[k]];
            const double v = x[(r + k) * nf + (q.feature & 0x7fffffffu)];
            const bool left = (v <= q.thr) | (std::isnan(v) & (q.feature >> 31));
            idx[k] = q.left + (left ? 0u : 1u);
          }
        }
        for (int k = 0; k < G; ++k) m[r + k] += static_cast<Acc>(p.leaf[idx[k]]);
      }
      for (; r < n; ++r) {
        uint32_t i = root;
        for (uint32_t d = 0; d < depth; ++d) {
          const PNode& q = nodes[i];
          const double v = x[r * nf + (q.feature & 0x7fffffffu)];
          const bool left = (v <= q.thr) | (std::isnan(v) & (q.feature >> 31));
          i = q.left + (left ? 0u : 1u);
        }
        m[r] += static_cast<Acc>(p.leaf[i]);
      }
    }
    for (size_t r = 0; r < n; ++r) out[first + r] = m[r];
  }
}

// Single row: G trees of one row walked in lockstep; leaves added in tree order.
template <int G, typename Acc>
double proto_row(const Proto& p, const Forest& f, const double* raw, size_t nf, double* x) {
  for (size_t i = 0; i < nf; ++i) {
    const double v = raw[i];
    x[i] = p.f32 ? double(float(v)) : (std::fabs(v) <= kZero ? 0.0 : v);
  }
  Acc m = Acc(f.base_margin.empty() ? 0.0 : f.base_margin[0]);
  const PNode* nodes = p.nodes.data();
  const size_t T = p.root.size();
  size_t t = 0;
  for (; t + G <= T; t += G) {
    uint32_t idx[G];
    uint32_t depth = 0;
    for (int k = 0; k < G; ++k) {
      idx[k] = p.root[t + k];
      depth = std::max(depth, p.depth[t + k]);
    }
    for (uint32_t d = 0; d < depth; ++d) {
      for (int k = 0; k < G; ++k) {
        const PNode& q = nodes[idx[k]];
        const double v = x[q.feature & 0x7fffffffu];
        const bool left = (v <= q.thr) | (std::isnan(v) & (q.feature >> 31));
        idx[k] = q.left + (left ? 0u : 1u);
      }
    }
    for (int k = 0; k < G; ++k) m += static_cast<Acc>(p.leaf[idx[k]]);
  }
  for (; t < T; ++t) {
    uint32_t i = p.root[t];
    for (uint32_t d = 0; d < p.depth[t]; ++d) {
      const PNode& q = nodes[i];
      const double v = x[q.feature & 0x7fffffffu];
      const bool left = (v <= q.thr) | (std::isnan(v) & (q.feature >> 31));
      i = q.left + (left ? 0u : 1u);
    }
    m += static_cast<Acc>(p.leaf[i]);
  }
  return m;
}

template <int G>
double run_row(const Proto& p, const Forest& f, const double* raw, size_t nf, double* x) {
  return p.f32 ? proto_row<G, float>(p, f, raw, nf, x) : proto_row<G, double>(p, f, raw, nf, x);
}

template <int G>
void run_proto(const Proto& p, const Forest& f, const double* X, size_t n, size_t nf, double* out) {
  if (p.f32) proto_predict<G, float>(p, f, X, n, nf, out);
  else proto_predict<G, double>(p, f, X, n, nf, out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: walk_proto MODEL X64.npy [ROWS] [REPS]\n");
    return 2;
  }
  std::ifstream mf(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << mf.rdbuf();
  const std::string bytes = ss.str();
  const Forest forest = load_model(bytes, 0);
  const PreparedModel prepared = prepare_model(forest);  // what predict_dense and predict_row walk
  size_t rows, cols;
  std::vector<double> X = read_npy64(argv[2], &rows, &cols);
  const size_t n = std::min<size_t>(argc > 3 ? std::stoul(argv[3]) : 10000, rows);
  const int reps = argc > 4 ? std::atoi(argv[4]) : 5;
  if (forest.num_margin_outputs != 1 || forest.leaf_size != 1) {
    std::fprintf(stderr, "prototype covers single-output models only\n");
    return 2;
  }
  PredictRequest req;
  req.kind = OutputKind::kMargin;
  const PredictPlan plan = plan_prediction(forest, req);
  const Proto proto = build(forest);
  uint32_t maxd = 0;
  double meand = 0;
  for (uint32_t d : proto.depth) { maxd = std::max(maxd, d); meand += d; }
  std::printf("model %s: %zu trees, %zu nodes, max depth %u, mean depth %.2f, %zu rows, 1 thread, "
              "CPU ns/tree/row (median, min-max of %d)\n",
              argv[1], forest.trees.size(), forest.nodes.size(), maxd, meand / proto.depth.size(),
              n, reps);

  std::vector<double> ref(n), out(n);
  predict_dense(prepared, plan, X.data(), n, ref.data());
  struct Variant { const char* name; void (*fn)(const Proto&, const Forest&, const double*, size_t, size_t, double*); };
  const Variant variants[] = {{"compact G=1", run_proto<1>}, {"compact G=4", run_proto<4>},
                              {"compact G=8", run_proto<8>}, {"compact G=16", run_proto<16>}};
  for (const auto& v : variants) {
    v.fn(proto, forest, X.data(), n, cols, out.data());
    if (std::memcmp(out.data(), ref.data(), n * 8) != 0) {
      std::printf("MISMATCH in %s\n", v.name);
      return 1;
    }
  }
  std::vector<std::vector<double>> t(1 + std::size(variants));
  const double per = 1.0 / (double(n) * forest.trees.size());
  for (int r = 0; r < reps; ++r) {  // interleaved
    double c0 = cpu_ns();
    predict_dense(prepared, plan, X.data(), n, out.data());
    t[0].push_back((cpu_ns() - c0) * per);
    for (size_t k = 0; k < std::size(variants); ++k) {
      c0 = cpu_ns();
      variants[k].fn(proto, forest, X.data(), n, cols, out.data());
      t[k + 1].push_back((cpu_ns() - c0) * per);
    }
  }
  auto show = [&](const char* name, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::vector<double> base = t[0];
    std::sort(base.begin(), base.end());
    std::printf("  %-14s %7.2f (%.2f-%.2f)  x%.2f vs core\n", name, v[v.size() / 2], v.front(),
                v.back(), base[base.size() / 2] / v[v.size() / 2]);
  };
  show("core", t[0]);
  for (size_t k = 0; k < std::size(variants); ++k) show(variants[k].name, t[k + 1]);
  std::printf("  all variants equal predict_dense's margins bit for bit\n");

  // Single-row path: polyscore's predict_row vs G trees in lockstep, mean CPU ns per row.
  const size_t nr = std::min<size_t>(n, 5000);
  std::vector<double> xb(cols);
  using RowFn = double (*)(const Proto&, const Forest&, const double*, size_t, double*);
  const std::pair<const char*, RowFn> rv[] = {{"row G=1", run_row<1>}, {"row G=4", run_row<4>},
                                              {"row G=8", run_row<8>}, {"row G=16", run_row<16>}};
  for (const auto& v : rv) {
    for (size_t i = 0; i < nr; ++i) {
      double y;
      predict_row(prepared, plan, X.data() + i * cols, &y);
      const double z = v.second(proto, forest, X.data() + i * cols, cols, xb.data());
      if (std::memcmp(&y, &z, 8) != 0) {
        std::printf("MISMATCH in %s at row %zu\n", v.first, i);
        return 1;
      }
    }
  }
  std::vector<std::vector<double>> rt(1 + std::size(rv));
  volatile double sink = 0;
  for (int r = 0; r < reps; ++r) {
    double c0 = cpu_ns();
    for (size_t i = 0; i < nr; ++i) {
      double y;
      predict_row(prepared, plan, X.data() + i * cols, &y);
      sink = sink + y;
    }
    rt[0].push_back((cpu_ns() - c0) / nr);
    for (size_t k = 0; k < std::size(rv); ++k) {
      c0 = cpu_ns();
      for (size_t i = 0; i < nr; ++i) sink = sink + rv[k].second(proto, forest, X.data() + i * cols, cols, xb.data());
      rt[k + 1].push_back((cpu_ns() - c0) / nr);
    }
  }
  std::printf("single row (%zu rows, mean CPU us per row, median (min-max) of %d):\n", nr, reps);
  auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v; };
  const auto b = med(rt[0]);
  std::printf("  %-14s %7.2f (%.2f-%.2f)\n", "core row", b[b.size() / 2] / 1e3, b.front() / 1e3, b.back() / 1e3);
  for (size_t k = 0; k < std::size(rv); ++k) {
    const auto v = med(rt[k + 1]);
    std::printf("  %-14s %7.2f (%.2f-%.2f)  x%.2f vs core\n", rv[k].first, v[v.size() / 2] / 1e3,
                v.front() / 1e3, v.back() / 1e3, b[b.size() / 2] / v[v.size() / 2]);
  }
  std::printf("  all row variants equal predict_row bit for bit\n");

  // One row through the batch entry (predict_dense, n_rows = 1) vs predict_row, interleaved.
  std::vector<double> d1, r1;
  for (int r = 0; r < reps; ++r) {
    double c0 = cpu_ns();
    for (size_t i = 0; i < nr; ++i) {
      double y;
      predict_dense(prepared, plan, X.data() + i * cols, 1, &y);
      sink = sink + y;
    }
    d1.push_back((cpu_ns() - c0) / nr);
    c0 = cpu_ns();
    for (size_t i = 0; i < nr; ++i) {
      double y;
      predict_row(prepared, plan, X.data() + i * cols, &y);
      sink = sink + y;
    }
    r1.push_back((cpu_ns() - c0) / nr);
  }
  std::sort(d1.begin(), d1.end());
  std::sort(r1.begin(), r1.end());
  std::printf("one row: predict_dense(n=1) %.2f us, predict_row %.2f us (medians of %d, CPU)\n",
              d1[d1.size() / 2] / 1e3, r1[r1.size() / 2] / 1e3, reps);
  return 0;
}
