#!/usr/bin/env python3
"""Writes every binding's constants file from the public C headers.

The status codes and their names, the model formats, output kinds, dtypes and SHAP
algorithms (with the names users write: "xgboost-json", "margin", "float32",
"quadrature"), the ABI version and the
predict and load option defaults are read from include/polyscore/*.h and written,
once per language, to the files outputs() lists. Nothing else in the bindings or
the CLI spells them out, so the header is the one source of truth.

    scripts/gen_constants.py           rewrite the generated files
    scripts/gen_constants.py --check   exit 1, naming each file, if any differs
    --root DIR                         work on another copy of the repository (tests)
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
HEADERS = ["common.h", "model.h", "predict.h"]  # the stable ABI (not experimental.h)
GENERATOR = "scripts/gen_constants.py"

# The body of every enum, anonymous or named (`enum {`, `enum ps_x {`, `typedef enum ... {`),
# whatever typedef names its values' type; in it, `PS_NAME = value` enumerators, one or
# several to a line, and the /* comment */ of a line that has one.
ENUM_BODY = re.compile(r"\benum\b[^{;]*\{(.*?)\}", re.S)
ENUMERATOR = re.compile(r"\b(PS_[A-Z0-9_]+)\s*=\s*(-?(?:0x[0-9a-fA-F]+|\d+))[uU]?")
COMMENT = re.compile(r"/\*\s*(.*?)\s*\*/")
DEFINE = re.compile(r"^\s*#\s*define\s+(PS_[A-Z0-9_]+)\s+(.+?)\s*$")


# ------------------------------------------------------------------- reading the header

class Constant:
    def __init__(self, name, value, doc):
        self.name, self.value, self.doc = name, value, doc or ""


class Header:
    """What the generated files need from the public headers."""

    def __init__(self, text):
        self.enumerators = {}
        self.order = []
        self.defines = {}
        for body in ENUM_BODY.findall(text):
            for line in body.splitlines():
                comment = COMMENT.search(line)
                code = COMMENT.sub("", line)
                found = ENUMERATOR.findall(code)
                for name, value in found:
                    doc = comment.group(1) if comment and len(found) == 1 else ""
                    self.add(Constant(name, int(value, 0), doc))
        for line in text.replace("\\\n", " ").splitlines():  # a #define may span lines
            m = DEFINE.match(line)
            if m:
                self.defines[m.group(1)] = m.group(2)
        self.text = text
        self.abi_version = int(self.defines["PS_ABI_VERSION"])
        self.statuses = [c for c in self.order if c.name == "PS_OK" or c.name.startswith("PS_ERR_")]
        self.formats = self.group("PS_FORMAT_")
        self.outputs = self.group("PS_OUTPUT_")
        self.dtypes = self.group("PS_DTYPE_")
        self.categories = self.group("PS_CATEGORY_")  # ABI 5: the kinds of training categories
        self.shap_algorithms = self.group("PS_SHAP_")  # ABI 6: ps_predict_options.shap_algorithm
        for what, group in [("status", self.statuses), ("format", self.formats),
                            ("output", self.outputs), ("dtype", self.dtypes)]:
            if not group:
                raise SystemExit("%s: no %s constants found in the headers" % (GENERATOR, what))
        self.predict_defaults = self.defaults("ps_predict_options", "PS_PREDICT_OPTIONS_INIT")
        self.load_defaults = self.defaults("ps_load_options", "PS_LOAD_OPTIONS_INIT")

    def add(self, c):
        if c.name in self.enumerators:
            if self.enumerators[c.name].value != c.value:
                raise SystemExit("%s: two values for %s" % (GENERATOR, c.name))
            return
        self.order.append(c)
        self.enumerators[c.name] = c

    def group(self, prefix):
        return [c for c in self.order if c.name.startswith(prefix)]

    def fields(self, struct):
        """Field names of `typedef struct NAME { ... }` in declaration order."""
        m = re.search(r"struct\s+%s\s*\{(.*?)\}" % struct, self.text, re.S)
        if not m:
            raise SystemExit("%s: struct %s not found" % (GENERATOR, struct))
        body = re.sub(r"/\*.*?\*/|//[^\n]*", "", m.group(1), flags=re.S)
        names = []
        for decl in body.split(";"):
            decl = decl.strip()
            if decl:
                names.append(re.match(r".*?([A-Za-z_]\w*)\s*(\[[^\]]*\])?$", decl, re.S).group(1))
        return names

    def defaults(self, struct, macro):
        """{field: value} of the INIT macro (positional or designated initialisers),
        without struct_size."""
        init = self.defines.get(macro)
        if init is None:
            raise SystemExit("%s: #define %s not found" % (GENERATOR, macro))
        items = top_level_items(init)
        fields = self.fields(struct)
        values = {}
        for i, item in enumerate(items):
            m = re.match(r"\.(\w+)\s*=\s*(.+)$", item)
            field, expr = (m.group(1), m.group(2)) if m else (fields[i], item)
            if field == "struct_size" or field.startswith("reserved") or expr.startswith("{"):
                continue  # not an option: the size, padding, or an array (none is an option)
            if expr == "NULL" or field.endswith("_len"):
                continue  # per-call data (a pointer and its length), not a default to share
            values[field] = self.value_of(expr)
        return values

    def value_of(self, expr):
        if expr in self.enumerators:
            return self.enumerators[expr].value
        return int(expr.rstrip("uU"), 0)


def top_level_items(init):
    """The comma-separated items of a braced initialiser, `{a, {0}, b}` -> a, {0}, b."""
    body = init.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise SystemExit("%s: not a braced initialiser: %s" % (GENERATOR, init))
    items, depth, item = [], 0, ""
    for ch in body[1:-1]:
        depth += ch in "({["
        depth -= ch in ")}]"
        if ch == "," and depth == 0:
            items.append(item.strip())
            item = ""
        else:
            item += ch
    if item.strip():
        items.append(item.strip())
    return items


def read_header(root):
    text = "\n".join((root / "include" / "polyscore" / h).read_text() for h in HEADERS)
    return Header(text)


# ------------------------------------------------------------------------- names

def user_name(c, prefix):
    """The name users write: PS_FORMAT_XGBOOST_JSON -> "xgboost-json", PS_OUTPUT_LEAF ->
    "leaf". The CLI and every binding use these."""
    return c.name[len(prefix):].lower().replace("_", "-")


def short(c, prefix):
    """PS_ERR_ABI_VERSION -> ABI_VERSION (the enum member name in Java)."""
    return c.name[len(prefix):]


GO_WORDS = {"OK": "OK", "IO": "IO", "ABI": "ABI", "JSON": "JSON", "UBJSON": "UBJSON",
            "XGBOOST": "XGBoost", "LIGHTGBM": "LightGBM", "TREESHAP": "TreeSHAP"}


def go_name(kind, rest):
    """("Status", "ABI_VERSION") -> StatusABIVersion."""
    return kind + "".join(GO_WORDS.get(w, w.capitalize()) for w in rest.split("_"))


def camel(name):
    """iteration_begin -> iterationBegin."""
    head, *tail = name.split("_")
    return head + "".join(w.capitalize() for w in tail)


def status_short(c):
    return "OK" if c.name == "PS_OK" else c.name[len("PS_ERR_"):]


def dtype_bytes(c):
    return int(re.search(r"(\d+)$", c.name).group(1)) // 8


def banner(comment):
    return "%s Code generated by %s from include/polyscore/*.h. DO NOT EDIT." % (comment, GENERATOR)


# --------------------------------------------------------------------- the files

def python_file(h):
    out = ['"""The C header\'s constants for the Python binding."""', "",
           banner("#"), ""]
    out.append("ABI_VERSION = %d" % h.abi_version)
    out.append("")
    for c in h.order:
        if c in h.statuses or c in h.formats or c in h.outputs or c in h.dtypes or c in h.categories \
                or c in h.shap_algorithms:
            out.append("%s = %d  # %s" % (c.name, c.value, c.doc) if c.doc else "%s = %d" % (c.name, c.value))
    out.append("")
    out.append("# ps_status -> its C name, as ps_status_name() gives it")
    out.append(py_dict("STATUS_NAMES", [(c.name, repr(c.name)) for c in h.statuses]))
    for var, group, prefix in [("FORMATS", h.formats, "PS_FORMAT_"),
                               ("OUTPUTS", h.outputs, "PS_OUTPUT_"),
                               ("DTYPES", h.dtypes, "PS_DTYPE_"),
                               ("SHAP_ALGORITHMS", h.shap_algorithms, "PS_SHAP_")]:
        out.append("# the names users write -> the PS_* values")
        out.append(py_dict(var, [(repr(user_name(c, prefix)), c.name) for c in group]))
    out.append("# PS_PREDICT_OPTIONS_INIT and PS_LOAD_OPTIONS_INIT, field by field")
    out.append("PREDICT_DEFAULTS = %r" % h.predict_defaults)
    out.append("LOAD_DEFAULTS = %r" % h.load_defaults)
    return "\n".join(out) + "\n"


