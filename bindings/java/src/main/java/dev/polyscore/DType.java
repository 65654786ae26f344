package dev.polyscore;

/** Element type of input given as a {@link java.nio.ByteBuffer} ({@code PS_DTYPE_*}). */
public enum DType {
  /** 4-byte IEEE floats. */
  FLOAT32(1, 4),
  /** 8-byte IEEE doubles. */
  FLOAT64(2, 8);

  final int code;
  final int size;

  DType(int code, int size) {
    this.code = code;
    this.size = size;
  }

  /** Bytes per value. */
  public int byteSize() {
    return size;
  }
}
