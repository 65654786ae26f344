# Java: the JNI glue and libpolyscore.so.1 from a library-only CMake build, installed
# into the jar's per-platform folder (CMake component java-jar; the one compile of this
# section); `mvn package` makes the jar, its sources and javadoc jars, deployed to a
# file:// Maven repository. A Maven project outside the repository depends on polyscore,
# resolves it from there, scores with it (no property, no env var) and runs the binding's
# conformance tests against it.
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

  # The jar, its pom, sources and javadoc deployed to a Maven repository on disk (file://),
  # laid out as Maven Central lays it out.
  local repo=$WORK/maven-repo
  (cd "$src" && mvn -q -B org.apache.maven.plugins:maven-deploy-plugin:3.1.2:deploy-file \
     -Durl="file://$repo" -DrepositoryId=polyscore-local -DpomFile=pom.xml -Dfile="$jar" \
     -Dsources="${jar%.jar}-sources.jar" -Djavadoc="${jar%.jar}-javadoc.jar" 2>&1 |
     sed -u 's/\x1b\[[0-9;]*m//g') || { echo "   FAIL java: deploy to $repo"; failed+=("java deploy"); return 0; }

  # A user's Maven project outside the repository, with an empty local repository (new
  # HOME): its pom names polyscore and that repository; Maven resolves the jar from there
  # (and JUnit from Maven Central). Its main class scores the fraud model; its tests are
  # the binding's conformance tests, copied from the checkout, run against the jar.
  local app
  app=$(newdir java)
  cp "$MODEL" "$app/"
  mkdir -p "$app/src/main/java" "$app/src/test/java/dev/polyscore"
  cp "$ROOT/bindings/java/src/test/java/dev/polyscore/"{ConformanceTest,TestData}.java "$app/src/test/java/dev/polyscore/"
  sed -e "s|@REPO@|file://$repo|" -e "s|@VERSION@|$VERSION|" -e "s|@VECTORS@|$ROOT/tests/vectors|" \
      -e "s|@CLI@|${C_PREFIX:-}${C_PREFIX:+/bin/polyscore}|" >"$app/pom.xml" <<'EOT'
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>fraud-score</artifactId>
  <version>1</version>
  <properties>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <maven.compiler.release>17</maven.compiler.release>
  </properties>
  <repositories>
    <repository>
      <id>polyscore-local</id>
      <url>@REPO@</url>
    </repository>
  </repositories>
  <dependencies>
    <dependency>
      <groupId>dev.polyscore</groupId>
      <artifactId>polyscore</artifactId>
      <version>@VERSION@</version>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.14.1</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.5.4</version>
        <configuration>
          <systemPropertyVariables>
            <polyscore.vectors.dir>@VECTORS@</polyscore.vectors.dir>
            <polyscore.cli>@CLI@</polyscore.cli>
          </systemPropertyVariables>
        </configuration>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
EOT
  cat >"$app/src/main/java/Score.java" <<'EOT'
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
  # Maven takes its local repository from the passwd home, not $HOME: name the new one.
  local mvn="env JAVA_HOME=$JAVA_HOME mvn -B -q -Dstyle.color=never -Dmaven.repo.local=$app/home/.m2/repository"
  timed "Java: mvn resolve + compile" clean "$app" sh -c "
    $mvn compile dependency:build-classpath -Dmdep.outputFile=classpath.txt >mvn.log 2>&1 || { cat mvn.log; exit 1; }"
  grep -q 'polyscore-1.0.0.jar>polyscore-local=' "$app/home/.m2/repository/dev/polyscore/polyscore/$VERSION/_remote.repositories" 2>/dev/null &&
    echo "   ok   Maven resolved polyscore-$VERSION.jar from the file:// repository" ||
    { echo "   FAIL java: polyscore was not resolved from $repo"; failed+=("java maven resolve"); }
  check_score "Java jar via Maven" "$(clean "$app" sh -c 'java -cp "target/classes:$(cat classpath.txt)" Score' 2>&1)"
  AFTER+=("Java jar via Maven:clean '$app' sh -c 'java -cp \"target/classes:\$(cat classpath.txt)\" Score'")
  # The conformance tests compare with the CLI bit for bit: they need the C section's.
  if [ -z "${C_PREFIX:-}" ]; then echo "   (conformance tests skipped: they need the C section's CLI)"; return 0; fi
  if clean "$app" sh -c "$mvn test >test.log 2>&1"; then
    echo "   ok   Java conformance vectors from the installed jar: $(grep -ho 'Tests run: [0-9]*, Failures: 0, Errors: 0' "$app"/target/surefire-reports/*.txt | head -1)"
  else
    sed 's/\x1b\[[0-9;]*m//g' "$app/test.log" | grep -E 'FAIL|ERROR|Tests run' | head -20
    echo "   FAIL java: conformance tests from the installed jar"; failed+=("java conformance")
  fi
}
