"""scripts/gen_constants.py: the drift check fails on any difference between the header
and a generated file, and the header's enumerators are read in both forms the header
may use (an anonymous enum after `typedef int32_t ps_status;`, or named typedefs)."""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GEN = ROOT / "scripts" / "gen_constants.py"
sys.path.insert(0, str(ROOT / "scripts"))
import gen_constants  # noqa: E402


def run(root, *args):
    return subprocess.run([sys.executable, str(GEN), "--root", str(root), *args],
                          capture_output=True, text=True)


class DriftCheck(unittest.TestCase):
    def setUp(self):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="gen-constants-"))
        self.addCleanup(shutil.rmtree, self.root)
        shutil.copytree(ROOT / "include", self.root / "include")
        for rel in gen_constants.outputs(gen_constants.read_header(ROOT)):
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, self.root / rel)

    def test_the_committed_files_are_current(self):
        r = run(self.root, "--check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_hand_edited_file_fails_the_check(self):
        path = self.root / "bindings/node/constants.js"
        path.write_text(path.read_text().replace("PS_ERR_SHAPE: 6", "PS_ERR_SHAPE: 7"))
        r = run(self.root, "--check")
        self.assertEqual(r.returncode, 1)
        self.assertIn("bindings/node/constants.js", r.stderr)

    def test_a_changed_header_fails_the_check_until_regenerated(self):
        header = self.root / "include/polyscore/predict.h"
        header.write_text(header.read_text().replace(
            "PS_OUTPUT_LEAF = 2", "PS_OUTPUT_LEAF = 2,\n  PS_OUTPUT_CONTRIBUTIONS = 3"))
        r = run(self.root, "--check")
        self.assertEqual(r.returncode, 1)
        for rel in ["bindings/go/constants_gen.go", "bindings/python/src/polyscore/_constants.py",
                    "bindings/java/src/main/java/dev/polyscore/OutputKind.java", "src/wire/abi_names_gen.h",
                    "bindings/swig/tcl/constants.tcl"]:
            self.assertIn(rel, r.stderr)
        self.assertEqual(run(self.root).returncode, 0)
        self.assertIn("'contributions': PS_OUTPUT_CONTRIBUTIONS",
                      (self.root / "bindings/python/src/polyscore/_constants.py").read_text())
        self.assertEqual(run(self.root, "--check").returncode, 0)

    def test_a_new_shap_algorithm_reaches_every_binding(self):
        header = self.root / "include/polyscore/predict.h"
        header.write_text(header.read_text().replace(
            "PS_SHAP_QUADRATURE = 2", "PS_SHAP_QUADRATURE = 2,\n  PS_SHAP_SAMPLING = 3"))
        r = run(self.root, "--check")
        self.assertEqual(r.returncode, 1)
        for rel in ["bindings/go/constants_gen.go", "bindings/python/src/polyscore/_constants.py",
                    "bindings/java/src/main/java/dev/polyscore/ShapAlgorithm.java",
                    "bindings/node/constants.js", "bindings/node/constants.d.ts",
                    "bindings/swig/perl/lib/Polyscore/Constants.pm",
                    "bindings/swig/ruby/lib/polyscore/constants.rb", "bindings/swig/tcl/constants.tcl",
                    "src/wire/abi_names_gen.h"]:
            self.assertIn(rel, r.stderr)
        self.assertEqual(run(self.root).returncode, 0)
        # The CLI, config.json, REST and the Open Inference Protocol read this table.
        names = (self.root / "src/wire/abi_names_gen.h").read_text()
        self.assertIn('{"sampling", PS_SHAP_SAMPLING}', names)
        self.assertIn('kShapAlgorithmNamesList[] = "auto, treeshap, quadrature, sampling"', names)
        self.assertIn("'sampling': PS_SHAP_SAMPLING",
                      (self.root / "bindings/python/src/polyscore/_constants.py").read_text())
        self.assertRegex((self.root / "bindings/go/constants_gen.go").read_text(),
                         r'ShapSampling: +"sampling"')


class HeaderForms(unittest.TestCase):
    OLD = """
typedef int32_t ps_status;
enum {
  PS_OK = 0,
  PS_ERR_SHAPE = 6,            /* input of the wrong size */
  PS_ERR_INTERNAL = 10         /* a bug */
};
#define PS_ABI_VERSION 1
enum {
  PS_FORMAT_AUTO = 0,
  PS_FORMAT_LIGHTGBM_TEXT = 3   /* LightGBM */
};
typedef struct ps_load_options {
  size_t struct_size;
  int32_t format; /* a PS_FORMAT_* value */
} ps_load_options;
#define PS_LOAD_OPTIONS_INIT {sizeof(ps_load_options), PS_FORMAT_AUTO}
enum {
  PS_OUTPUT_VALUE = 0,
  PS_OUTPUT_LEAF = 2
};
enum { PS_DTYPE_FLOAT32 = 1, PS_DTYPE_FLOAT64 = 2 };
typedef struct ps_predict_options {
  size_t struct_size;
  int32_t output;           /* PS_OUTPUT_* */
  uint32_t iteration_begin;
  uint32_t iteration_end;
  int32_t num_threads;      /* 1 (default), 0 = all cores */
} ps_predict_options;
#define PS_PREDICT_OPTIONS_INIT {sizeof(ps_predict_options), PS_OUTPUT_VALUE, 0, 0, 1}
"""

    def test_named_typedefs_and_reserved_fields_read_the_same(self):
        new = (self.OLD
               .replace("enum {\n  PS_FORMAT", "typedef int32_t ps_format;\nenum ps_format_values {\n  PS_FORMAT")
               .replace("enum {\n  PS_OUTPUT", "typedef int32_t ps_output_kind;\nenum {\n  PS_OUTPUT")
               .replace("  int32_t format; /* a PS_FORMAT_* value */",
                        "  ps_format format; /* a PS_FORMAT_* value */\n  int32_t reserved0;")
               .replace("{sizeof(ps_load_options), PS_FORMAT_AUTO}", "{sizeof(ps_load_options), PS_FORMAT_AUTO, 0}")
               .replace("  int32_t num_threads;", "  int32_t num_threads;\n  uint32_t reserved[3];")
               .replace("0, 0, 1}", "0, 0, 1, {0}}"))
        self.assertNotEqual(new, self.OLD)
        old_h, new_h = gen_constants.Header(self.OLD), gen_constants.Header(new)
        self.assertEqual([(c.name, c.value) for c in old_h.order], [(c.name, c.value) for c in new_h.order])
        self.assertEqual(new_h.predict_defaults,
                         {"output": 0, "iteration_begin": 0, "iteration_end": 0, "num_threads": 1})
        self.assertEqual(new_h.load_defaults, {"format": 0})
        self.assertEqual([(c.name, c.value) for c in new_h.dtypes], [("PS_DTYPE_FLOAT32", 1), ("PS_DTYPE_FLOAT64", 2)])
        self.assertEqual([c.doc for c in new_h.statuses], ["", "input of the wrong size", "a bug"])

    def test_nested_braces_and_continued_lines(self):
        text = self.OLD.replace(
            "#define PS_PREDICT_OPTIONS_INIT {sizeof(ps_predict_options), PS_OUTPUT_VALUE, 0, 0, 1}",
            "#define PS_PREDICT_OPTIONS_INIT \\\n  {sizeof(ps_predict_options), PS_OUTPUT_VALUE, 0, 0, 1, {0, 0}}")
        text = text.replace("  int32_t num_threads;", "  int32_t num_threads;\n  int32_t spare[2];")
        self.assertIn("\\\n", text)
        self.assertEqual(gen_constants.Header(text).predict_defaults,
                         {"output": 0, "iteration_begin": 0, "iteration_end": 0, "num_threads": 1})

    def test_designated_initialisers(self):
        text = self.OLD.replace("{sizeof(ps_predict_options), PS_OUTPUT_VALUE, 0, 0, 1}",
                                "{.struct_size = sizeof(ps_predict_options), .num_threads = 1}")
        self.assertEqual(gen_constants.Header(text).predict_defaults, {"num_threads": 1})


if __name__ == "__main__":
    unittest.main()