def py_dict(var, pairs):
    return "%s = {\n%s}" % (var, "".join("    %s: %s,\n" % kv for kv in pairs))


def go_file(h):
    """Go reads PS_ABI_VERSION and the dtypes from C through cgo; the exported types
    and the names are generated."""
    out = [banner("//"), "", "package polyscore", ""]
    groups = [("Status", h.statuses, "PS_", "Status codes (ps_status).", status_short),
              ("Format", h.formats, "PS_FORMAT_", "Model file formats (PS_FORMAT_*).", None),
              ("OutputKind", h.outputs, "PS_OUTPUT_",
               "What a prediction returns for each row (PS_OUTPUT_*).", None),
              ("ShapAlgorithm", h.shap_algorithms, "PS_SHAP_",
               "Which SHAP algorithm explains a tree model (PS_SHAP_*), for OutputContrib and\n"
               "// OutputInteractions.", None)]
    go_prefix = {"OutputKind": "Output", "ShapAlgorithm": "Shap"}
    for kind, group, prefix, doc, rest_of in groups:
        prefix_go = go_prefix.get(kind, kind)
        out.append("// %s" % doc)
        out.append("const (")
        for c in group:
            rest = rest_of(c) if rest_of else short(c, prefix)
            if c.doc:
                out.append("\t// %s" % c.doc)
            out.append("\t%s %s = %d" % (go_name(prefix_go, rest), kind, c.value))
        out.append(")")
        out.append("")
    name_maps = [
        ("statusNames", "Status", "the C names of the status codes", h.statuses,
         lambda c: go_name("Status", status_short(c)), lambda c: c.name),
        ("formatNames", "Format", "the names of the formats, as the CLI spells them", h.formats,
         lambda c: go_name("Format", short(c, "PS_FORMAT_")), lambda c: user_name(c, "PS_FORMAT_")),
        ("outputNames", "OutputKind", "the names of the output kinds", h.outputs,
         lambda c: go_name("Output", short(c, "PS_OUTPUT_")), lambda c: user_name(c, "PS_OUTPUT_")),
        ("shapAlgorithmNames", "ShapAlgorithm", "the names of the SHAP algorithms", h.shap_algorithms,
         lambda c: go_name("Shap", short(c, "PS_SHAP_")), lambda c: user_name(c, "PS_SHAP_")),
    ]
    for var, kind, doc, group, key_of, name_of in name_maps:
        out.append("// %s are %s, by value." % (var, doc))
        out.append("var %s = map[%s]string{" % (var, kind))
        out.extend("\t%s: %s," % (key_of(c), go_string(name_of(c))) for c in group)
        out.append("}")
        out.append("")
    out.append("// Sentinels for errors.Is; each matches every *Error with its code.")
    out.append("var (")
    for c in h.statuses[1:]:
        rest = status_short(c)
        out.append("\t%s = newError(%s, %s)" % (go_name("Err", rest), go_name("Status", rest),
                                                 go_string(c.doc or c.name)))
    out.append(")")
    out.append("")
    out.append("// DefaultPredictOptions returns the options a nil *PredictOptions stands for, the")
    out.append("// C header's PS_PREDICT_OPTIONS_INIT, to change a field of.")
    out.append("func DefaultPredictOptions() PredictOptions {")
    out.append("\treturn PredictOptions{%s}" % ", ".join(
        "%s: %d" % ("".join(GO_WORDS.get(w.upper(), w.capitalize()) for w in field.split("_")), value)
        for field, value in h.predict_defaults.items()))
    out.append("}")
    return align_go("\n".join(out) + "\n")


