package dev.polyscore;

import java.nio.file.Path;

/** Run in a child JVM by AbiTest: loads a model and prints what happened. */
public final class AbiProbe {
  private AbiProbe() {}

  public static void main(String[] args) {
    try (Model m = Model.load(Path.of(args[0]))) {
      System.out.println("loaded " + m.info().numFeatures());
    } catch (PolyscoreException e) {
      System.out.println(e.code() + " | " + e.getMessage());
    }
    try {
      Polyscore.abiVersion();
      System.out.println("second use passed");
    } catch (PolyscoreException e) {
      System.out.println("second use: " + e.code());
    }
  }
}
