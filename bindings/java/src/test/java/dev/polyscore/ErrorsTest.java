package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** Bad input gives PolyscoreException with the library's status code and message. */
class ErrorsTest {
  @TempDir Path tmp;

  private static PolyscoreException expect(ErrorCode code, Executable call) {
    PolyscoreException e = assertThrows(PolyscoreException.class, call);
    assertEquals(code, e.code(), () -> "message: " + e.getMessage());
    assertEquals(code.status(), e.status());
    assertFalse(e.getMessage().isEmpty());
    assertTrue(e.toString().contains(code.cName()), e.toString());
    return e;
  }

  @Test
  void missingFile() {
    Path missing = tmp.resolve("no-such-model.json");
    PolyscoreException e = expect(ErrorCode.IO, () -> Model.load(missing));
    assertTrue(e.getMessage().contains("no-such-model.json"), e.getMessage());
  }

  @Test
  void truncatedXgboostModel() throws Exception {
    byte[] full = Files.readAllBytes(TestData.findCase("xgb3_binary_logistic").model());
    Path cut = tmp.resolve("truncated.json");
    Files.write(cut, Arrays.copyOf(full, full.length / 2));
    expect(ErrorCode.PARSE, () -> Model.load(cut));
    expect(ErrorCode.PARSE, () -> Model.load(Arrays.copyOf(full, full.length / 2)));
  }

  @Test
  void truncatedLightgbmModel() throws Exception {
    byte[] full = Files.readAllBytes(TestData.findCase("lgb4_binary").model());
    Path cut = tmp.resolve("truncated.txt");
    Files.write(cut, Arrays.copyOf(full, full.length / 3));
    expect(ErrorCode.PARSE, () -> Model.load(cut));
  }

  @Test
  void garbageAndEmptyBytes() {
    expect(ErrorCode.PARSE, () -> Model.load("not a model at all \u00ff\u0001".getBytes()));
    expect(ErrorCode.PARSE, () -> Model.load(new byte[0]));
  }

  @Test
  void wrongFeatureCountIsTheLibrarysShapeError() {
    try (Model m = Model.load(TestData.fraudModel())) {
      assertEquals(2, m.info().numFeatures());
      PolyscoreException row = expect(ErrorCode.SHAPE, () -> m.predictRow(new double[] {1, 2, 3}));
      assertTrue(row.getMessage().contains("3") && row.getMessage().contains("2"), row.getMessage());
      // Two rows of three values: a whole number of rows, but not the model's width.
      expect(ErrorCode.SHAPE, () -> m.predict(new double[6], 2));
      expect(ErrorCode.SHAPE, () -> m.predict(new float[6], 2));
      expect(ErrorCode.SHAPE, () -> m.predictRow(new double[0]));
    }
  }