def go_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def align_go(text):
    """gofmt's alignment of `name type = value` and `key: value,` in blocks, done here so
    that the file is gofmt-clean without running gofmt."""
    lines = text.split("\n")
    out, block = [], []

    def flush():
        if not block:
            return
        if all(re.match(r"\t\w+ \w+ = ", l) for l in block):
            parts = [re.match(r"\t(\w+) (\w+) = (.*)$", l).groups() for l in block]
            w = max(len(p[0]) for p in parts)
            out.extend("\t%s %s = %s" % (p[0].ljust(w), p[1], p[2]) for p in parts)
        elif all(re.match(r"\t\w+ = ", l) for l in block):
            parts = [re.match(r"\t(\w+) = (.*)$", l).groups() for l in block]
            w = max(len(p[0]) for p in parts)
            out.extend("\t%s = %s" % (p[0].ljust(w), p[1]) for p in parts)
        elif all(re.match(r"\t\w+: ", l) for l in block):
            parts = [re.match(r"\t(\w+): (.*)$", l).groups() for l in block]
            w = max(len(p[0]) for p in parts) + 1
            out.extend("\t%s %s" % ((p[0] + ":").ljust(w), p[1]) for p in parts)
        else:
            out.extend(block)
        block.clear()

    for line in lines:
        if line.startswith("\t") and not line.startswith("\t//"):
            block.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out)


