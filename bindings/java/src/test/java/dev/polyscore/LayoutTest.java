package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the binding declares of the C ABI itself equals abi_tests/layout.json, the one
 * table abi_tests/layout_gen.c prints from the C header (schema: abi_tests/README.md).
 *
 * <ul>
 *   <li>The Java-side constants (ErrorCode, OutputKind, DType, ShapAlgorithm, ModelFormat
 *       codes and REQUIRED_ABI_VERSION) have the header's values, and every header constant has a
 *       Java counterpart (PS_OK, which never reaches Java, and PS_ABI_VERSION aside).
 *   <li>{@link ModelInfo} has one component per field of ps_model_info, in order.
 * </ul>
 * The C structs are not compared: the JNI glue builds them in C from the header, so the
 * binding has no copy of them (comparing the header with itself cannot fail).
 * The table read is {@code $POLYSCORE_LAYOUT_JSON} if set (to show that the check
 * fails with a wrong table), else {@code -Dpolyscore.layout.json}, else
 * ../../abi_tests/layout.json.
 */
class LayoutTest {
  private static final Set<String> TOP_LEVEL =
      Set.of("schema", "generator", "abi_version", "platform", "structs", "constants");

  private static Map<String, Object> table;
  private static Map<String, String> want;

  static Path layoutPath() {
    String p = System.getenv("POLYSCORE_LAYOUT_JSON");
    if (p == null || p.isEmpty()) p = System.getProperty("polyscore.layout.json");
    if (p == null || p.isEmpty()) p = "../../abi_tests/layout.json";
    return Path.of(p);
  }

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void readTable() throws IOException {
    table = (Map<String, Object>) new TestData.Json(Files.readString(layoutPath())).parse();
    want = flatten(table);
  }

  /** layout.json as the same "key=value" pairs the glue reports. */
  @SuppressWarnings("unchecked")
  static Map<String, String> flatten(Map<String, Object> t) {
    Map<String, String> m = new TreeMap<>();
    for (Map.Entry<String, Object> e : ((Map<String, Object>) t.get("platform")).entrySet()) {
      m.put("platform." + e.getKey(), text(e.getValue()));
    }
    for (Map.Entry<String, Object> s : ((Map<String, Object>) t.get("structs")).entrySet()) {
      String st = s.getKey();
      List<String> names = new ArrayList<>();
      for (Map.Entry<String, Object> k : ((Map<String, Object>) s.getValue()).entrySet()) {
        if (!k.getKey().equals("fields")) {
          m.put("struct." + st + "." + k.getKey(), text(k.getValue()));
          continue;
        }
        for (Object o : (List<Object>) k.getValue()) {
          Map<String, Object> f = (Map<String, Object>) o;
          String name = (String) f.get("name");
          names.add(name);
          for (Map.Entry<String, Object> fk : f.entrySet()) {
            if (!fk.getKey().equals("name")) {
              m.put("field." + st + "." + name + "." + fk.getKey(), text(fk.getValue()));
            }
          }
        }
      }
      m.put("struct." + st + ".fields", String.join(",", names));
    }
    for (Map.Entry<String, Object> c : ((Map<String, Object>) t.get("constants")).entrySet()) {
      m.put("const." + c.getKey(), text(c.getValue()));
    }
    return m;
  }

  private static String text(Object v) {
    return String.valueOf(v);
  }

  private static boolean same(String a, String b) {
    if (a.equals(b)) return true;
    try {
      return new BigDecimal(a).compareTo(new BigDecimal(b)) == 0;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Differences between the table (want) and a view (got) over the keys kept by prefix. */
  static List<String> differences(Map<String, String> want, Map<String, String> got,
      String... prefixes) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : want.entrySet()) {
      if (!kept(e.getKey(), prefixes)) continue;
      String g = got.get(e.getKey());
      if (g == null) {
        out.add("missing from the binding: " + e.getKey() + "=" + e.getValue());
      } else if (!same(g, e.getValue())) {
        out.add(e.getKey() + ": binding " + g + ", table " + e.getValue());
      }
    }
    for (String k : got.keySet()) {
      if (kept(k, prefixes) && !want.containsKey(k)) {
        out.add("not in the table: " + k + "=" + got.get(k));
      }
    }
    return out;
  }

