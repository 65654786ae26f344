package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The conventions every binding shares with C (docs/bindings.md): threads 0 is all cores,
 * an empty batch gives an empty result, info after close is an INVALID_HANDLE error, and the
 * names and defaults are the header's.
 */
class ConventionsTest {
  private static final double[] ROWS = {0.4, 1.2, 0.0, 0.5};

  @Test
  void threadsZeroIsAllCoresAndNegativeIsAnError() {
    try (Model m = Model.load(TestData.fraudModel())) {
      double[] one = m.predict(ROWS, 2);
      assertArrayEquals(one, m.predict(ROWS, 2, PredictOptions.builder().threads(0).build()));
      assertEquals(0, PredictOptions.builder().threads(0).build().threads());
      assertEquals(1, PredictOptions.DEFAULT.threads(), "PS_PREDICT_OPTIONS_INIT's num_threads");
      PolyscoreException e = assertThrows(PolyscoreException.class,
          () -> PredictOptions.builder().threads(-1));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }

  @Test
  void emptyBatchGivesEmptyResult() {
    try (Model m = Model.load(TestData.fraudModel())) {
      for (OutputKind output : OutputKind.values()) {
        PredictOptions o = PredictOptions.of(output);
        assertEquals(0, m.predict(new double[0], 0, o).length, output.toString());
        assertEquals(0, m.predict(new float[0], 0, o).length, output.toString());
        ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        assertEquals(0, m.predict(empty, DType.FLOAT64, 0, o).length, output.toString());
      }
    }
  }

  @Test
  void infoAfterCloseIsInvalidHandle() {
    Model m = Model.load(TestData.fraudModel());
    assertEquals(2, m.info().numFeatures());
    m.close();
    PolyscoreException e = assertThrows(PolyscoreException.class, m::info);
    assertEquals(ErrorCode.INVALID_HANDLE, e.code());
  }

  @Test
  void namesAreTheHeaders() {
    try (Model m = Model.load(TestData.fraudModel())) {
      assertEquals("xgboost-json", m.info().format().formatName());
    }
    assertEquals("lightgbm-text", ModelFormat.LIGHTGBM_TEXT.formatName());
    assertEquals("PS_ERR_SHAPE", ErrorCode.SHAPE.cName());
    assertEquals(ErrorCode.SHAPE, ErrorCode.of(6));
    assertEquals(4, DType.FLOAT32.byteSize());
  }
}