JAVA_BEGIN = "  // BEGIN generated by %s from include/polyscore/*.h. DO NOT EDIT." % GENERATOR
JAVA_END = "  // END generated"


def java_members(group, member_of, args_of, last):
    """Enum constants, one per header constant, each with the header's comment; the
    last ends with `last` ("," when hand-written constants follow, else ";")."""
    out = []
    for i, c in enumerate(group):
        if c.doc:
            out.append("  /** %s */" % java_doc(c.doc))
        args = ", ".join([str(c.value)] + args_of(c))
        out.append("  %s(%s)%s" % (member_of(c), args, last if i == len(group) - 1 else ","))
    return out


def java_region(root, rel, members):
    """The Java source at rel with the lines between JAVA_BEGIN and JAVA_END replaced by
    members: the enum's methods stay hand-written in the file, its constants come from
    the header."""
    lines = (root / rel).read_text().split("\n")
    try:
        begin, end = lines.index(JAVA_BEGIN), lines.index(JAVA_END)
    except ValueError:
        raise SystemExit("%s: %s lacks the lines\n%s\n%s" % (GENERATOR, rel, JAVA_BEGIN, JAVA_END))
    return "\n".join(lines[:begin + 1] + members + lines[end:])


def java_doc(s):
    s = s.replace("*/", "* /").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s[:1].upper() + s[1:]
    return s if s.endswith(".") else s + "."


def java_files(h, root):
    base = "bindings/java/src/main/java/dev/polyscore/"
    files = {
        base + "ErrorCode.java": java_members(
            h.statuses[1:], lambda c: c.name[len("PS_ERR_"):], lambda c: [], ","),
        base + "ModelFormat.java": java_members(
            h.formats, lambda c: short(c, "PS_FORMAT_"),
            lambda c: ['"%s"' % user_name(c, "PS_FORMAT_")], ";"),
        base + "OutputKind.java": java_members(
            h.outputs, lambda c: short(c, "PS_OUTPUT_"), lambda c: [], ";"),
        base + "DType.java": java_members(
            h.dtypes, lambda c: short(c, "PS_DTYPE_"), lambda c: [str(dtype_bytes(c))], ";"),
        base + "ShapAlgorithm.java": java_members(
            h.shap_algorithms, lambda c: short(c, "PS_SHAP_"),
            lambda c: ['"%s"' % user_name(c, "PS_SHAP_")], ";"),
    }
    out = {rel: java_region(root, rel, members) for rel, members in files.items()}
    constants = ["package dev.polyscore;", "", banner("//"), "",
                 "/** The header's ABI version and option defaults. */",
                 "final class Constants {",
                 "  /** PS_ABI_VERSION of the header the binding was generated from. */",
                 "  static final int ABI_VERSION = %d;" % h.abi_version]
    for field, value in h.predict_defaults.items():
        constants.append("  /** PS_PREDICT_OPTIONS_INIT's {@code %s}. */" % field)
        constants.append("  static final int DEFAULT_%s = %d;" % (field.upper(), value))
    constants += ["", "  private Constants() {}", "}"]
    out[base + "Constants.java"] = "\n".join(constants) + "\n"
    return out


