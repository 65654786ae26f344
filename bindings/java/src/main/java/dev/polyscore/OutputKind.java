package dev.polyscore;

/** What predict returns for each row ({@code PS_OUTPUT_*}). */
public enum OutputKind {
  /** What the training library's predict() returns: probabilities, class index, value. */
  VALUE(0),
  /** The raw sum before the link function (output_margin, raw_score). */
  MARGIN(1),
  /** Per tree used, the id of the leaf reached (pred_leaf), as doubles. */
  LEAF(2),
  /** SHAP contributions (TreeSHAP): per margin, one per feature then the bias. ABI 2. */
  CONTRIB(3);

  final int code;

  OutputKind(int code) {
    this.code = code;
  }
}
