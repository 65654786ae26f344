package dev.polyscore;

/** What a training category's text holds ({@code PS_CATEGORY_*}, polyscore/model.h). */
public enum CategoryKind {
  /** A string: its text. */
  STRING(1),
  /** An integer: decimal digits ({@link java.math.BigInteger} reads any of them). */
  INTEGER(2),
  /** A floating-point number: {@link Double#parseDouble} reads it (also Infinity, NaN). */
  REAL(3),
  /** "true" or "false". */
  BOOLEAN(4);

  final int code;

  CategoryKind(int code) {
    this.code = code;
  }

  static CategoryKind of(int code) {
    for (CategoryKind k : values()) {
      if (k.code == code) return k;
    }
    throw new PolyscoreException(ErrorCode.UNSUPPORTED,
        "a training category of kind " + code + ", unknown to this binding");
  }
}