def js_object(pairs, indent="  "):
    return "{\n" + "".join("%s%s: %s,\n" % (indent, k, v) for k, v in pairs) + "}"


def js_key(k):
    return k if re.match(r"^[A-Za-z_]\w*$", k) else "'%s'" % k


def node_file(h):
    out = ["'use strict';", banner("//"), ""]
    out.append("const ABI_VERSION = %d;" % h.abi_version)
    out.append("// ps_status values by C name")
    out.append("const Status = Object.freeze(%s);" % js_object([(c.name, c.value) for c in h.statuses]))
    for var, group, prefix, what in [("FORMATS", h.formats, "PS_FORMAT_", "format"),
                                     ("OUTPUTS", h.outputs, "PS_OUTPUT_", "output kind"),
                                     ("DTYPES", h.dtypes, "PS_DTYPE_", "dtype"),
                                     ("SHAP_ALGORITHMS", h.shap_algorithms, "PS_SHAP_", "SHAP algorithm")]:
        out.append("// %s name -> its PS_* value" % what)
        out.append("const %s = Object.freeze(%s);" % (
            var, js_object([(js_key(user_name(c, prefix)), c.value) for c in group])))
    out.append("// the predict options' defaults, as the header's initializer sets them")
    out.append("const PREDICT_DEFAULTS = Object.freeze(%s);" % js_object(
        [(camel(k), v) for k, v in h.predict_defaults.items()]))
    out.append("")
    out.append("module.exports = { ABI_VERSION, Status, FORMATS, OUTPUTS, DTYPES, SHAP_ALGORITHMS, PREDICT_DEFAULTS };")
    return "\n".join(out) + "\n"


def node_types_file(h):
    def union(names):
        return "\n".join("  | '%s'" % n for n in names) + ";"
    return "\n".join([
        banner("//"), "",
        "/** Status names of the C library (ps_status), with their numbers in `Status`. */",
        "export type StatusCode =", union(c.name for c in h.statuses), "",
        "/** Model file formats, as the CLI and every binding name them. */",
        "export type FormatName =", union(user_name(c, "PS_FORMAT_") for c in h.formats), "",
        "/** What predict returns per row. */",
        "export type Output =", union(user_name(c, "PS_OUTPUT_") for c in h.outputs), "",
        "/** Which SHAP algorithm explains a tree model (contrib and interactions output). */",
        "export type ShapAlgorithm =", union(user_name(c, "PS_SHAP_") for c in h.shap_algorithms), "",
    ])


def script_file(h, head, tail, table, pair, separator, names):
    """The SWIG languages' constants file: head lines, the ABI version, the formats,
    outputs, dtypes and SHAP algorithms by their user names, the predict defaults, tail lines. `table`
    and `pair` are the language's spelling of a name -> value table and of one entry."""
    tables = [("abi_version", None),
              ("formats", [(user_name(c, "PS_FORMAT_"), c.value) for c in h.formats]),
              ("outputs", [(user_name(c, "PS_OUTPUT_"), c.value) for c in h.outputs]),
              ("dtypes", [(user_name(c, "PS_DTYPE_"), c.value) for c in h.dtypes]),
              ("shap_algorithms", [(user_name(c, "PS_SHAP_"), c.value) for c in h.shap_algorithms]),
              ("predict_defaults", list(h.predict_defaults.items()))]
    lines = list(head)
    for key, entries in tables:
        if entries is None:
            lines.append(names["scalar"] % (names[key], h.abi_version))
        else:
            lines.append(table % (names[key], separator.join(pair % kv for kv in entries)))
    return "\n".join(lines + tail) + "\n"


