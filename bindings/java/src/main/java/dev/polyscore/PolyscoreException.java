package dev.polyscore;

import java.nio.charset.StandardCharsets;

/**
 * A failure reported by libpolyscore (or found by this binding before calling it):
 * {@link #code()} is the library's status, {@link #getMessage()} its message.
 *
 * <p>Unchecked on purpose. Almost every failure is a programming or deployment error
 * (wrong feature count, use after close, a corrupt model shipped with the service) that
 * a caller cannot recover from at the call site, and predict is called from lambdas and
 * streams where checked exceptions get in the way. This follows
 * {@link IllegalArgumentException} and {@link java.io.UncheckedIOException}; callers that
 * can recover (e.g. fall back to a previous model when loading fails) catch it and branch
 * on {@link #code()}.
 */
public class PolyscoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** An exception with the library's numeric status and message. */
  public PolyscoreException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** An exception with a status code and message. */
  public PolyscoreException(ErrorCode code, String message) {
    this(code.status, message);
  }

  /** What kind of failure: the library's status as an enum. */
  public ErrorCode code() {
    return ErrorCode.of(status);
  }

  /** The numeric {@code ps_status} the library returned. */
  public int status() {
    return status;
  }

  @Override
  public String toString() {
    return getClass().getName() + ": " + code().cName() + ": " + getMessage();
  }

  /** Called by the JNI glue; the message arrives as UTF-8 bytes (never trusted to be valid). */
  static PolyscoreException fromNative(int status, byte[] message) {
    return new PolyscoreException(status, new String(message, StandardCharsets.UTF_8));
  }
}
