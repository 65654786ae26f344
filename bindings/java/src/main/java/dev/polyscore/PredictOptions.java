package dev.polyscore;

/**
 * Options of a predict call ({@code ps_predict_options}); immutable.
 *
 * <pre>{@code
 * PredictOptions o = PredictOptions.builder().output(OutputKind.MARGIN).iterations(0, 10).build();
 * }</pre>
 */
public final class PredictOptions {
  /** Values, all iterations, one thread. */
  public static final PredictOptions DEFAULT = builder().build();

  private final OutputKind output;
  private final int iterationBegin;
  private final int iterationEnd;
  private final int threads;
  private final double[] baseMargin;
  private final ShapAlgorithm shapAlgorithm;

  private PredictOptions(Builder b) {
    this.output = b.output;
    this.iterationBegin = b.iterationBegin;
    this.iterationEnd = b.iterationEnd;
    this.threads = b.threads;
    this.baseMargin = b.baseMargin;
    this.shapAlgorithm = b.shapAlgorithm;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults with another output kind. */
  public static PredictOptions of(OutputKind output) {
    return builder().output(output).build();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder().output(output).iterations(iterationBegin, iterationEnd).threads(threads)
        .baseMargin(baseMargin).shapAlgorithm(shapAlgorithm);
  }

  public OutputKind output() {
    return output;
  }

  public int iterationBegin() {
    return iterationBegin;
  }

  /** One past the last boosting round used; 0 means all. */
  public int iterationEnd() {
    return iterationEnd;
  }

  /** Threads for batch calls: 1 (default), 0 = all cores. */
  public int threads() {
    return threads;
  }

  /** The per-row margin offsets (a copy), or null for none. */
  public double[] baseMargin() {
    return baseMargin == null ? null : baseMargin.clone();
  }

  /** The SHAP algorithm of CONTRIB and INTERACTIONS output. */
  public ShapAlgorithm shapAlgorithm() {
    return shapAlgorithm;
  }

  /** The offsets without a copy, for the native call. */
  double[] baseMarginArray() {
    return baseMargin;
  }

  @Override
  public String toString() {
    return "PredictOptions{output=" + output + ", iterations=[" + iterationBegin + ", "
        + iterationEnd + "), threads=" + threads
        + (baseMargin == null ? "" : ", baseMargin=" + baseMargin.length + " values")
        + ", shapAlgorithm=" + shapAlgorithm.algorithmName() + "}";
  }

  /** Builds {@link PredictOptions}. */
  public static final class Builder {
    // The C header's defaults (PS_PREDICT_OPTIONS_INIT), from the generated Constants.
    private OutputKind output = OutputKind.values()[Constants.DEFAULT_OUTPUT];
    private int iterationBegin = Constants.DEFAULT_ITERATION_BEGIN;
    private int iterationEnd = Constants.DEFAULT_ITERATION_END;
    private int threads = Constants.DEFAULT_NUM_THREADS;
    private double[] baseMargin;
    private ShapAlgorithm shapAlgorithm = ShapAlgorithm.values()[Constants.DEFAULT_SHAP_ALGORITHM];

    private Builder() {}

    /** What to compute; default {@link OutputKind#VALUE}. */
    public Builder output(OutputKind output) {
      if (output == null) throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "output is null");
      this.output = output;
      return this;
    }

    /** Use boosting rounds [begin, end); end 0 means up to the last. Default: all. */
    public Builder iterations(int begin, int end) {
      if (begin < 0 || end < 0) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT,
            "iteration range [" + begin + ", " + end + ") has a negative bound");
      }
      this.iterationBegin = begin;
      this.iterationEnd = end;
      return this;
    }

    /** Threads for batch calls: 1 (default), 0 = all cores. */
    public Builder threads(int threads) {
      if (threads < 0) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT,
            "threads must be 0 (all cores) or positive, not " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Per-row margin offsets, as XGBoost's {@code base_margin}: nRows * numMargins values,
     * row-major (one per class of a multiclass model), e.g. log(exposure) of a Poisson
     * model. They take the place of the model's base score (LightGBM: added to the raw
     * score, as raw_score + init_score). Not for {@link OutputKind#LEAF}; a length other
     * than nRows * numMargins is an INVALID_ARGUMENT error naming the length expected.
     * Copied; null (default) = none.
     */
    public Builder baseMargin(double[] offsets) {
      this.baseMargin = offsets == null ? null : offsets.clone();
      return this;
    }

    /**
     * Which SHAP algorithm explains a tree model for {@link OutputKind#CONTRIB} and {@link
     * OutputKind#INTERACTIONS}; other outputs ignore it. {@link ShapAlgorithm#AUTO}
     * (default): as the library that wrote the file, XGBoost 3.3+ files by
     * QuadratureTreeSHAP, older XGBoost files and LightGBM by exact TreeSHAP. {@link
     * ShapAlgorithm#TREESHAP}: the bits of XGBoost &lt;= 3.2, LightGBM and shap's
     * TreeExplainer. {@link ShapAlgorithm#QUADRATURE}: XGBoost 3.3+'s, which it uses for
     * every file it loads (to match xgboost 3.4's pred_contribs on a file saved by 3.2);
     * XGBoost models only (UNSUPPORTED on LightGBM).
     */
    public Builder shapAlgorithm(ShapAlgorithm algorithm) {
      if (algorithm == null) {
        throw new PolyscoreException(ErrorCode.INVALID_ARGUMENT, "shapAlgorithm is null");
      }
      this.shapAlgorithm = algorithm;
      return this;
    }

    /**
     * The SHAP algorithm by name, {@code "auto"}, {@code "treeshap"} or {@code "quadrature"}
     * (as a configuration file spells it); another name is an INVALID_ARGUMENT error naming
     * it and the accepted names.
     */
    public Builder shapAlgorithm(String name) {
      return shapAlgorithm(ShapAlgorithm.fromName(name));
    }

    public PredictOptions build() {
      return new PredictOptions(this);
    }
  }
}
