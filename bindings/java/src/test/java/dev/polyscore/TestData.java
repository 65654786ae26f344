package dev.polyscore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Paths of the shared test data, a tiny JSON reader for the manifest, CSV and the CLI. */
final class TestData {
  private TestData() {}

  static Path vectorsDir() {
    return Path.of(System.getProperty("polyscore.vectors.dir", "../../tests/vectors"));
  }

  static Path fraudDir() {
    return Path.of(System.getProperty("polyscore.fraud.dir", "../../examples/fraud"));
  }

  static Path fraudModel() {
    return fraudDir().resolve("fraud-v3.json");
  }

  /** The polyscore CLI, or null when not built. */
  static Path cli() {
    String p = System.getProperty("polyscore.cli");
    if (p == null || p.isEmpty() || !Files.isExecutable(Path.of(p))) return null;
    return Path.of(p);
  }

  /** A case of tests/vectors/manifest.json. */
  record Case(String name, String library, Path model, int numFeatures, boolean f32,
      int iterationBegin, int iterationEnd, Path input, Map<String, Path> outputs,
      Map<String, int[]> shapes) {
    @Override
    public String toString() {
      return name;
    }
  }

  @SuppressWarnings("unchecked")
  static List<Case> cases() throws IOException {
    Path dir = vectorsDir();
    Map<String, Object> manifest = (Map<String, Object>) new Json(
        Files.readString(dir.resolve("manifest.json"))).parse();
    List<Case> cases = new ArrayList<>();
    for (Object o : (List<Object>) manifest.get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      Map<String, Path> outputs = new LinkedHashMap<>();
      Map<String, int[]> shapes = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : ((Map<String, Object>) c.get("outputs")).entrySet()) {
        Map<String, Object> out = (Map<String, Object>) e.getValue();
        outputs.put(e.getKey(), dir.resolve((String) out.get("file")));
        List<Object> shape = (List<Object>) out.get("shape");
        shapes.put(e.getKey(), new int[] {((Number) shape.get(0)).intValue(),
            ((Number) shape.get(1)).intValue()});
      }
      cases.add(new Case((String) c.get("name"), (String) c.get("library"),
          dir.resolve((String) c.get("model")), ((Number) c.get("num_features")).intValue(),
          "float32".equals(c.get("dtype")), ((Number) c.get("iteration_begin")).intValue(),
          ((Number) c.get("iteration_end")).intValue(), dir.resolve((String) c.get("input")),
          outputs, shapes));
    }
    return cases;
  }

  static Case findCase(String name) throws IOException {
    for (Case c : cases()) {
      if (c.name().equals(name)) return c;
    }
    throw new IllegalArgumentException("no case " + name);
  }

  static double parseNumber(String s) {
    String t = s.trim();
    switch (t.toLowerCase()) {
      case "nan": case "-nan": case "+nan": return Double.NaN;
      case "inf": case "+inf": case "infinity": case "+infinity": return Double.POSITIVE_INFINITY;
      case "-inf": case "-infinity": return Double.NEGATIVE_INFINITY;
      default: return Double.parseDouble(t);
    }
  }

  /** A CSV of numbers without header, as rows. */
  static double[][] readCsv(Path p) throws IOException {
    return parseCsv(Files.readString(p));
  }

  static double[][] parseCsv(String text) {
    List<double[]> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) continue;
      String[] cells = line.split(",");
      double[] row = new double[cells.length];
      for (int i = 0; i < cells.length; i++) row[i] = parseNumber(cells[i]);
      rows.add(row);
    }
    return rows.toArray(new double[0][]);
  }

  static double[] flatten(double[][] rows) {
    int n = 0;
    for (double[] r : rows) n += r.length;
    double[] flat = new double[n];
    int k = 0;
    for (double[] r : rows) {
      System.arraycopy(r, 0, flat, k, r.length);
      k += r.length;
    }
    return flat;
  }

  static float[] toFloats(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
    return f;
  }

  /** Runs {@code polyscore predict MODEL --input X --output kind}; the output, flattened. */
  static double[] cliPredict(Path cli, Path model, Path input, String kind, int begin, int end)
      throws IOException, InterruptedException {
    if (begin != 0 || end != 0) return null; // the CLI has no iteration-range option
    Process p = new ProcessBuilder(cli.toString(), "predict", model.toString(), "--input",
        input.toString(), "--output", kind).redirectErrorStream(true).start();
    byte[] out = readAll(p.getInputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("CLI timed out");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new IOException("CLI failed: " + text);
    return flatten(parseCsv(text));
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toByteArray();
  }

  /** Resident set size of this process in bytes (/proc/self/statm). */
  static long rssBytes() throws IOException {
    String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
    return Long.parseLong(f[1]) * 4096L;
  }

  /** A minimal JSON reader: objects (LinkedHashMap), arrays, strings, numbers, literals. */
  static final class Json {
    private final String s;
    private int i;

    Json(String s) {
      this.s = s;
    }

    Object parse() {
      Object v = value();
      ws();
      if (i != s.length()) throw error("trailing characters");
      return v;
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException("JSON: " + what + " at " + i);
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private Object value() {
      ws();
      if (i >= s.length()) throw error("unexpected end");
      char c = s.charAt(i);
      if (c == '{') return object();
      if (c == '[') return array();
      if (c == '"') return string();
      if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
      if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
      if (s.startsWith("null", i)) { i += 4; return null; }
      return number();
    }

    private Map<String, Object> object() {
      Map<String, Object> m = new LinkedHashMap<>();
      i++;
      ws();
      if (s.charAt(i) == '}') { i++; return m; }
      for (;;) {
        ws();
        String k = string();
        ws();
        if (s.charAt(i++) != ':') throw error("expected ':'");
        m.put(k, value());
        ws();
        char c = s.charAt(i++);
        if (c == '}') return m;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    private List<Object> array() {
      List<Object> a = new ArrayList<>();
      i++;
      ws();
      if (s.charAt(i) == ']') { i++; return a; }
      for (;;) {
        a.add(value());
        ws();
        char c = s.charAt(i++);
        if (c == ']') return a;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    private String string() {
      if (s.charAt(i) != '"') throw error("expected a string");
      i++;
      StringBuilder b = new StringBuilder();
      for (;;) {
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        char e = s.charAt(i++);
        switch (e) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
          default: b.append(e);
        }
      }
    }

    private Number number() {
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      if (start == i) throw error("unexpected character");
      String t = s.substring(start, i);
      if (t.matches("-?\\d+")) return Long.parseLong(t);
      return Double.parseDouble(t);
    }
  }
}
