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
 * PredictOptions.baseMargin: per-row margin offsets (XGBoost's base_margin), checked
 * against tests/vectors/offsets (made by XGBoost with base_margin and by LightGBM with
 * init_score added by hand), through double[], float[], direct buffer and row calls.
 */
class BaseMarginTest {
  private static final Path DIR = TestData.vectorsDir().resolve("offsets");

  @SuppressWarnings("unchecked")
  private static List<Object> cases() throws IOException {
    Map<String, Object> m = (Map<String, Object>) new TestData.Json(
        Files.readString(DIR.resolve("manifest.json"))).parse();
    return (List<Object>) m.get("cases");
  }

  // XGBoost's float32 results are repeated to the bit; LightGBM's value was made with
  // numpy's exp, which may differ from the C library's in the last bit.
  private static boolean same(boolean lightgbm, double[] want, double[] got) {
    if (want.length != got.length) return false;
    for (int i = 0; i < want.length; i++) {
      double w = want[i], g = got[i];
      if (Double.doubleToLongBits(w) == Double.doubleToLongBits(g)) continue;
      if (!lightgbm || Math.abs(w - g) > 4e-16 * Math.max(Math.abs(w), Math.abs(g))) return false;
    }
    return true;
  }

  @Test
  @SuppressWarnings("unchecked")
  void matchesTheTrainingLibrary() throws IOException {
    for (Object o : cases()) {
      Map<String, Object> c = (Map<String, Object>) o;
      String name = (String) c.get("name");
      boolean lightgbm = "lightgbm".equals(c.get("library"));
      int margins = ((Number) c.get("num_margins")).intValue();
      double[][] rows = TestData.readCsv(DIR.resolve((String) c.get("input")));
      double[] x = TestData.flatten(rows);
      double[] bm = TestData.flatten(TestData.readCsv(DIR.resolve((String) c.get("base_margin"))));
      Map<String, Object> outputs = (Map<String, Object>) c.get("outputs");
      try (Model m = Model.load(DIR.resolve((String) c.get("model")))) {
        for (OutputKind kind : new OutputKind[] {
                 OutputKind.VALUE, OutputKind.MARGIN, OutputKind.CONTRIB, OutputKind.INTERACTIONS}) {
          String key = kind.name().toLowerCase();
          if (!outputs.containsKey(key)) continue;  // interactions: XGBoost tree models only
          double[] want = TestData.flatten(TestData.readCsv(
              DIR.resolve((String) ((Map<String, Object>) outputs.get(key)).get("file"))));
          PredictOptions opts = PredictOptions.builder().output(kind).baseMargin(bm).build();
          double[] got = m.predict(x, rows.length, opts);
          assertTrue(same(lightgbm, want, got), name + " " + key);
          assertArrayEquals(got, m.predict(TestData.toFloats(x), rows.length, opts), name + " float[]");
          ByteBuffer buf = ByteBuffer.allocateDirect(x.length * 8).order(ByteOrder.nativeOrder());
          buf.asDoubleBuffer().put(x);
          assertArrayEquals(got, m.predict(buf, DType.FLOAT64, rows.length, opts), name + " buffer");
          int per = want.length / rows.length;
          for (int r = 0; r < rows.length; r++) {
            PredictOptions rowOpts = PredictOptions.builder().output(kind)
                .baseMargin(Arrays.copyOfRange(bm, r * margins, (r + 1) * margins)).build();
            assertArrayEquals(Arrays.copyOfRange(got, r * per, (r + 1) * per), m.predictRow(rows[r], rowOpts),
                name + " row " + r);
          }
          // Without the offsets, the model's base score: other numbers.
          assertFalse(same(lightgbm, want, m.predict(x, rows.length, PredictOptions.of(kind))),
              name + " " + key + " without offsets");
        }
      }
    }
  }

  @Test
  void errorsNameTheLengthExpected() throws IOException {
    try (Model m = Model.load(DIR.resolve("models/xgb3_offset_softprob.json"))) {
      double[] rows = new double[4 * 5];
      PolyscoreException e = assertThrows(PolyscoreException.class,
          () -> m.predict(rows, 4, PredictOptions.builder().baseMargin(new double[4]).build()));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("expected 4 rows x 3 margins = 12"), e.getMessage());
      e = assertThrows(PolyscoreException.class, () -> m.predictRow(new double[5],
          PredictOptions.builder().baseMargin(new double[] {1}).build()));
      assertTrue(e.getMessage().contains("expected 1 rows x 3 margins = 3"), e.getMessage());
      e = assertThrows(PolyscoreException.class, () -> m.predict(rows, 4,
          PredictOptions.builder().output(OutputKind.LEAF).baseMargin(new double[12]).build()));
      assertTrue(e.getMessage().contains("PS_OUTPUT_LEAF"), e.getMessage());
    }
  }

  @Test
  void optionsCopyTheOffsets() {
    double[] bm = {1, 2};
    PredictOptions o = PredictOptions.builder().baseMargin(bm).build();
    bm[0] = 5;
    assertEquals(1.0, o.baseMargin()[0]);
    assertEquals(1.0, o.toBuilder().build().baseMargin()[0]);
  }
}
