package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One model from many threads gives exact results; close during calls waits for them. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
  @AfterEach
  void clearHook() {
    Model.callHook = null;
  }

  private static double[] repeatRows(double[] x, int times) {
    double[] out = new double[x.length * times];
    for (int i = 0; i < times; i++) System.arraycopy(x, 0, out, i * x.length, x.length);
    return out;
  }

  @Test
  void sixteenThreadsGetExactResults() throws Exception {
    for (String name : List.of("xgb3_bigish_binary_logistic", "lgb4_bigish_binary",
        "xgb3_multi_softprob")) {
      TestData.Case c = TestData.findCase(name);
      double[][] rows = TestData.readCsv(c.input());
      int nRows = rows.length;
      double[] x = TestData.flatten(rows);
      float[] xf = TestData.toFloats(x);
      try (Model m = Model.load(c.model())) {
        PredictOptions[] opts = {PredictOptions.DEFAULT, PredictOptions.of(OutputKind.MARGIN),
            PredictOptions.of(OutputKind.LEAF)};
        double[][] expected = new double[3][];
        double[][] expectedF = new double[3][];
        double[][][] expectedRow = new double[3][nRows][];
        for (int k = 0; k < 3; k++) {
          expected[k] = m.predict(x, nRows, opts[k]);
          expectedF[k] = m.predict(xf, nRows, opts[k]);
          for (int r = 0; r < nRows; r++) expectedRow[k][r] = m.predictRow(rows[r], opts[k]);
        }
        int threads = 16;
        CyclicBarrier start = new CyclicBarrier(threads);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger calls = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          final int id = t;
          Thread w = new Thread(() -> {
            try {
              ByteBuffer buf = ByteBuffer.allocateDirect(x.length * 8).order(ByteOrder.nativeOrder());
              buf.asDoubleBuffer().put(x);
              start.await();
              for (int i = 0; i < 40; i++) {
                int k = (id + i) % 3;
                double[] got;
                double[] want;
                switch ((id + i) % 4) {
                  case 0: got = m.predict(x, nRows, opts[k]); want = expected[k]; break;
                  case 1: got = m.predict(xf, nRows, opts[k]); want = expectedF[k]; break;
                  case 2: got = m.predict(buf, DType.FLOAT64, nRows, opts[k]); want = expected[k]; break;
                  default:
                    int r = (id * 7 + i) % nRows;
                    got = m.predictRow(rows[r], opts[k]);
                    want = expectedRow[k][r];
                }
                calls.incrementAndGet();
                if (!Arrays.equals(want, got)) failures.add("thread " + id + " call " + i);
              }
            } catch (Throwable e) {
              failures.add("thread " + id + ": " + e);
            }
          });
          workers.add(w);
          w.start();
        }
        for (Thread w : workers) w.join();
        assertTrue(failures.isEmpty(), name + ": " + failures);
        assertEquals(threads * 40, calls.get());
        assertEquals(0, m.callsInFlight());
      }
    }
  }

  /** A predict that is held inside the in-flight region by the test hook. */
  private static final class HeldCall {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);
    final AtomicLong nativeDoneAt = new AtomicLong();
    final AtomicReference<double[]> result = new AtomicReference<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final Thread thread;

    HeldCall(Model m, double[] x, int nRows) {
      thread = new Thread(() -> {
        try {
          result.set(m.predict(x, nRows, PredictOptions.DEFAULT));
        } catch (Throwable e) {
          error.set(e);
        }
      }, "held-predict");
      Model.callHook = new Model.CallHook() {
        @Override
        public void beforeNative() {
          if (Thread.currentThread() != thread) return;
          entered.countDown();
          try {
            proceed.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }

        @Override
        public void afterNative() {
          if (Thread.currentThread() == thread) nativeDoneAt.set(System.nanoTime());
        }
      };
      thread.start();
    }
  }

  /** True once the thread waits (for a monitor's notify) or has ended. */
  private static boolean hasStopped(Thread t) {
    Thread.State state = t.getState();
    return state == Thread.State.WAITING || state == Thread.State.TERMINATED;
  }

  private static Thread closer(Model m, AtomicLong returnedAt) {
    Thread t = new Thread(() -> {
      m.close();
      returnedAt.set(System.nanoTime());
    }, "closer");
    t.start();
    return t;
  }

  @Test
  void closeWaitsForTheCallInFlight() throws Exception {
    TestData.Case c = TestData.findCase("xgb3_bigish_binary_logistic");
    double[] x = repeatRows(TestData.flatten(TestData.readCsv(c.input())), 20);
    int nRows = x.length / c.numFeatures();
    Model m = Model.load(c.model());
    double[] expected = m.predict(x, nRows);

    HeldCall call = new HeldCall(m, x, nRows);
    assertTrue(call.entered.await(30, TimeUnit.SECONDS));
    assertEquals(1, m.callsInFlight());
    AtomicLong closeReturnedAt = new AtomicLong();
    AtomicLong closeReturnedAt2 = new AtomicLong();
    Thread closer = closer(m, closeReturnedAt);
    Thread closer2 = closer(m, closeReturnedAt2); // a second close waits as well

    // Wait until both closers wait (or have returned, which the checks below refuse): a
    // fixed 300 ms assumed they got that far by then, which a loaded machine need not do.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(hasStopped(closer) && hasStopped(closer2)) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(closer.isAlive(), "close() returned while a predict was in flight");
    assertTrue(closer2.isAlive(), "the second close() returned while a predict was in flight");
    assertEquals(Thread.State.WAITING, closer.getState());
    assertTrue(m.isClosed(), "close has begun");
    // New calls fail at once while the close waits.
    PolyscoreException e = assertThrows(PolyscoreException.class, () -> m.predictRow(new double[8]));
    assertEquals(ErrorCode.INVALID_HANDLE, e.code());

    call.proceed.countDown();
    call.thread.join(30_000);
    closer.join(30_000);
    closer2.join(30_000);
    assertFalse(closer.isAlive());
    assertNull(call.error.get());
    assertArrayEquals(expected, call.result.get(), "the in-flight predict completed correctly");
    assertTrue(call.nativeDoneAt.get() != 0);
    assertTrue(closeReturnedAt.get() > call.nativeDoneAt.get(), "close returned before predict ended");
    assertTrue(closeReturnedAt2.get() > call.nativeDoneAt.get());
    assertEquals(0, m.callsInFlight());
  }

  @Test
  void closeFromTheCleanerPathDoesNotCountAsALeak() {
    long before = Model.CLEANER_FREES.get();
    Model.load(TestData.fraudModel()).close();
    assertEquals(before, Model.CLEANER_FREES.get());
  }

  /** Real, unhooked calls racing a close: each either completes exactly or fails cleanly. */
  @Test
  void closeWhileManyThreadsPredictNeverCrashes() throws Exception {
    TestData.Case c = TestData.findCase("lgb4_bigish_binary");
    double[] x = repeatRows(TestData.flatten(TestData.readCsv(c.input())), 10);
    int nRows = x.length / c.numFeatures();
    double[] expected;
    try (Model m = Model.load(c.model())) {
      expected = m.predict(x, nRows);
    }
    int saved = Model.criticalLimit;
    try {
      for (int round = 0; round < 8; round++) {
        Model.criticalLimit = round % 2 == 0 ? Integer.MAX_VALUE : 0;
        Model m = Model.load(c.model());
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger closedErrors = new AtomicInteger();
        CountDownLatch firstDone = new CountDownLatch(4);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          Thread w = new Thread(() -> {
            boolean counted = false;
            for (;;) {
              try {
                double[] got = (ok.get() % 2 == 0) ? m.predict(x, nRows)
                    : m.predictRow(Arrays.copyOf(x, c.numFeatures()));
                if (got.length == expected.length ? !Arrays.equals(expected, got)
                    : got[0] != expected[0]) {
                  failures.add("wrong result");
                }
                ok.incrementAndGet();
              } catch (PolyscoreException e) {
                if (e.code() == ErrorCode.INVALID_HANDLE) closedErrors.incrementAndGet();
                else failures.add(e.toString());
                break;
              } catch (Throwable e) {
                failures.add(e.toString());
                break;
              } finally {
                if (!counted) {
                  counted = true;
                  firstDone.countDown();
                }
              }
            }
          });
          workers.add(w);
          w.start();
        }
        assertTrue(firstDone.await(30, TimeUnit.SECONDS));
        Thread.sleep(round * 3);
        m.close();
        assertEquals(0, m.callsInFlight(), "close returned with calls in flight");
        for (Thread w : workers) w.join(30_000);
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(4, closedErrors.get());
        assertTrue(ok.get() >= 4);
      }
    } finally {
      Model.criticalLimit = saved;
    }
  }
}
