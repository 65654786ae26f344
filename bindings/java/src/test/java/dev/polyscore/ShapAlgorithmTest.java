package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PredictOptions.shapAlgorithm (ps_predict_options.shap_algorithm, ABI 6), bit for bit
 * against the training libraries' vectors: xgb34_* files were explained by XGBoost 3.4.1
 * (QuadratureTreeSHAP), xgb3_* files by XGBoost 3.2.0 (exact TreeSHAP), so each case gives
 * its vector under its own algorithm and not under the other; under the other it gives the
 * cross vector of tests/vectors/shap_algorithms (XGBoost 3.2.0 explaining the 3.4.1 file,
 * XGBoost 3.4.1 explaining the 3.2.0 file).
 */
class ShapAlgorithmTest {
  private static final String QUADRATURE_CASE = "xgb34_binary_logistic";  // XGBoost 3.4.1
  private static final String TREESHAP_CASE = "xgb3_binary_logistic";     // XGBoost 3.2.0
  private static final String LIGHTGBM_CASE = "lgb4_binary";

  private static PredictOptions contrib(ShapAlgorithm algorithm) {
    return PredictOptions.builder().output(OutputKind.CONTRIB).shapAlgorithm(algorithm).build();
  }

  /** The other XGBoost's output for a case under an algorithm (its own bits). */
  @SuppressWarnings("unchecked")
  private static double[][] crossVector(String name, ShapAlgorithm algorithm, String output)
      throws IOException {
    Path dir = TestData.vectorsDir().resolve("shap_algorithms");
    Map<String, Object> manifest = (Map<String, Object>) new TestData.Json(
        Files.readString(dir.resolve("manifest.json"))).parse();
    for (Object o : (List<Object>) manifest.get("cases")) {
      Map<String, Object> c = (Map<String, Object>) o;
      if ((name + "." + algorithm.algorithmName()).equals(c.get("name"))) {
        Map<String, Object> spec = (Map<String, Object>) c.get(output);
        return TestData.readCsv(dir.resolve((String) spec.get("file")));
      }
    }
    throw new IllegalArgumentException("no cross vector " + name + "." + algorithm.algorithmName());
  }

  private static boolean sameBits(double[] want, double[] got) {
    if (want.length != got.length) return false;
    for (int i = 0; i < want.length; i++) {
      if (Double.doubleToLongBits(want[i]) != Double.doubleToLongBits(got[i])) return false;
    }
    return true;
  }

