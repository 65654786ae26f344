package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Rows given by feature name (predictNamed): the same scores as the positional predict,
 * bit for bit, whatever the maps' order, and INVALID_ARGUMENT naming every mismatch.
 */
class NamedTest {
  private static void sameBits(double[] want, double[] got) {
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]),
          "value " + i + ": predictNamed " + got[i] + ", predict " + want[i]);
    }
  }

  private static void rejects(Executable call, String... parts) {
    PolyscoreException e = assertThrows(PolyscoreException.class, call);
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
    for (String p : parts) assertTrue(e.getMessage().contains(p), e.getMessage() + " lacks " + p);
  }

  /** LightGBM conformance models with feature names (Column_0...; multiclass, and
   * categorical splits; their inputs have missing values). */
  @Test
  void scoresAsPositionalRowsBitForBit() throws Exception {
    for (String name : new String[] {"lgb4_multiclass", "lgb4_categorical"}) {
      TestData.Case c = TestData.findCase(name);
      double[][] x = TestData.readCsv(c.input());
      try (Model m = Model.load(c.model())) {
        List<String> names = m.featureNames();
        List<Map<String, Double>> rows = new ArrayList<>();
        for (double[] row : x) {
          Map<String, Double> byName = new LinkedHashMap<>(); // reverse column order
          for (int j = names.size() - 1; j >= 0; j--) byName.put(names.get(j), row[j]);
          rows.add(byName);
        }
        for (PredictOptions o : new PredictOptions[] {PredictOptions.DEFAULT,
            PredictOptions.builder().output(OutputKind.MARGIN).threads(2).build()}) {
          sameBits(m.predict(TestData.flatten(x), x.length, o), m.predictNamed(rows, o));
        }
      }
    }
  }

  @Test
  void keyOrderDoesNotMatterAndNullIsMissing() {
    try (Model m = Model.load(TestData.fraudModel())) {
      double[] want = m.predict(new double[] {0.4, 1.2, Double.NaN, 0.5, 0.1, Double.NaN}, 3);
      Map<String, Double> withNull = new HashMap<>();
      withNull.put("amount_zscore", 0.1);
      withNull.put("velocity", null);
      Map<String, Integer> ints = new TreeMap<>(Map.of("velocity", 1, "amount_zscore", 0));
      sameBits(want, m.predictNamed(List.of(Map.of("velocity", 1.2, "amount_zscore", 0.4),
          Map.of("amount_zscore", Double.NaN, "velocity", 0.5), withNull)));
      sameBits(m.predict(new double[] {0, 1}, 1), m.predictNamed(List.of(ints)));
      assertArrayEquals(new double[0], m.predictNamed(List.<Map<String, Double>>of()));
    }
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void mismatchesAreErrorsNamingThem() {
    try (Model m = Model.load(TestData.fraudModel())) {
      Map<String, Double> ok = Map.of("amount_zscore", 0.4, "velocity", 1.2);
      rejects(() -> m.predictNamed(List.of(ok, Map.of("amount_zscore", 0.4, "velocty", 1.2))),
          "row 1", "unknown feature \"velocty\"", "missing feature \"velocity\"");
      rejects(() -> m.predictNamed(List.of(Map.of("amount_zscore", 0.4, "velocity", 1.2,
          "country", 3.0))), "row 0", "unknown feature \"country\"");
      rejects(() -> m.predictNamed(List.of(Map.of("amount_zscore", 0.4))),
          "missing feature \"velocity\"", "null or NaN");
      rejects(() -> m.predictNamed(List.of(Map.of())),
          "missing features \"amount_zscore\", \"velocity\"");
      rejects(() -> m.predictNamed(List.of(Map.of("Amount_zscore", 0.4, "velocity", 1.2))),
          "unknown feature \"Amount_zscore\"");
      // Only raw types let a non-number through; it is an error, not a ClassCastException.
      List raw = List.of(Map.of("amount_zscore", "0.4", "velocity", 1.2));
      rejects(() -> m.predictNamed(raw), "row 0: feature \"amount_zscore\" is not a number",
          "String");
      List<Map<String, Double>> withNullRow = new ArrayList<>();
      withNullRow.add(null);
      rejects(() -> m.predictNamed(withNullRow), "row 0 is null");
      rejects(() -> m.predictNamed(null), "rows is null");
      rejects(() -> m.predictNamed(List.of(ok), null), "options is null");
    }
  }

  @Test
  void modelWithoutFeatureNamesAndClosedModel() throws Exception {
    // This XGBoost model names no features.
    try (Model m = Model.load(TestData.findCase("xgb1_binary_logistic").model())) {
      rejects(() -> m.predictNamed(List.of(Map.of("f0", 1.0))), "names no feature", "predict");
    }
    Model m = Model.load(TestData.fraudModel());
    m.close();
    PolyscoreException e = assertThrows(PolyscoreException.class,
        () -> m.predictNamed(List.of(Map.of("amount_zscore", 0.4, "velocity", 1.2))));
    assertEquals(ErrorCode.INVALID_HANDLE, e.code());
  }
}
