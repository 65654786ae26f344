package dev.polyscore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The binding's view of the C ABI equals abi_tests/layout.json, which
 * abi_tests/layout_gen.c generates from the C header (schema: abi_tests/README.md).
 *
 * <ul>
 *   <li>The JNI glue, compiled against the header, reports its sizeof/offsetof/alignof of
 *       every struct and field it knows, each field's C type and PS_*_INIT default, the
 *       platform's type sizes and the PS_* constants ({@link Native#layout()}). That view
 *       must equal the table exactly: a struct, field, key or constant the table has and
 *       the glue does not list fails, as does one the glue lists and the table lacks.
 *   <li>The Java-side constants (ErrorCode, OutputKind, DType, ModelFormat codes and
 *       REQUIRED_ABI_VERSION) have the header's values, and every header constant has a
 *       Java counterpart (PS_OK, which never reaches Java, and PS_ABI_VERSION aside).
 * </ul>
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

  /** The glue's "key=value" lines as a map. */
  static Map<String, String> glueView() {
    Polyscore.abiVersion(); // loads the glue
    Map<String, String> m = new TreeMap<>();
    for (String line : Native.layout().split("\n")) {
      if (line.isEmpty()) continue;
      int eq = line.indexOf('=');
      assertTrue(eq > 0, "glue line without '=': " + line);
      assertFalse(m.containsKey(line.substring(0, eq)), "glue reports twice: " + line);
      m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return m;
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

  @Test
  void glueStructsAndPlatformMatchTheTable() {
    List<String> diff = differences(want, glueView(), "platform.", "struct.", "field.");
    assertTrue(diff.isEmpty(), "JNI glue vs " + layoutPath() + ":\n  " + String.join("\n  ", diff));
  }

  @Test
  void glueConstantsMatchTheTable() {
    List<String> diff = differences(want, glueView(), "const.");
    assertTrue(diff.isEmpty(), "JNI glue vs " + layoutPath() + ":\n  " + String.join("\n  ", diff));
  }

  /** Every PS_* constant the Java code defines, by its C name. */
  static Map<String, String> javaConstants() {
    Map<String, String> m = new TreeMap<>();
    for (ErrorCode c : ErrorCode.values()) {
      if (c != ErrorCode.UNKNOWN) m.put("const." + c.cName(), String.valueOf(c.status()));
    }
    for (OutputKind k : OutputKind.values()) m.put("const.PS_OUTPUT_" + k.name(), String.valueOf(k.code));
    for (DType d : DType.values()) m.put("const.PS_DTYPE_" + d.name(), String.valueOf(d.code));
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