  /** Other rounding of the same Shapley values. */
  private static void assertClose(double[] want, double[] got) {
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      assertTrue(Math.abs(want[i] - got[i]) <= 1e-6 + 1e-5 * Math.abs(want[i]),
          "value " + i + ": " + got[i] + ", the library's " + want[i]);
    }
  }

  @Test
  void quadratureGivesXgboost34BitsAndTreeShapDoesNot() throws IOException {
    TestData.Case c = TestData.findCase(QUADRATURE_CASE);
    double[][] rows = TestData.readCsv(c.input());
    double[] x = TestData.flatten(rows);
    double[] want = TestData.flatten(TestData.readCsv(c.outputs().get("contrib")));
    try (Model m = Model.load(c.model())) {
      assertTrue(sameBits(want, m.predict(x, rows.length, PredictOptions.of(OutputKind.CONTRIB))));
      assertTrue(sameBits(want, m.predict(x, rows.length, contrib(ShapAlgorithm.QUADRATURE))));
      double[] exact = m.predict(x, rows.length, contrib(ShapAlgorithm.TREESHAP));
      assertFalse(sameBits(want, exact), "TREESHAP gave XGBoost 3.4.1's bits");
      assertClose(want, exact);
      // XGBoost 3.2.0's own bits explaining this 3.4.1 file
      double[][] cross = crossVector(QUADRATURE_CASE, ShapAlgorithm.TREESHAP, "contrib");
      assertTrue(sameBits(TestData.flatten(cross), exact),
          "TREESHAP differs from XGBoost 3.2.0's values");
      // the float[] and direct-buffer calls take it too
      float[] floats = TestData.toFloats(x);
      double[] fromFloats = m.predict(floats, rows.length, contrib(ShapAlgorithm.TREESHAP));
      ByteBuffer buf = ByteBuffer.allocateDirect(x.length * 8).order(ByteOrder.nativeOrder());
      buf.asDoubleBuffer().put(x);
      double[] fromBuffer =
          m.predict(buf, DType.FLOAT64, rows.length, contrib(ShapAlgorithm.TREESHAP));
      assertTrue(sameBits(exact, fromBuffer));
      assertFalse(sameBits(m.predict(floats, rows.length, contrib(ShapAlgorithm.AUTO)), fromFloats),
          "float[] input ignored TREESHAP");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void interactionsFollowTheOption() throws IOException {
    TestData.Case c = TestData.findCase(QUADRATURE_CASE);
    Map<String, Object> manifest = (Map<String, Object>) new TestData.Json(
        Files.readString(TestData.vectorsDir().resolve("manifest.json"))).parse();
    Map<String, Object> spec = null;
    for (Object o : (List<Object>) manifest.get("cases")) {
      Map<String, Object> m = (Map<String, Object>) o;
      if (QUADRATURE_CASE.equals(m.get("name"))) spec = (Map<String, Object>) m.get("interactions");
    }
    Path file = TestData.vectorsDir().resolve((String) spec.get("file"));
    int n = ((Number) ((List<Object>) spec.get("shape")).get(0)).intValue();
    double[] want = TestData.flatten(TestData.readCsv(file));
    double[] x = Arrays.copyOf(TestData.flatten(TestData.readCsv(c.input())), n * c.numFeatures());
    try (Model m = Model.load(c.model())) {
      PredictOptions.Builder b = PredictOptions.builder().output(OutputKind.INTERACTIONS);
      double[] quadrature = m.predict(x, n, b.shapAlgorithm(ShapAlgorithm.QUADRATURE).build());
      assertTrue(sameBits(want, quadrature));
      double[] exact = m.predict(x, n, b.shapAlgorithm(ShapAlgorithm.TREESHAP).build());
      assertFalse(sameBits(want, exact));
      double[] cross =
          TestData.flatten(crossVector(QUADRATURE_CASE, ShapAlgorithm.TREESHAP, "interactions"));
      assertTrue(sameBits(cross, Arrays.copyOf(exact, cross.length)),
          "TREESHAP interactions differ from XGBoost 3.2.0's");
    }
  }

  @Test
  void treeShapGivesXgboost32BitsAndQuadratureDoesNot() throws IOException {
    TestData.Case c = TestData.findCase(TREESHAP_CASE);
    double[][] rows = TestData.readCsv(c.input());
    double[] x = TestData.flatten(rows);
    double[] want = TestData.flatten(TestData.readCsv(c.outputs().get("contrib")));
    try (Model m = Model.load(c.model())) {
      assertTrue(sameBits(want, m.predict(x, rows.length, PredictOptions.of(OutputKind.CONTRIB))));
      assertTrue(sameBits(want, m.predict(x, rows.length, contrib(ShapAlgorithm.TREESHAP))));
      double[] quadrature = m.predict(x, rows.length, contrib(ShapAlgorithm.QUADRATURE));
      assertFalse(sameBits(want, quadrature), "QUADRATURE gave XGBoost 3.2.0's bits");
      assertClose(want, quadrature);
      // XGBoost 3.4.1's own bits explaining this 3.2.0 file (what its pred_contribs gives)
      double[][] cross = crossVector(TREESHAP_CASE, ShapAlgorithm.QUADRATURE, "contrib");
      assertTrue(sameBits(TestData.flatten(cross), quadrature),
          "QUADRATURE differs from XGBoost 3.4.1's values");
      // predictRow takes it
      int perRow = c.numFeatures() + 1;
      double[] row = m.predictRow(rows[0], contrib(ShapAlgorithm.QUADRATURE));
      assertArrayEquals(Arrays.copyOf(quadrature, perRow), row);
      assertFalse(sameBits(Arrays.copyOf(want, perRow), row));
      // by name, as a configuration file spells it
      assertTrue(sameBits(quadrature, m.predict(x, rows.length, PredictOptions.builder()
          .output(OutputKind.CONTRIB).shapAlgorithm("quadrature").build())));
    }
  }

  @Test
  void anUnknownNameIsRefusedNamingItAndTheNames() {
    for (String bad : new String[] {"exact", "QUADRATURE", "", null}) {
      PolyscoreException e = assertThrows(PolyscoreException.class,
          () -> PredictOptions.builder().shapAlgorithm(bad));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains(bad == null ? "null" : "\"" + bad + "\""), e.getMessage());
      assertTrue(e.getMessage().contains("auto, treeshap, quadrature"), e.getMessage());
    }
    assertThrows(PolyscoreException.class,
        () -> PredictOptions.builder().shapAlgorithm((ShapAlgorithm) null));
    assertEquals(ShapAlgorithm.AUTO, PredictOptions.DEFAULT.shapAlgorithm());
    assertEquals(ShapAlgorithm.TREESHAP,
        contrib(ShapAlgorithm.TREESHAP).toBuilder().build().shapAlgorithm());
    for (ShapAlgorithm a : ShapAlgorithm.values()) {
      assertEquals(a, ShapAlgorithm.fromName(a.algorithmName()));
    }
  }

  @Test
  void quadratureOnLightgbmIsUnsupported() throws IOException {
    TestData.Case c = TestData.findCase(LIGHTGBM_CASE);
    double[][] rows = TestData.readCsv(c.input());
    double[] x = TestData.flatten(rows);
    try (Model m = Model.load(c.model())) {
      PolyscoreException e = assertThrows(PolyscoreException.class,
          () -> m.predict(x, rows.length, contrib(ShapAlgorithm.QUADRATURE)));
      assertEquals(ErrorCode.UNSUPPORTED, e.code());
      assertTrue(e.getMessage().toLowerCase().contains("quadrature"), e.getMessage());
      assertArrayEquals(m.predict(x, rows.length, PredictOptions.of(OutputKind.CONTRIB)),
          m.predict(x, rows.length, contrib(ShapAlgorithm.TREESHAP)));
    }
  }
}
