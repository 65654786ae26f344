// bench/ffi/java: fixed cost of one single-row call from Java.
//   java -cp CLASSES:. -Dpolyscore.jni.path=... -Djava.library.path=DIR FfiCost MODEL CALLS REPS
// binding: dev.polyscore.Model.predictRow(double[]) (bindings/java, JNI) on MODEL (one tree);
// bare:    an empty JNI method (empty_jni.c, libpsffi_jni.so) taking the row array and the
//          output array, like the binding's native method, but doing nothing with them.
// Interleaved per repeat, after a warm-up long enough for the JIT; prints one JSON line.
import dev.polyscore.Model;
import java.nio.file.Path;

public final class FfiCost {
  static native int empty(long handle, double[] row, double[] out, int output, int begin, int end);

  public static void main(String[] args) {
    System.loadLibrary("psffi_jni");
    int calls = Integer.parseInt(args[1]);
    int reps = Integer.parseInt(args[2]);
    try (Model m = Model.load(Path.of(args[0]))) {
      double[] row = new double[m.info().numFeatures()];
      double[] out = new double[1];
      double sink = 0;
      double[] b = new double[reps];
      double[] e = new double[reps];
      for (int r = -3; r < reps; r++) {  // three warm-up rounds for the JIT
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) sink += m.predictRow(row)[0];
        long t1 = System.nanoTime();
        for (int i = 0; i < calls; i++) sink += empty(1L, row, out, 0, 0, 0);
        long t2 = System.nanoTime();
        if (r >= 0) {
          b[r] = (double) (t1 - t0) / calls;
          e[r] = (double) (t2 - t1) / calls;
        }
      }
      StringBuilder s = new StringBuilder("{\"binding_ns\": [");
      for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(b[r]);
      s.append("], \"bare_ns\": [");
      for (int r = 0; r < reps; r++) s.append(r > 0 ? ", " : "").append(e[r]);
      s.append("], \"checksum\": ").append(sink).append("}");
      System.out.println(s);
    }
  }
}
