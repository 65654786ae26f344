package dev.polyscore;

/** The library's status codes ({@code ps_status} in polyscore/common.h). */
public enum ErrorCode {
  /** A null, an unknown enum value, a bad option. */
  INVALID_ARGUMENT(1),
  /** A model that was closed (or a handle that never came from the library). */
  INVALID_HANDLE(2),
  /** The model file cannot be opened or read. */
  IO(3),
  /** The model bytes are corrupt, truncated or of the wrong shape. */
  PARSE(4),
  /** A valid model using something polyscore cannot score. */
  UNSUPPORTED(5),
  /** Input of the wrong size (feature count, array length). */
  SHAPE(6),
  /** An output buffer is too small (not seen through this binding, which sizes them). */
  BUFFER_TOO_SMALL(7),
  /** An allocation failed. */
  OUT_OF_MEMORY(8),
  /** The library is older than this binding needs. */
  ABI_VERSION(9),
  /** A bug in polyscore; the message says where. */
  INTERNAL(10),
  /** A status this binding does not know (from a newer library). */
  UNKNOWN(-1);

  /** The numeric {@code ps_status}. */
  final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  /** The numeric {@code ps_status} value. */
  public int status() {
    return status;
  }

  /** The C name, e.g. {@code PS_ERR_PARSE}. */
  public String cName() {
    return this == UNKNOWN ? "PS_ERR_UNKNOWN" : "PS_ERR_" + name();
  }

  /** The code for a numeric status; {@link #UNKNOWN} for one this binding does not know. */
  public static ErrorCode of(int status) {
    for (ErrorCode c : values()) {
      if (c.status == status) return c;
    }
    return UNKNOWN;
  }
}