# The SWIG languages' constants files: head and tail lines, how the language spells a
# name -> value table and one entry, and its names for the ABI version and the tables.
SCRIPT_FILES = {
    "bindings/swig/perl/lib/Polyscore/Constants.pm": (
        ["package Polyscore::Constants;", banner("#"),
         "# PREDICT_DEFAULTS: PS_PREDICT_OPTIONS_INIT, field by field.", "use strict;", "use warnings;", ""],
        ["", "1;"], "our %%%s = (%s);", "'%s' => %d", ", ",
        {"scalar": "our $%s = %d;", "abi_version": "ABI_VERSION", "formats": "FORMAT", "outputs": "OUTPUT",
         "dtypes": "DTYPE", "shap_algorithms": "SHAP_ALGORITHM", "predict_defaults": "PREDICT_DEFAULTS"}),
    "bindings/swig/tcl/constants.tcl": (
        [banner("#"), "# predict_defaults: PS_PREDICT_OPTIONS_INIT, field by field.", "namespace eval ::polyscore {"],
        ["}"], "    variable %s {%s}", "%s %d", " ",
        {"scalar": "    variable %s %d", "abi_version": "abi_version", "formats": "formats", "outputs": "outputs",
         "dtypes": "dtypes", "shap_algorithms": "shap_algorithms", "predict_defaults": "predict_defaults"}),
    "bindings/swig/ruby/lib/polyscore/constants.rb": (
        [banner("#"), "# PREDICT_DEFAULTS: PS_PREDICT_OPTIONS_INIT, field by field.", "module Polyscore"],
        ["end"], "  %s = { %s }.freeze", "'%s' => %d", ", ",
        {"scalar": "  %s = %d", "abi_version": "ABI_VERSION", "formats": "FORMATS", "outputs": "OUTPUTS",
         "dtypes": "DTYPES", "shap_algorithms": "SHAP_ALGORITHMS", "predict_defaults": "PREDICT_DEFAULTS"}),
}


def names_file(h):
    def table(var, group, prefix):
        rows = "".join('    {"%s", %s},\n' % (user_name(c, prefix), c.name) for c in group)
        names = ", ".join(user_name(c, prefix) for c in group)
        return ("inline constexpr NamedValue %s[] = {\n%s};\n"
                "inline constexpr char %sList[] = \"%s\";\n" % (var, rows, var, names))
    return "\n".join([
        banner("//"),
        "// The names users write for the header's formats, output kinds and SHAP algorithms: on",
        "// the CLI's command line, in config.json, in REST bodies and Open Inference Protocol",
        "// parameters. Each table has its names joined by \", \" beside it, for error messages.",
        "// Lookups are in abi_names.h.",
        "#ifndef POLYSCORE_WIRE_ABI_NAMES_GEN_H",
        "#define POLYSCORE_WIRE_ABI_NAMES_GEN_H",
        "",
        "#include <cstdint>",
        "",
        "#include \"polyscore/polyscore.h\"",
        "",
        "namespace polyscore::wire {",
        "",
        "struct NamedValue {",
        "  const char* name;",
        "  int32_t value;",
        "};",
        "",
        table("kFormatNames", h.formats, "PS_FORMAT_"),
        table("kOutputNames", h.outputs, "PS_OUTPUT_"),
        table("kShapAlgorithmNames", h.shap_algorithms, "PS_SHAP_"),
        "}  // namespace polyscore::wire",
        "",
        "#endif  // POLYSCORE_WIRE_ABI_NAMES_GEN_H",
    ]) + "\n"


def outputs(h, root=ROOT):
    files = {
        "bindings/python/src/polyscore/_constants.py": python_file(h),
        "bindings/go/constants_gen.go": go_file(h),
        "bindings/node/constants.js": node_file(h),
        "bindings/node/constants.d.ts": node_types_file(h),
        "src/wire/abi_names_gen.h": names_file(h),
    }
    files.update({rel: script_file(h, *spec) for rel, spec in SCRIPT_FILES.items()})
    files.update(java_files(h, root))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a generated file differs from the header")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT,
                        help="the repository to read and write (default: this one)")
    args = parser.parse_args()
    stale = []
    for rel, text in outputs(read_header(args.root), args.root).items():
        path = args.root / rel
        old = path.read_text() if path.exists() else None
        if old == text:
            continue
        if args.check:
            stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print("wrote", rel)
    if stale:
        print("%s: these files differ from what include/polyscore/*.h gives; run %s and commit:\n  %s"
              % (GENERATOR, GENERATOR, "\n  ".join(stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
