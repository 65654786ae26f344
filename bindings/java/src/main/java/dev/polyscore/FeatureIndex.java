package dev.polyscore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Lays out rows given by feature name (one map per row) in a model's column order. The
 * rules are the Python binding's for a DataFrame (bindings/python/src/polyscore/_frame.py):
 * names match exactly as the model file stores them, a feature absent from a row and a
 * name the model does not have are errors naming them (a typo never scores silently), and
 * a model whose file names no features cannot be given rows by name.
 */
final class FeatureIndex {
  private final List<String> names;
  private final Map<String, Integer> column;

  private FeatureIndex(List<String> names, Map<String, Integer> column) {
    this.names = names;
    this.column = column;
  }

  /** The index of a model's feature names; refuses a model that does not name every
   * feature, and once. */
  static FeatureIndex of(List<String> names) {
    Map<String, Integer> column = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name.isEmpty()) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "the model file names no feature "
            + i + ", so rows cannot be given by feature name: pass double[] rows in the model's"
            + " feature order (predict)");
      }
      Integer dup = column.put(name, i);
      if (dup != null) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "the model names features "
            + dup + " and " + i + " both \"" + name + "\", so rows cannot be given by feature"
            + " name: pass double[] rows in the model's feature order (predict)");
      }
    }
    return new FeatureIndex(List.copyOf(names), column);
  }

  /** The rows, row-major, in the model's feature order; a null value is NaN (missing). */
  double[] layout(List<? extends Map<String, ?>> rows) {
    if (rows == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "rows is null");
    int n = names.size();
    double[] out = new double[Math.multiplyExact(rows.size(), n)];
    int r = 0;
    for (Map<String, ?> row : rows) {
      if (row == null) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "row " + r + " is null");
      }
      for (int j = 0; j < n; j++) {
        String name = names.get(j);
        Object v = row.get(name);
        if (v instanceof Number) {
          out[r * n + j] = ((Number) v).doubleValue();
        } else if (v == null && row.containsKey(name)) {
          out[r * n + j] = Double.NaN;
        } else if (v == null) {
          throw mismatch(r, row);
        } else {
          // Only through raw types or unchecked casts: the signature asks for numbers.
          throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "row " + r + ": feature \""
              + name + "\" is not a number: " + v.getClass().getSimpleName() + " " + v);
        }
      }
      if (row.size() != n) throw mismatch(r, row);
      r++;
    }
    return out;
  }

  /** The error for a row that lacks some of the model's features or holds other names. */
  private PolyscoreException mismatch(int r, Map<String, ?> row) {
    List<String> unknown = new ArrayList<>();
    for (Object key : row.keySet()) {
      if (!(key instanceof String) || !column.containsKey(key)) unknown.add(String.valueOf(key));
    }
    Collections.sort(unknown); // a HashMap's order would make the message vary
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      if (!row.containsKey(name)) missing.add(name);
    }
    List<String> parts = new ArrayList<>();
    if (!unknown.isEmpty()) parts.add("unknown " + plural(unknown.size()) + " " + quoteSome(unknown));
    if (!missing.isEmpty()) {
      parts.add("missing " + plural(missing.size()) + " " + quoteSome(missing)
          + " (use null or NaN for a missing value)");
    }
    return new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "row " + r
        + " does not match the model's features (" + quoteSome(names) + "): "
        + String.join("; ", parts));
  }

  private static String plural(int n) {
    return n == 1 ? "feature" : "features";
  }

  /** The first names of a list, quoted, and how many more there are. */
  private static String quoteSome(List<String> list) {
    int most = 20;
    String shown = list.stream().limit(most).map(s -> "\"" + s + "\"")
        .collect(Collectors.joining(", "));
    return list.size() > most ? shown + " and " + (list.size() - most) + " more" : shown;
  }
}
