package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of tests/vectors/manifest.json, every output kind, through every input path
 * (double[]/float[] in place and copied, direct ByteBuffer, the single-row path, several
 * threads): bit-identical to each other and to the C library's CLI, and within the C
 * suite's tolerance of the training library's own output.
 */
class ConformanceTest {
  private static final OutputKind[] KINDS = {OutputKind.VALUE, OutputKind.MARGIN, OutputKind.LEAF};

  @Test
  void manifestHasCases() throws Exception {
    List<TestData.Case> cases = TestData.cases();
    assertTrue(cases.size() > 100, "expected the full manifest, got " + cases.size());
    assertTrue(cases.stream().anyMatch(TestData.Case::f32));
    assertTrue(cases.stream().anyMatch(c -> c.iterationEnd() != 0));
  }

  @TestFactory
  List<DynamicTest> vectors() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    for (TestData.Case c : TestData.cases()) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }
    return tests;
  }

  static boolean close(double expected, double actual, double rel) {
    if (Double.isNaN(expected)) return Double.isNaN(actual);
    if (expected == actual) return true;
    return Math.abs(expected - actual) <= rel * Math.max(Math.abs(expected), Math.abs(actual));
  }

  static void assertBitsEqual(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
        fail(what + ": value " + i + " differs: " + expected[i] + " vs " + actual[i]);
      }
    }
  }

  private static void check(TestData.Case c) throws Exception {
    double[][] rows = TestData.readCsv(c.input());
    int nRows = rows.length;
    double[] x64 = TestData.flatten(rows);
    float[] x32 = TestData.toFloats(x64);
    double rel = c.f32() ? 1e-5 : 1e-6;

    try (Model m = Model.load(c.model());
        Model fromBytes = Model.load(Files.readAllBytes(c.model()))) {
      ModelInfo info = m.info();
      assertEquals(c.numFeatures(), info.numFeatures());
      assertEquals(info, fromBytes.info());
      assertEquals(info.numFeatures(), m.featureNames().size());

      for (OutputKind kind : KINDS) {
        String key = kind.name().toLowerCase();
        if (!c.outputs().containsKey(key)) continue;
        String what = c.name() + " " + key;
        PredictOptions opts = PredictOptions.builder().output(kind)
            .iterations(c.iterationBegin(), c.iterationEnd()).build();
        double[] expected = TestData.flatten(TestData.readCsv(c.outputs().get(key)));
        int[] shape = c.shapes().get(key);
        assertEquals((long) shape[0] * shape[1], expected.length, what + ": expected file shape");

        // double[] / float[] in place (critical) and copied.
        double[] inPlace;
        double[] copied;
        int saved = Model.criticalLimit;
        try {
          Model.criticalLimit = Integer.MAX_VALUE;
          inPlace = c.f32() ? m.predict(x32, nRows, opts) : m.predict(x64, nRows, opts);
          Model.criticalLimit = 0;
          copied = c.f32() ? m.predict(x32, nRows, opts) : m.predict(x64, nRows, opts);
        } finally {
          Model.criticalLimit = saved;
        }
        assertEquals(expected.length, inPlace.length, what + ": output size");
        for (int i = 0; i < expected.length; i++) {
          int per = expected.length / nRows;
          if (!close(expected[i], inPlace[i], rel)) {
            fail(what + ": row " + i / per + " col " + i % per + ": expected " + expected[i]
                + " got " + inPlace[i]);
          }
        }
        assertBitsEqual(inPlace, copied, what + " (copied input)");

        // Direct ByteBuffer, read in place from a non-zero position.
        DType dtype = c.f32() ? DType.FLOAT32 : DType.FLOAT64;
        ByteBuffer buf = ByteBuffer.allocateDirect(8 + x64.length * dtype.byteSize())
            .order(ByteOrder.LITTLE_ENDIAN);
        buf.position(8);
        for (int i = 0; i < x64.length; i++) {
          if (c.f32()) buf.putFloat(x32[i]); else buf.putDouble(x64[i]);
        }
        buf.position(8);
        assertBitsEqual(inPlace, m.predict(buf, dtype, nRows, opts), what + " (ByteBuffer)");
        assertEquals(8, buf.position(), "position unchanged");

        // Several threads inside the library, and the model loaded from bytes.
        assertBitsEqual(inPlace, m.predict(x64, nRows, opts.toBuilder().threads(2).build()),
            what + " (2 threads)");
        assertBitsEqual(inPlace, fromBytes.predict(x64, nRows, opts), what + " (load(byte[]))");

        // The single-row path (doubles only, as in the C suite).
        if (!c.f32()) {
          int per = inPlace.length / nRows;
          for (int r = 0; r < nRows; r++) {
            double[] one = m.predictRow(rows[r], opts);
            assertBitsEqual(Arrays.copyOfRange(inPlace, r * per, (r + 1) * per), one,
                what + " (predictRow, row " + r + ")");
            if (kind == OutputKind.VALUE && c.iterationBegin() == 0 && c.iterationEnd() == 0) {
              // predictRow(row), the default options' own fast path
              assertBitsEqual(one, m.predictRow(rows[r]), what + " (predictRow(row), row " + r + ")");
            }
          }
        }

        // Bit for bit what the C library itself gives (the CLI has no iteration ranges).
        if (TestData.cli() != null) {
          double[] cli = TestData.cliPredict(TestData.cli(), c.model(), c.input(), key,
              c.iterationBegin(), c.iterationEnd());
          if (cli != null) assertBitsEqual(cli, inPlace, what + " (vs the C library's CLI)");
        }
      }
    }
  }

  @Test
  void cliIsAvailableForBitComparison() {
    // test.sh builds the CLI; without it the bit-for-bit comparison above is skipped.
    assertNotNull(TestData.cli(), "polyscore CLI not found (system property polyscore.cli)");
  }

  @Test
  void outputsMapCoversAllKinds() throws Exception {
    Map<String, ?> outputs = TestData.findCase("xgb3_binary_logistic").outputs();
    assertTrue(outputs.keySet().containsAll(List.of("value", "margin", "leaf")));
  }
}
