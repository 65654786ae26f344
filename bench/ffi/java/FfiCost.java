// bench/ffi/java: fixed cost of one single-row call from Java.
//   java -cp CLASSES:. -Dpolyscore.jni.path=... -Djava.library.path=DIR FfiCost MODEL CALLS REPS
// binding: dev.polyscore.Model.predictRow(double[]) (bindings/java, JNI) on MODEL (one tree);
// bare:    an empty JNI method (empty_jni.c, libpsffi_jni.so) with the binding's native
//          signature (handle, row array, length, output kind -> double) that pins and
//          releases the row, the least a JNI method does to read an array;
// noop:    the same method doing nothing (the bare JNI transition), reported beside.
// Interleaved per repeat, after a warm-up long enough for the JIT; prints one JSON line:
// wall clock and this thread's CPU time (ThreadMXBean; JIT and GC threads not counted).
import dev.polyscore.Model;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

public final class FfiCost {
  static native double empty(long handle, double[] row, int n, int output);

  static native double noop(long handle, double[] row, int n, int output);

  public static void main(String[] args) {
    System.loadLibrary("psffi_jni");
    int calls = Integer.parseInt(args[1]);
    int reps = Integer.parseInt(args[2]);
    try (Model m = Model.load(Path.of(args[0]))) {
      double[] row = new double[m.info().numFeatures()];
      double sink = 0;
      double[] b = new double[reps];
      double[] e = new double[reps];
      double[] z = new double[reps];
      double[][] cpu = new double[3][reps];
      ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
      for (int r = -3; r < reps; r++) {  // three warm-up rounds for the JIT
        long c0 = tmx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) sink += m.predictRow(row)[0];
        long t1 = System.nanoTime();
        long c1 = tmx.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) sink += empty(1L, row, row.length, 0);
        long t2 = System.nanoTime();
        long c2 = tmx.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) sink += noop(1L, row, row.length, 0);
        long t3 = System.nanoTime();
        long c3 = tmx.getCurrentThreadCpuTime();
        if (r >= 0) {
          b[r] = (double) (t1 - t0) / calls;
          e[r] = (double) (t2 - t1) / calls;
          z[r] = (double) (t3 - t2) / calls;
          cpu[0][r] = (double) (c1 - c0) / calls;
          cpu[1][r] = (double) (c2 - c1) / calls;
          cpu[2][r] = (double) (c3 - c2) / calls;
        }
      }
      StringBuilder s = new StringBuilder("{\"binding_ns\": [");
      for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(b[r]);
      s.append("], \"bare_ns\": [");
      for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(e[r]);
      s.append("], \"noop_ns\": [");
      for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(z[r]);
      String[] keys = {"binding_cpu_ns", "bare_cpu_ns", "noop_cpu_ns"};
      for (int k = 0; k < 3; k++) {
        s.append("], \"").append(keys[k]).append("\": [");
        for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(cpu[k][r]);
      }
      s.append("], \"checksum\": ").append(sink).append("}");
      System.out.println(s);
    }
  }
}