  private static boolean kept(String key, String... prefixes) {
    for (String p : prefixes) {
      if (key.startsWith(p)) return true;
    }
    return false;
  }

  @Test
  void tableIsSchemaOneWithKnownSections() {
    assertEquals(1L, table.get("schema"), "layout.json schema");
    for (String k : table.keySet()) {
      assertTrue(TOP_LEVEL.contains(k), "layout.json has a section this check does not know: " + k);
    }
    for (String k : TOP_LEVEL) assertTrue(table.containsKey(k), "layout.json lacks " + k);
    assertEquals(want.get("const.PS_ABI_VERSION"), text(table.get("abi_version")));
  }

  /** Java name of a C field: num_features -> numFeatures. */
  static String javaName(String c) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char ch : c.toCharArray()) {
      if (ch == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      }
    }
    return out.toString();
  }

  @Test
  @SuppressWarnings("unchecked")
  void modelInfoHasOneComponentPerField() {
    Map<String, Object> structs = (Map<String, Object>) table.get("structs");
    Map<String, Object> info = (Map<String, Object>) structs.get("ps_model_info");
    List<String> wantNames = new ArrayList<>();
    for (Object o : (List<Object>) info.get("fields")) {
      String name = (String) ((Map<String, Object>) o).get("name");
      if (!name.equals("struct_size") && !name.startsWith("reserved")) wantNames.add(javaName(name));
    }
    List<String> got = new ArrayList<>();
    for (java.lang.reflect.RecordComponent c : ModelInfo.class.getRecordComponents()) got.add(c.getName());
    assertEquals(wantNames, got, "ModelInfo components vs ps_model_info in " + layoutPath());
  }

  /** Every PS_* constant the Java code defines, by its C name. */
  static Map<String, String> javaConstants() {
    Map<String, String> m = new TreeMap<>();
    for (ErrorCode c : ErrorCode.values()) {
      if (c != ErrorCode.UNKNOWN) m.put("const." + c.cName(), String.valueOf(c.status()));
    }
    for (OutputKind k : OutputKind.values()) m.put("const.PS_OUTPUT_" + k.name(), String.valueOf(k.code));
    for (DType d : DType.values()) m.put("const.PS_DTYPE_" + d.name(), String.valueOf(d.code));
    for (ShapAlgorithm a : ShapAlgorithm.values()) m.put("const.PS_SHAP_" + a.name(), String.valueOf(a.code));
    for (CategoryKind k : CategoryKind.values()) m.put("const.PS_CATEGORY_" + k.name(), String.valueOf(k.code));
    m.put("const.PS_CATEGORY_FEATURE_UNKNOWN", String.valueOf(CategoryList.UNKNOWN_FEATURE));
    for (ModelFormat f : ModelFormat.values()) {
      m.put("const.PS_FORMAT_" + f.name(), String.valueOf(f.code));
    }
    return m;
  }

  @Test
  void javaConstantsMatchTheTable() {
    Map<String, String> got = javaConstants();
    // What Java has no counterpart for: PS_OK (success never reaches Java) and
    // PS_ABI_VERSION (compared with REQUIRED_ABI_VERSION below).
    got.put("const.PS_OK", want.getOrDefault("const.PS_OK", "absent"));
    got.put("const.PS_ABI_VERSION", want.getOrDefault("const.PS_ABI_VERSION", "absent"));
    List<String> diff = differences(want, got, "const.");
    assertTrue(diff.isEmpty(), "Java enums vs " + layoutPath() + ":\n  " + String.join("\n  ", diff));

    String abi = want.get("const.PS_ABI_VERSION");
    if (abi == null) fail("layout.json has no PS_ABI_VERSION");
    assertTrue(Native.REQUIRED_ABI_VERSION <= Long.parseLong(abi),
        "REQUIRED_ABI_VERSION " + Native.REQUIRED_ABI_VERSION + " > header's " + abi);
    assertEquals(Native.REQUIRED_ABI_VERSION, Polyscore.REQUIRED_ABI_VERSION);
    // The binding's own "unknown status" must not be a real status.
    for (Map.Entry<String, String> e : want.entrySet()) {
      if (e.getKey().startsWith("const.PS_ERR_") || e.getKey().equals("const.PS_OK")) {
        assertNotEquals(String.valueOf(ErrorCode.UNKNOWN.status()), e.getValue(), e.getKey());
      }
    }
  }
}
