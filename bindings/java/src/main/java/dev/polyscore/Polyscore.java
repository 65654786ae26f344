package dev.polyscore;

/** Versions of the loaded native library. */
public final class Polyscore {
  private Polyscore() {}

  /** The ABI version this binding needs at least. */
  public static final int REQUIRED_ABI_VERSION = Native.REQUIRED_ABI_VERSION;

  /** The ABI version of the loaded libpolyscore ({@code ps_abi_version()}). */
  public static int abiVersion() {
    Native.ensureLoaded();
    return Native.libraryAbiVersion();
  }

  /** The release of the loaded libpolyscore, e.g. "1.0.0" ({@code ps_version_string()}). */
  public static String libraryVersion() {
    Native.ensureLoaded();
    return Native.libraryVersion();
  }
}
