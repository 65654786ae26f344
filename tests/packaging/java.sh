# Java: the JNI glue and libpolyscore.so.1 from a library-only CMake build, installed
# into the jar's per-platform folder (CMake component java-jar; the one compile of this
# section); `mvn package` makes the jar, its sources and javadoc jars. A program outside
# the repository runs with just the jar on its class path: no property, no env var.
# (Sourced by tests/packaging/test.sh.)

package_java() {
  local build=$WORK/java-build native=$WORK/java-native src=$WORK/java-src
  # The JDK that builds the glue (FindJNI) and the jar, as bindings/java/test.sh finds it.
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  export JAVA_HOME
  timed "Java: native build + mvn package" bash -c '
    cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSCORE_TESTS=OFF \
      -DPOLYSCORE_CLI=OFF -DPOLYSCORE_JAVA=ON >/dev/null &&
    cmake --build "$2" --target polyscore_jni >/dev/null &&
    cmake --install "$2" --component java-jar --prefix "$3" >/dev/null' _ "$ROOT" "$build" "$native"
  # Maven writes target/ beside the pom: build from a copy, not in the checkout.
  mkdir -p "$src" && (cd "$ROOT/bindings/java" && cp -R pom.xml src "$src/")
  (cd "$src" && mvn -q -B package -DskipTests -Dpolyscore.native.dir="$native" 2>&1 |
     sed -u 's/\x1b\[[0-9;]*m//g') || { echo "   FAIL java: mvn package"; failed+=("java mvn package"); return 0; }
  local jar=$src/target/polyscore-$VERSION.jar f
  for f in "$jar" "${jar%.jar}-sources.jar" "${jar%.jar}-javadoc.jar"; do
    [ -f "$f" ] || { echo "   FAIL java: no $(basename "$f")"; failed+=("java $(basename "$f")"); }
  done
  for f in dev/polyscore/native/linux-x86_64/libpolyscore_jni.so dev/polyscore/native/linux-x86_64/libpolyscore.so.1; do
    grep -q " $f\$" <<<"$(unzip -l "$jar")" || { echo "   FAIL java: the jar lacks $f"; failed+=("jar $f"); }
  done
  grep -q '^Automatic-Module-Name: dev.polyscore' <<<"$(unzip -p "$jar" META-INF/MANIFEST.MF)" ||
    { echo "   FAIL java: no Automatic-Module-Name"; failed+=("jar module name"); }
  local runpath
  runpath=$(readelf -d "$native/linux-x86_64/libpolyscore_jni.so" | sed -n 's/.*R.*PATH.*\[\(.*\)\]/\1/p')
  [ "$runpath" = '$ORIGIN' ] && echo "   ok   JNI glue RUNPATH is \$ORIGIN" ||
    { echo "   FAIL java: JNI glue RUNPATH '$runpath'"; failed+=("java runpath"); }

  local app
  app=$(newdir java)
  cp "$jar" "$MODEL" "$app/"
  cat >"$app/Score.java" <<'EOT'
import dev.polyscore.Model;
import java.nio.file.Path;

public class Score {
  public static void main(String[] args) throws Exception {
    try (Model m = Model.load(Path.of("fraud-v3.json"))) {
      System.out.println(m.predictRow(new double[] {0.4, 1.2})[0]);
    }
  }
}
EOT
  check_score "Java jar" "$(clean "$app" java -cp "polyscore-$VERSION.jar" Score.java 2>&1)"
  AFTER+=("Java jar:clean '$app' java -cp polyscore-$VERSION.jar Score.java")
}