  @Test
  void predictRowWithoutOptionsChecksAsWithOptions() {
    // predictRow(row) has its own fast path for one value per row: the same answers and
    // errors as predictRow(row, options)
    try (Model m = Model.load(TestData.fraudModel())) {
      assertEquals(1, m.info().numOutputs());
      double[] nan = {Double.NaN, 1.2};
      assertArrayEquals(m.predict(nan, 1), m.predictRow(nan));
      double[] a = m.predictRow(new double[] {0.4, 1.2});
      double[] b = m.predictRow(new double[] {0.4, 1.2});
      assertTrue(a != b && a.length == 1 && a[0] == b[0], "a new array per call");
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predictRow(null));
      PolyscoreException e = expect(ErrorCode.SHAPE, () -> m.predictRow(new double[] {1}));
      assertTrue(e.getMessage().contains("1") && e.getMessage().contains("2"), e.getMessage());
    }
  }

  @Test
  void wrongArrayLength() {
    try (Model m = Model.load(TestData.fraudModel())) {
      PolyscoreException e = expect(ErrorCode.SHAPE, () -> m.predict(new double[5], 2));
      assertTrue(e.getMessage().contains("5"), e.getMessage());
      expect(ErrorCode.SHAPE, () -> m.predict(new double[3], 0));
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(new double[4], -2));
      ByteBuffer odd = ByteBuffer.allocateDirect(20).order(ByteOrder.nativeOrder());
      expect(ErrorCode.SHAPE, () -> m.predict(odd, DType.FLOAT64, 1, PredictOptions.DEFAULT));
      assertEquals(0, m.predict(new double[0], 0).length);
    }
  }

  @Test
  void badBuffers() {
    try (Model m = Model.load(TestData.fraudModel())) {
      ByteBuffer heap = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(heap, DType.FLOAT64, 1));
      ByteBuffer bigEndian = ByteBuffer.allocateDirect(16).order(ByteOrder.BIG_ENDIAN);
      PolyscoreException e =
          expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(bigEndian, DType.FLOAT64, 1));
      assertTrue(e.getMessage().contains("order"), e.getMessage());
      ByteBuffer unaligned = ByteBuffer.allocateDirect(17).order(ByteOrder.nativeOrder());
      unaligned.position(1);
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(unaligned, DType.FLOAT64, 1));
    }
  }

  @Test
  void badOptions() {
    try (Model m = Model.load(TestData.fraudModel())) {
      int rounds = m.info().numIterations();
      PredictOptions outside = PredictOptions.builder().iterations(0, rounds + 5).build();
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predictRow(new double[] {0.4, 1.2}, outside));
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(new double[] {0.4, 1.2}, 1, outside));
      expect(ErrorCode.INVALID_ARGUMENT, () -> PredictOptions.builder().iterations(-1, 0));
      expect(ErrorCode.INVALID_ARGUMENT, () -> PredictOptions.builder().threads(-1));
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict(new double[2], 1, null));
      expect(ErrorCode.INVALID_ARGUMENT, () -> m.predict((double[]) null, 1));
      expect(ErrorCode.INVALID_ARGUMENT, () -> Model.load((Path) null));
    }
  }

  @Test
  void useAfterClose() {
    Model m = Model.load(TestData.fraudModel());
    double[] before = m.predictRow(new double[] {0.4, 1.2});
    m.close();
    assertTrue(m.isClosed());
    expect(ErrorCode.INVALID_HANDLE, () -> m.predictRow(new double[] {0.4, 1.2}));
    expect(ErrorCode.INVALID_HANDLE,
        () -> m.predictRow(new double[] {0.4, 1.2}, PredictOptions.of(OutputKind.MARGIN)));
    expect(ErrorCode.INVALID_HANDLE,
        () -> m.predictRow(new double[] {0.4, 1.2}, PredictOptions.of(OutputKind.LEAF)));
    expect(ErrorCode.INVALID_HANDLE, () -> m.predict(new double[] {0.4, 1.2}, 1));
    expect(ErrorCode.INVALID_HANDLE, () -> m.predict(new float[] {0.4f, 1.2f}, 1));
    ByteBuffer b = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    expect(ErrorCode.INVALID_HANDLE, () -> m.predict(b, DType.FLOAT64, 1));
    expect(ErrorCode.INVALID_HANDLE, m::info);
    expect(ErrorCode.INVALID_HANDLE, () -> m.featureName(0));
    m.close(); // twice is harmless
    assertEquals(1, before.length);
  }

  @Test
  void freedHandleIsTheLibrarysInvalidHandle() throws Exception {
    Model.load(TestData.fraudModel()).close(); // loads the glue
    long h = Native.loadFile((TestData.fraudModel() + "\0").getBytes(), 0);
    assertEquals(1, Native.predictRow(h, new double[] {0.4, 1.2}, 0, 0, 0, 0, null).length);
    Native.free(h);
    expect(ErrorCode.INVALID_HANDLE, () -> Native.predictRow(h, new double[] {0.4, 1.2}, 0, 0, 0, 0, null));
    Native.free(h); // freeing twice is harmless in the library too
  }

  @Test
  void featureNamesAndInfo() {
    try (Model m = Model.load(TestData.fraudModel())) {
      assertEquals(java.util.List.of("amount_zscore", "velocity"), m.featureNames());
      expect(ErrorCode.SHAPE, () -> m.featureName(2));
      ModelInfo i = m.info();
      assertEquals(ModelFormat.XGBOOST_JSON, i.format());
      assertEquals("binary:logistic", i.objective());
      assertEquals(1, i.numOutputs());
      assertTrue(m.toString().contains("binary:logistic"));
    }
  }

  @Test
  void explicitFormat() throws Exception {
    Path p = TestData.findCase("lgb4_binary").model();
    try (Model m = Model.load(p, ModelFormat.LIGHTGBM_TEXT)) {
      assertEquals(ModelFormat.LIGHTGBM_TEXT, m.info().format());
    }
    PolyscoreException e = assertThrows(PolyscoreException.class,
        () -> Model.load(p, ModelFormat.XGBOOST_JSON));
    assertTrue(e.code() == ErrorCode.PARSE || e.code() == ErrorCode.INVALID_ARGUMENT, e.toString());
  }

  @Test
  void fraudExample() throws Exception {
    double[][] expected = TestData.parseCsv(
        Files.readString(TestData.fraudDir().resolve("expected.csv")).replaceFirst("^[^\n]*\n", ""));
    try (Model m = Model.load(TestData.fraudModel())) {
      for (double[] row : expected) {
        double[] p = m.predictRow(new double[] {row[0], row[1]});
        assertArrayEquals(new double[] {row[2]}, p, 1e-12);
      }
    }
  }
}
