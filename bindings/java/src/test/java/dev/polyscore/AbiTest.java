package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The library's ABI version is checked at load, with a message naming both versions. */
class AbiTest {
  @Test
  void loadedLibraryIsNewEnough() {
    int have = Polyscore.abiVersion();
    assertTrue(have >= Polyscore.REQUIRED_ABI_VERSION, "ABI " + have);
    assertTrue(have >= Native.headerAbiVersion());
    assertFalse(Polyscore.libraryVersion().isEmpty());
    assertDoesNotThrow(() -> Native.checkAbi(Native.REQUIRED_ABI_VERSION));
    assertDoesNotThrow(() -> Native.checkAbi(have));
  }

  @Test
  void tooOldLibraryNamesBothVersions() {
    int have = Polyscore.abiVersion();
    int needed = have + 1;
    PolyscoreException e = assertThrows(PolyscoreException.class, () -> Native.checkAbi(needed));
    assertEquals(ErrorCode.ABI_VERSION, e.code());
    String msg = e.getMessage();
    assertTrue(msg.contains("ABI version " + have), msg);
    assertTrue(msg.contains("ABI version " + needed), msg);
    assertTrue(msg.contains(Polyscore.libraryVersion()), msg);
  }

  @Test
  void libraryAbiCheckAgrees() {
    int have = Polyscore.abiVersion();
    assertDoesNotThrow(() -> Native.abiCheck(have));
    PolyscoreException e = assertThrows(PolyscoreException.class, () -> Native.abiCheck(have + 7));
    assertEquals(ErrorCode.ABI_VERSION, e.code());
    assertTrue(e.getMessage().contains(String.valueOf(have + 7)), e.getMessage());
  }

  @Test
  void statusNamesMatchTheLibrary() {
    Polyscore.abiVersion(); // loads the glue
    for (ErrorCode c : ErrorCode.values()) {
      if (c != ErrorCode.UNKNOWN) assertEquals(Native.statusName(c.status()), c.cName());
    }
    assertEquals(ErrorCode.UNKNOWN, ErrorCode.of(12345));
  }

  /** End to end in a child JVM: the check at class load refuses a too-old library. */
  @Test
  void checkAtLoadTimeRefusesATooOldLibrary() throws Exception {
    int have = Polyscore.abiVersion();
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        "-Dpolyscore.jni.path=" + System.getProperty("polyscore.jni.path"),
        "-Dpolyscore.abi.require=" + (have + 40), AbiProbe.class.getName(),
        TestData.fraudModel().toString())).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.startsWith("ABI_VERSION | "), out);
    assertTrue(out.contains("ABI version " + have + ","), out);
    assertTrue(out.contains("needs ABI version " + (have + 40)), out);
    assertTrue(out.contains("second use: ABI_VERSION"), out);

    // The same probe without the raised requirement loads the model.
    Process ok = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        "-Dpolyscore.jni.path=" + System.getProperty("polyscore.jni.path"),
        AbiProbe.class.getName(), TestData.fraudModel().toString()))
        .redirectErrorStream(true).start();
    String okOut = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(ok.waitFor(60, TimeUnit.SECONDS));
    assertTrue(okOut.startsWith("loaded 2"), okOut);
  }
}
