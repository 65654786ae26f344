package dev.polyscore;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loaded XGBoost or LightGBM model.
 *
 * <pre>{@code
 * try (Model m = Model.load(Path.of("fraud-v3.json"))) {
 *   double[] p = m.predictRow(new double[] {0.4, 1.2});
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may predict with one model at once; the library
 * takes no lock on the predict path. {@link #close()} may be called at any time from any
 * thread: calls that are already running finish normally (close waits for them), calls
 * that start afterwards throw {@link PolyscoreException} with
 * {@link ErrorCode#INVALID_HANDLE}. A model that is never closed is freed by a
 * {@link Cleaner} once it is unreachable; do not rely on that for timely release.
 *
 * <p>Input rows are row-major: {@code rows[r * numFeatures + c]}. NaN marks a missing
 * value. Results are doubles, row after row: {@code numOutputs} (VALUE),
 * {@code numMargins} (MARGIN) or one per tree used (LEAF) per row.
 */
public final class Model implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /**
   * Batches of at most this many input values are passed to the library in place
   * (GetPrimitiveArrayCritical, no copy); larger ones are copied once so that a long
   * prediction never holds the JVM's GC locker. System property
   * {@code polyscore.jni.criticalLimit}; settable by tests.
   */
  static volatile int criticalLimit = Integer.getInteger("polyscore.jni.criticalLimit", 1 << 16);

  /** Test hook run inside the in-flight region around each counted native call (not
   * predictRow's uncounted path); null normally. */
  static volatile CallHook callHook;

  /** Models freed by the Cleaner because nobody closed them (for tests and diagnostics). */
  static final AtomicLong CLEANER_FREES = new AtomicLong();

  interface CallHook {
    void beforeNative();

    void afterNative();
  }

  private final State state;
  private final Cleaner.Cleanable cleanable;
  private final ModelInfo info;
  /** The feature names' columns for predictNamed, read on first use. */
  private volatile FeatureIndex featureIndex;

  /**
   * The native handle and its usage count, shared with the Cleaner action (so it must not
   * refer to the Model). {@code word}: bit 31 = closed, bits 0..30 = calls in flight.
   */
  private static final class State implements Runnable {
    private static final int CLOSED = Integer.MIN_VALUE;

    final long handle;
    final AtomicInteger word = new AtomicInteger();
    volatile boolean closedExplicitly;
    private boolean freed; // guarded by this

    State(long handle) {
      this.handle = handle;
    }

    /** Counts a call in; throws if the model is closed or closing. */
    long acquire() {
      for (;;) {
        int s = word.get();
        if (s < 0) throw closed();
        if (s == Integer.MAX_VALUE) {
          throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "too many calls in flight");
        }
        if (word.compareAndSet(s, s + 1)) return handle;
      }
    }

    /** Counts a call out; the last one out after close wakes the closer. */
    void release() {
      if (word.decrementAndGet() == CLOSED) {
        synchronized (this) {
          notifyAll();
        }
      }
    }

    boolean isClosed() {
      return word.get() < 0;
    }

    /** Marks closed, waits for the calls in flight, frees the handle once. Idempotent:
     * every caller returns only after the handle is freed. */
    void close() {
      int s;
      do {
        s = word.get();
      } while (s >= 0 && !word.compareAndSet(s, s | CLOSED));
      boolean interrupted = false;
      synchronized (this) {
        while (word.get() != CLOSED) {
          try {
            wait();
          } catch (InterruptedException e) {
            interrupted = true; // close must not give up: freeing early is what we prevent
          }
        }
        if (!freed) {
          freed = true;
          Native.free(handle);
        }
      }
      if (interrupted) Thread.currentThread().interrupt();
    }

    /** The Cleaner action (also run by close via Cleanable.clean). */
    @Override
    public void run() {
      if (!closedExplicitly) CLEANER_FREES.incrementAndGet();
      close();
    }
  }

  private Model(long handle) {
    this.state = new State(handle);
    this.cleanable = CLEANER.register(this, state);
    ModelInfo i;
    try {
      i = readInfo(handle);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.info = i;
  }

  private static PolyscoreException closed() {
    return new PolyscoreException(ErrorCode.INVALID_HANDLE, "the model is closed");
  }

  // ---- loading -------------------------------------------------------------------

  /** Loads a model file, detecting its format. */
  public static Model load(Path path) {
    return load(path, ModelFormat.AUTO);
  }

  /** Loads a model file of the given format. */
  public static Model load(Path path, ModelFormat format) {
    Native.ensureLoaded();
    if (path == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "path is null");
    if (format == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "format is null");
    byte[] name = path.toString().getBytes(fileNameCharset());
    for (byte b : name) {
      if (b == 0) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "the path contains a NUL byte");
      }
    }
    return new Model(Native.loadFile(name, format.code));
  }

  /** Loads a model from the bytes of a model file, detecting its format. */
  public static Model load(byte[] data) {
    return load(data, ModelFormat.AUTO);
  }

  /** Loads a model from the bytes of a model file of the given format. The bytes are
   * not kept. */
  public static Model load(byte[] data, ModelFormat format) {
    Native.ensureLoaded();
    if (data == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "data is null");
    if (format == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "format is null");
    return new Model(Native.loadBuffer(data, format.code));
  }

  private static Charset fileNameCharset() {
    String jnu = System.getProperty("sun.jnu.encoding");
    try {
      return jnu != null ? Charset.forName(jnu) : StandardCharsets.UTF_8;
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  private static ModelInfo readInfo(long handle) {
    long[] n = new long[6];
    byte[][] s = Native.info(handle, n);
    return new ModelInfo(ModelFormat.of((int) n[0]), (int) n[1], (int) n[2], (int) n[3],
        (int) n[4], (int) n[5], new String(s[0], StandardCharsets.UTF_8),
        new String(s[1], StandardCharsets.UTF_8));
  }

  // ---- description ----------------------------------------------------------------

  /** What the model is. Throws after close. */
  public ModelInfo info() {
    if (state.isClosed()) throw closed();
    return info;
  }

  /** Name of feature {@code index} ("" when the file has none). */
  public String featureName(int index) {
    long h = state.acquire();
    try {
      return new String(Native.featureName(h, index), StandardCharsets.UTF_8);
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /** All feature names, in column order. */
  public List<String> featureNames() {
    List<String> names = new ArrayList<>(info().numFeatures());
    for (int i = 0; i < info.numFeatures(); i++) names.add(featureName(i));
    return names;
  }

  /**
   * Whether some split of the model tests feature {@code index} as a category: such a
   * feature takes category codes, whether or not the file saved its categories
   * ({@link #categories()}): XGBoost before 3.1 and LightGBM trained on arrays save none,
   * and then a row must carry the codes the training data had. An index outside
   * [0, numFeatures) throws {@link PolyscoreException} with {@link ErrorCode#SHAPE}; so
   * does any call after close, with {@link ErrorCode#INVALID_HANDLE}.
   */
  public boolean featureCategorical(int index) {
    long h = state.acquire();
    try {
      return Native.featureCategorical(h, index);
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /**
   * The indices of the features some split tests as a category
   * ({@link #featureCategorical(int)}), ascending; empty for a model with numeric splits
   * only. Indices, as {@link CategoryList#feature()} is one.
   */
  public List<Integer> categoricalFeatures() {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < info().numFeatures(); i++) {
      if (featureCategorical(i)) found.add(i);
    }
    return List.copyOf(found);
  }

  /**
   * Whether the model file saved category lists at all, even none: true for LightGBM's
   * "pandas_categorical:[]" (trained on a DataFrame with no categorical column, which
   * LightGBM refuses to pair with a frame's categorical columns) and every XGBoost 3.1+
   * model; false for "pandas_categorical:null" (trained on arrays) and XGBoost before 3.1.
   * Throws after close.
   */
  public boolean categoriesSaved() {
    long h = state.acquire();
    try {
      boolean[] saved = new boolean[1];
      Native.categoryListCount(h, saved);
      return saved[0];
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /**
   * The training categories the model file saved, one list per categorical column in the
   * file's order; empty when it saved none (XGBoost before 3.1, models trained on arrays).
   * A string category that is not valid UTF-8 (a Python string with lone surrogates)
   * decodes with U+FFFD in place of its bad bytes, so two such strings may compare equal.
   * Throws after close.
   */
  public List<CategoryList> categories() {
    long h = state.acquire();
    try {
      int count = Native.categoryListCount(h, new boolean[1]);
      List<CategoryList> lists = new ArrayList<>(count);
      long[] featureAndCount = new long[2];
      int[] kind = new int[1];
      for (int j = 0; j < count; j++) {
        Native.categoryList(h, j, featureAndCount);
        List<CategoryList.Category> values = new ArrayList<>((int) featureAndCount[1]);
        for (int k = 0; k < featureAndCount[1]; k++) {
          byte[] text = Native.category(h, j, k, kind);
          values.add(new CategoryList.Category(CategoryKind.of(kind[0]),
              new String(text, StandardCharsets.UTF_8)));
        }
        lists.add(new CategoryList((int) featureAndCount[0], List.copyOf(values)));
      }
      return List.copyOf(lists);
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /** True once {@link #close()} has begun. */
  public boolean isClosed() {
    return state.isClosed();
  }

  /** Calls in flight right now (tests). */
  int callsInFlight() {
    return state.word.get() & Integer.MAX_VALUE;
  }

  // ---- predict --------------------------------------------------------------------

  /** Scores {@code nRows} rows of doubles, row-major; values, all iterations. */
  public double[] predict(double[] rows, int nRows) {
    return predict(rows, nRows, PredictOptions.DEFAULT);
  }

  /** Scores {@code nRows} rows of doubles, row-major. */
  public double[] predict(double[] rows, int nRows, PredictOptions options) {
    if (rows == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "rows is null");
    return predictArray(rows, rows.length, 2, nRows, options);
  }

  /** Scores {@code nRows} rows of floats, row-major; values, all iterations. */
  public double[] predict(float[] rows, int nRows) {
    return predict(rows, nRows, PredictOptions.DEFAULT);
  }

  /** Scores {@code nRows} rows of floats, row-major. */
  public double[] predict(float[] rows, int nRows, PredictOptions options) {
    if (rows == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "rows is null");
    return predictArray(rows, rows.length, 1, nRows, options);
  }

  private double[] predictArray(Object rows, int length, int dtype, int nRows,
      PredictOptions options) {
    PredictOptions o = checkOptions(options);
    long nCols = columns(length, nRows);
    boolean critical = length <= criticalLimit;
    long h = state.acquire();
    try {
      CallHook hook = callHook;
      if (hook != null) hook.beforeNative();
      double[] out = Native.predictArray(h, rows, dtype, nRows, nCols, o.output().code,
          o.iterationBegin(), o.iterationEnd(), o.threads(), o.shapAlgorithm().code, critical,
          o.baseMarginArray());
      if (hook != null) hook.afterNative();
      return out;
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /**
   * Scores {@code nRows} rows read in place (no copy) from a direct buffer, from its
   * position to its limit, as little-endian (native order) values of {@code dtype}.
   * The buffer's byte order must be {@link ByteOrder#nativeOrder()} (set it with
   * {@code buffer.order(ByteOrder.nativeOrder())} before writing the values); its
   * position is not changed.
   */
  public double[] predict(ByteBuffer rows, DType dtype, int nRows, PredictOptions options) {
    if (rows == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "rows is null");
    if (dtype == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "dtype is null");
    if (!rows.isDirect()) {
      throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT,
          "the ByteBuffer must be direct (ByteBuffer.allocateDirect); pass a double[] or float[]"
              + " otherwise");
    }
    if (rows.order() != ByteOrder.nativeOrder()) {
      throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT,
          "the ByteBuffer's byte order is " + rows.order() + ", but the values must be in "
              + ByteOrder.nativeOrder() + " order: call buffer.order(ByteOrder.nativeOrder())"
              + " before writing them");
    }
    int bytes = rows.remaining();
    if (bytes % dtype.size != 0) {
      throw new PolyscoreException(ErrorCode.SHAPE, "the buffer's " + bytes
          + " remaining bytes are not a whole number of " + dtype + " values");
    }
    PredictOptions o = checkOptions(options);
    long nCols = columns(bytes / dtype.size, nRows);
    long h = state.acquire();
    try {
      CallHook hook = callHook;
      if (hook != null) hook.beforeNative();
      double[] out = Native.predictBuffer(h, rows, rows.position(), dtype.code, nRows, nCols,
          o.output().code, o.iterationBegin(), o.iterationEnd(), o.threads(),
          o.shapAlgorithm().code, o.baseMarginArray());
      if (hook != null) hook.afterNative();
      return out;
    } finally {
      state.release();
      Reference.reachabilityFence(this);
      Reference.reachabilityFence(rows);
    }
  }

  /** Scores rows from a direct buffer; values, all iterations. */
  public double[] predict(ByteBuffer rows, DType dtype, int nRows) {
    return predict(rows, dtype, nRows, PredictOptions.DEFAULT);
  }

  /** The single-row fast path: scores one row of {@code numFeatures} doubles (values). */
  public double[] predictRow(double[] row) {
    if (row == null || info.numOutputs() != 1) return predictRow(row, PredictOptions.DEFAULT);
    // One value per row (binary, regression), the common case: predictRowUncounted's
    // single-value branch without the options' checks, the result array made after the
    // call (nothing of it held across the native transition).
    State s = state;
    if (s.isClosed()) throw closed();
    try {
      double value = Native.predictRowValue(s.handle, row, row.length, OutputKind.VALUE.code);
      return new double[] {value};
    } finally {
      Reference.reachabilityFence(this);  // the Cleaner must not free the model mid-call
    }
  }

  /** The single-row fast path with options ({@code threads} is ignored). */
  public double[] predictRow(double[] row, PredictOptions options) {
    if (row == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "row is null");
    PredictOptions o = checkOptions(options);
    // VALUE or MARGIN over all rounds: the size is known from the model's info, so the
    // result is allocated here (cheaper than a JNI NewDoubleArray) and the glue makes no
    // ps_model_output_size call. Anything else asks the library for the size.
    int size = -1;
    if (o.iterationBegin() == 0 && o.iterationEnd() == 0 && o.baseMarginArray() == null) {
      if (o.output() == OutputKind.VALUE) {
        size = info.numOutputs();
      } else if (o.output() == OutputKind.MARGIN) {
        size = info.numMargins();
      }
    }
    if (size >= 0) return predictRowUncounted(row, size, o.output().code);
    long h = state.acquire();
    try {
      CallHook hook = callHook;
      if (hook != null) hook.beforeNative();
      double[] out = Native.predictRow(h, row, o.output().code, o.iterationBegin(),
          o.iterationEnd(), o.shapAlgorithm().code, o.baseMarginArray());
      if (hook != null) hook.afterNative();
      return out;
    } finally {
      state.release();
      Reference.reachabilityFence(this);
    }
  }

  /**
   * predictRow for VALUE or MARGIN over all rounds, {@code size} values, without counting
   * the call in flight (acquire/release cost two locked read-modify-writes of a word
   * every thread scoring this model shares). The count exists so that close() never frees a handle the glue still
   * reads from; this glue reads only the Java arrays and passes the handle, an integer
   * (slot and generation), to the library, which answers a freed handle with
   * PS_ERR_INVALID_HANDLE and keeps a model until the last call using it returns. So a
   * close racing this call gives either the result or the INVALID_HANDLE exception, as
   * the counted path does; once close has begun, new calls fail here at once.
   */
  private double[] predictRowUncounted(double[] row, int size, int output) {
    State s = state;
    if (s.isClosed()) throw closed();
    double[] out = new double[size];
    try {
      if (size == 1) {  // one value (binary, regression): returned, not copied into out
        out[0] = Native.predictRowValue(s.handle, row, row.length, output);
      } else {
        Native.predictRowInto(s.handle, row, row.length, out, size, output);
      }
      return out;
    } finally {
      Reference.reachabilityFence(this);  // the Cleaner must not free the model mid-call
    }
  }

  /**
   * Scores rows given by feature name, one map per row ({@code Map.of("amount_zscore", 0.4,
   * "velocity", 1.2)}); values, all iterations. See {@link #predictNamed(List,
   * PredictOptions)}.
   */
  public double[] predictNamed(List<? extends Map<String, ? extends Number>> rows) {
    return predictNamed(rows, PredictOptions.DEFAULT);
  }

  /**
   * Scores rows given by feature name: each map holds exactly the model's
   * {@link #featureNames()}, spelled as the model file stores them, in any order; a null
   * value (where the map allows one) or NaN is a missing value. Returns what
   * {@link #predict(double[], int, PredictOptions)} returns for the same rows in the
   * model's feature order. A feature absent from a row, a name the model does not have, a
   * value that is not a number, and a model whose file names no features throw
   * {@link ErrorCode#INVALID_ARGUMENT} naming the row and the names.
   */
  public double[] predictNamed(List<? extends Map<String, ? extends Number>> rows,
      PredictOptions options) {
    checkOptions(options);
    if (rows == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "rows is null");
    FeatureIndex index = featureIndex;
    if (index == null) featureIndex = index = FeatureIndex.of(featureNames());
    return predict(index.layout(rows), rows.size(), options);
  }

  private static PredictOptions checkOptions(PredictOptions options) {
    if (options == null) {
      throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "options is null");
    }
    return options;
  }

  /** Columns per row for {@code length} values in {@code nRows} rows. */
  private long columns(int length, int nRows) {
    if (nRows < 0) {
      throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "nRows is negative: " + nRows);
    }
    if (nRows == 0) {
      if (length != 0) {
        throw new PolyscoreException(ErrorCode.SHAPE,
            "nRows is 0 but the input holds " + length + " values");
      }
      return info.numFeatures();
    }
    if (length % nRows != 0) {
      throw new PolyscoreException(ErrorCode.SHAPE, "the input holds " + length
          + " values, which is not " + nRows + " rows of equal length (the model has "
          + info.numFeatures() + " features: expected " + (long) nRows * info.numFeatures()
          + " values)");
    }
    return length / nRows;
  }

  // ---- closing --------------------------------------------------------------------

  /**
   * Frees the model. Waits for calls already running with it (from any thread) to
   * finish; later calls throw. Idempotent; safe to call from several threads at once.
   */
  @Override
  public void close() {
    state.closedExplicitly = true;
    state.close();
    cleanable.clean(); // unregisters; the action finds the handle already freed
  }

  @Override
  public String toString() {
    return "Model{" + info.format() + ", " + info.objective() + ", " + info.numFeatures()
        + " features, " + info.numTrees() + " trees" + (isClosed() ? ", closed" : "") + "}";
  }
}
