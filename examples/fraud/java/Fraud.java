// Scores one transaction with the fraud model through the polyscore Java binding.
//
//   java -cp bindings/java/target/classes -Dpolyscore.jni.path=build/bindings/java/libpolyscore_jni.so \
//        examples/fraud/java/Fraud.java [--model PATH] [amount_zscore velocity]
//
// Features default to 0.4 1.2. Prints "score=<probability> label=<fraud|legit>".
import dev.polyscore.Model;
import dev.polyscore.PolyscoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class Fraud {
  static final double THRESHOLD = 0.5;

  public static void main(String[] args) {
    Path model = null;
    List<Double> features = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--model") && i + 1 < args.length) {
        model = Path.of(args[++i]);
      } else {
        try {
          features.add(Double.parseDouble(args[i]));
        } catch (NumberFormatException e) {
          System.err.println("not a number: " + args[i]);
          System.exit(2);
        }
      }
    }
    if (features.isEmpty()) features = List.of(0.4, 1.2);
    if (model == null) model = findModel();

    double[] row = features.stream().mapToDouble(Double::doubleValue).toArray();
    try (Model m = Model.load(model)) {
      double score = m.predictRow(row)[0];
      System.out.println("score=" + score + " label=" + (score >= THRESHOLD ? "fraud" : "legit"));
    } catch (PolyscoreException e) {
      System.err.println("polyscore: " + e.code() + ": " + e.getMessage());
      System.exit(1);
    }
  }

  /** fraud-v3.json from $FRAUD_MODEL, next to this example, or the repository root. */
  static Path findModel() {
    String env = System.getenv("FRAUD_MODEL");
    if (env != null && !env.isEmpty()) return Path.of(env);
    for (String p : new String[] {"fraud-v3.json", "../fraud-v3.json", "examples/fraud/fraud-v3.json"}) {
      if (Files.exists(Path.of(p))) return Path.of(p);
    }
    return Path.of("examples/fraud/fraud-v3.json");
  }
}
