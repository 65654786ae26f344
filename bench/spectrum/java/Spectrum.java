// bench/spectrum/java: the spectrum benchmark's in-process Java point. Model.predict
// (bindings/java, JNI) on the rows spectrum_client scored (its --rows-out file), measured
// the way spectrum_client measures every point: a bit-for-bit check against the C result
// (the .ref file beside the rows), then one caller for SECONDS (p50, p99; the caller
// thread's CPU time) and CLIENTS threads for SECONDS (throughput). One JSON line per
// batch size and repeat on stdout, progress on stderr.
//   java -cp CLASSES Spectrum MODEL_FILE NAME ROWS BATCHES REPEATS SECONDS CLIENTS
import dev.polyscore.Model;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

public final class Spectrum {
  static final String POINT = "Java in-process";

  static double[] doubles(String file) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of(file))).order(ByteOrder.LITTLE_ENDIAN);
    double[] out = new double[b.remaining() / 8];
    b.asDoubleBuffer().get(out);
    return out;
  }

  public static void main(String[] a) throws Exception {
    String name = a[1];
    int repeats = Integer.parseInt(a[4]), clients = Integer.parseInt(a[6]);
    long phaseNs = (long) (Double.parseDouble(a[5]) * 1e9);
    double[] rows = doubles(a[2]), reference = doubles(a[2] + ".ref");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (Model m = Model.load(Path.of(a[0]))) {
      int cols = (int) m.info().numFeatures();
      for (int repeat = 1; repeat <= repeats; repeat++) {
        for (String bs : a[3].split(",")) {
          int batch = Integer.parseInt(bs);
          double[] x = Arrays.copyOf(rows, batch * cols);
          double[] got = m.predict(x, batch);
          for (int i = 0; i < batch; i++) {
            if (Double.doubleToRawLongBits(got[i]) != Double.doubleToRawLongBits(reference[i])
                && !(Double.isNaN(got[i]) && Double.isNaN(reference[i]))) {
              throw new IllegalStateException("batch " + batch + " row " + i + ": " + got[i] + ", C " + reference[i]);
            }
          }
          for (int i = 0; i < 2000; i++) m.predict(x, batch);  // warm-up, and the JIT
          double[] us = new double[200000];
          int n = 0;
          long cpu0 = threads.getCurrentThreadCpuTime();
          long start = System.nanoTime();
          while (n < 5 || (System.nanoTime() - start < phaseNs && n < us.length)) {
            long t0 = System.nanoTime();
            m.predict(x, batch);
            us[n++] = (System.nanoTime() - t0) / 1000.0;
          }
          double cpuUs = (threads.getCurrentThreadCpuTime() - cpu0) / 1000.0;
          double[] sorted = Arrays.copyOf(us, n);
          Arrays.sort(sorted);
          double p50 = sorted[Math.min(n - 1, (int) (0.5 * n))], p99 = sorted[Math.min(n - 1, (int) (0.99 * n))];

          AtomicBoolean stop = new AtomicBoolean();
          AtomicLong calls = new AtomicLong();
          Thread[] workers = new Thread[clients];
          long t0 = System.nanoTime();
          for (int c = 0; c < clients; c++) {
            workers[c] = new Thread(() -> {
              long k = 0;
              while (!stop.get()) {
                m.predict(x, batch);
                k++;
              }
              calls.addAndGet(k);
            });
            workers[c].start();
          }
          Thread.sleep(phaseNs / 1000000);
          stop.set(true);
          for (Thread w : workers) w.join();
          double elapsed = (System.nanoTime() - t0) / 1e9;
          System.out.printf(java.util.Locale.ROOT,
              "{\"model\":\"%s\",\"point\":\"%s\",\"batch\":%d,\"repeat\":%d,\"calls\":%d,\"p50_us\":%.3f,"
                  + "\"p99_us\":%.3f,\"server_cpu_us_per_call\":null,\"client_cpu_us_per_call\":%.3f,"
                  + "\"clients\":%d,\"throughput_calls_per_s\":%.1f,\"throughput_rows_per_s\":%.1f}%n",
              name, POINT, batch, repeat, n, p50, p99, cpuUs / n, clients, calls.get() / elapsed,
              calls.get() * (double) batch / elapsed);
          System.err.printf(java.util.Locale.ROOT,
              "  %-9s %-26s batch %4d  repeat %d  p50 %9.1f us  p99 %9.1f us  %10.0f rows/s (%d clients)%n",
              name, POINT, batch, repeat, p50, p99, calls.get() * (double) batch / elapsed, clients);
        }
      }
    }
  }
}
