package dev.polyscore;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JNI entry points (native/polyscore_jni.c) and the loading of the native code.
 *
 * <p>Where the glue comes from, first match wins:
 * <ol>
 *   <li>system property {@code polyscore.jni.path}: the path of libpolyscore_jni.so;
 *   <li>environment variable {@code POLYSCORE_JNI_LIBRARY}: the same;
 *   <li>the jar: {@code dev/polyscore/native/<os>-<arch>/} (e.g. {@code linux-x86_64})
 *       holds libpolyscore_jni.so and libpolyscore.so.1; both are copied into a new
 *       temporary directory (deleted when the JVM exits) and loaded from there;
 *   <li>{@code System.loadLibrary("polyscore_jni")}, i.e. {@code java.library.path}.
 * </ol>
 * The glue needs libpolyscore.so.1. The dynamic loader finds it through the glue's
 * RPATH ({@code $ORIGIN}: beside the glue) or LD_LIBRARY_PATH; or name the file with the
 * system property {@code polyscore.library.path} or the environment variable
 * {@code POLYSCORE_LIBRARY}: that file is loaded first, and the glue's dependency on
 * libpolyscore.so.1 then binds to it (the dynamic loader matches an already loaded SONAME).
 *
 * <p>Right after loading, the library's ABI version is checked against the one this
 * binding needs ({@link #REQUIRED_ABI_VERSION}, or the glue's header if newer). A failure
 * is remembered and thrown by every later use ({@link #ensureLoaded()}).
 */
final class Native {
  /** The ABI version of libpolyscore that this Java code needs. */
  static final int REQUIRED_ABI_VERSION = Constants.ABI_VERSION;

  private static final RuntimeException LOAD_FAILURE;

  static {
    RuntimeException failure = null;
    try {
      load();
      // polyscore.abi.require raises the requirement (to test the failure path).
      int required = Integer.getInteger("polyscore.abi.require", REQUIRED_ABI_VERSION);
      checkAbi(Math.max(required, headerAbiVersion()));
    } catch (PolyscoreException e) {
      failure = e;
    } catch (UnsatisfiedLinkError | SecurityException e) {
      failure = new PolyscoreException(ErrorCode.IO.status,
          "cannot load the polyscore JNI library: " + e.getMessage()
              + " (the jar carries the native libraries for linux-x86_64 only, this is " + platform()
              + "; elsewhere build them and set -Dpolyscore.jni.path=/path/to/libpolyscore_jni.so;"
              + " libpolyscore.so.1 must be beside it, on LD_LIBRARY_PATH or -Dpolyscore.library.path)");
      failure.initCause(e);
    }
    LOAD_FAILURE = failure;
  }

  private Native() {}

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    if (v == null || v.isEmpty()) v = System.getenv(env);
    return v == null || v.isEmpty() ? null : v;
  }

  private static void load() {
    String core = setting("polyscore.library.path", "POLYSCORE_LIBRARY");
    boolean coreLoaded = core != null && Files.exists(Path.of(core));
    if (coreLoaded) {
      System.load(Path.of(core).toAbsolutePath().toString());
    }
    String glue = setting("polyscore.jni.path", "POLYSCORE_JNI_LIBRARY");
    if (glue != null) {
      System.load(Path.of(glue).toAbsolutePath().toString());
    } else if (!loadFromJar(coreLoaded)) {
      System.loadLibrary("polyscore_jni");
    }
  }

  /** The platform's folder name in the jar: {@code linux-x86_64}, {@code linux-aarch64}. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
    if (os.startsWith("linux")) os = "linux";
    else if (os.startsWith("mac")) os = "macos";
    else if (os.startsWith("windows")) os = "windows";
    if (arch.equals("amd64") || arch.equals("x86_64")) arch = "x86_64";
    else if (arch.equals("arm64")) arch = "aarch64";
    return os + "-" + arch;
  }

  /**
   * Loads the libraries the jar carries for this platform, if it carries them: copies
   * them into a new private temporary directory (a shared library must be a file to be
   * loaded) and loads libpolyscore.so.1, unless one was loaded already, then the glue.
   * Returns false when the jar has nothing for this platform.
   */
  private static boolean loadFromJar(boolean coreLoaded) {
    String dir = "native/" + platform() + "/";
    if (Native.class.getResource(dir + "libpolyscore_jni.so") == null) return false;
    try {
      Path tmp = Files.createTempDirectory("polyscore-native-");
      tmp.toFile().deleteOnExit();
      Path core = extract(dir + "libpolyscore.so.1", tmp);
      Path glue = extract(dir + "libpolyscore_jni.so", tmp);
      if (!coreLoaded) System.load(core.toString());
      System.load(glue.toString());
      return true;
    } catch (java.io.IOException e) {
      UnsatisfiedLinkError error = new UnsatisfiedLinkError(
          "cannot copy the native libraries out of the jar into a temporary directory (java.io.tmpdir="
              + System.getProperty("java.io.tmpdir") + "): " + e);
      error.initCause(e);
      throw error;
    }
  }

  private static Path extract(String resource, Path dir) throws java.io.IOException {
    Path out = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
    try (java.io.InputStream in = Native.class.getResourceAsStream(resource)) {
      if (in == null) throw new java.io.FileNotFoundException(resource + " is not in the jar");
      Files.copy(in, out);
    }
    out.toFile().deleteOnExit();
    return out;
  }

  /** Throws the loading or ABI failure, if there was one. Cheap after the first call. */
  static void ensureLoaded() {
    if (LOAD_FAILURE != null) {
      // A fresh exception each time, so each caller gets its own stack trace.
      if (LOAD_FAILURE instanceof PolyscoreException) {
        PolyscoreException p = (PolyscoreException) LOAD_FAILURE;
        PolyscoreException e = new PolyscoreException(p.status(), p.getMessage());
        e.initCause(p.getCause() != null ? p.getCause() : p);
        throw e;
      }
      throw LOAD_FAILURE;
    }
  }

  /**
   * Fails with {@link ErrorCode#ABI_VERSION} and a message naming both versions when
   * the loaded library offers less than ABI version {@code required}. Package-private
   * so that tests can ask for a version the library does not have.
   */
  static void checkAbi(int required) {
    int have = libraryAbiVersion();
    if (have >= required) return;
    throw new PolyscoreException(ErrorCode.ABI_VERSION.status,
        "libpolyscore " + libraryVersion() + " has ABI version " + have
            + ", but this Java binding needs ABI version " + required
            + " or newer: install a newer libpolyscore.so.1");
  }

  static native int libraryAbiVersion();

  static native int headerAbiVersion();

  static native String libraryVersion();

  static native String statusName(int status);

  static native void abiCheck(int required);

  static native long loadFile(byte[] nulTerminatedPath, int format);

  static native long loadBuffer(byte[] data, int format);

  static native void free(long handle);

  static native byte[][] info(long handle, long[] nums);

  static native byte[] featureName(long handle, int index);

  static native boolean featureCategorical(long handle, int index);

  static native int categoryListCount(long handle, boolean[] saved);

  static native void categoryList(long handle, int list, long[] featureAndCount);

  static native byte[] category(long handle, int list, int index, int[] kind);

  static native double[] predictArray(long handle, Object rows, int dtype, long nRows, long nCols,
      int output, int begin, int end, int threads, int shapAlgorithm, boolean critical,
      double[] baseMargin);

  static native double[] predictBuffer(long handle, ByteBuffer buffer, long byteOffset, int dtype,
      long nRows, long nCols, int output, int begin, int end, int threads, int shapAlgorithm,
      double[] baseMargin);

  static native double[] predictRow(long handle, double[] row, int output, int begin, int end,
      int shapAlgorithm, double[] baseMargin);

  /**
   * The single-row fast path over all rounds: scores {@code row} ({@code nFeatures} =
   * its length) into {@code out} ({@code outLen} = its length, the values per row of
   * {@code output}); throws PolyscoreException on failure (out is then untouched).
   */
  /**
   * As predictRowInto for an output kind with one value per row: returns that value
   * (saves the JNI copy into a result array).
   */
  static native double predictRowValue(long handle, double[] row, int nFeatures, int output);

  static native void predictRowInto(long handle, double[] row, int nFeatures, double[] out,
      int outLen, int output);
}
