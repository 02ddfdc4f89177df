package dev.tokengate.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The full run behind {@code benchmarks/run.sh}: every benchmark with one thread on each JDK measured, the RS256
 * comparison with two threads on the first JDK only, the validated-token cache's memory per entry on each JDK, then
 * {@code BENCHMARKS.md} written from all of it. JMH forks each benchmark into the JDK being measured, so one run of
 * this class (on any JDK 17+) measures them all.
 *
 * <p>With arguments it is JMH's command line instead ({@code java -jar benchmarks.jar -h}). System properties: {@code
 * bench.jdks} (the JDKs to measure, {@code label=java-home} pairs separated by commas, e.g. {@code
 * 17=/usr/lib/jvm/java-17-openjdk-amd64,25=/usr/lib/jvm/temurin-25-jdk-amd64}; default the running JDK), {@code
 * bench.output} (default {@code BENCHMARKS.md}), {@code bench.e2e.dir} (where the end-to-end scripts left {@code
 * e2e-<label>.md} and {@code e2e-<label>.properties}, and {@code e2e-spring.md}; default {@code benchmarks/target}),
 * {@code bench.forks} (1), {@code bench.warmups} (3), {@code bench.iterations} (5), {@code bench.seconds} (1 per
 * iteration), {@code bench.include} (a JMH include pattern), {@code bench.raw} (where JMH's JSON results go, default
 * {@code benchmarks/target}), {@code bench.tokengate.fixture} (the shared keys and tokens).
 */
public final class BenchmarkMain {
  /** The benchmarks worth a second thread: the RS256 comparison (the firewall and other algorithms are 1-thread). */
  static final String TWO_THREAD_INCLUDE = ValidationBenchmarks.class.getName()
      + ".(floorSignatureVerify|floorSignatureVerifyFromToken|tokengateFirstSeen|tokengateRepeated"
      + "|concurrentHashMapLookup|freshTokenEquals|springNimbusJwtDecoder|nimbusDefaultJwtProcessor|auth0JavaJwt|jose4jJwtConsumer)$";

  private BenchmarkMain() {}

  /** A JDK measured: its label (e.g. 17), its java home, and what was measured on it. */
  record Jdk(String label, Path home, List<RunResult> results, Map<String, Long> memory, String e2eSection,
      Properties e2e) {
    Path java() {
      return home.resolve("bin").resolve("java");
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      // With arguments, JMH's own command line, e.g. to run one benchmark with a profiler: -prof jfr.
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Path output = Path.of(System.getProperty("bench.output", "BENCHMARKS.md"));
    Path e2eDir = Path.of(System.getProperty("bench.e2e.dir", "benchmarks/target"));
    Path fixture = Path.of(System.getProperty("bench.tokengate.fixture", "benchmarks/target/bench-fixture.properties"))
        .toAbsolutePath();
    Path raw = Path.of(System.getProperty("bench.raw", "benchmarks/target"));
    Files.createDirectories(raw);
    // Make the keys and tokens once, here, so that every fork loads the same ones.
    System.setProperty("bench.tokengate.fixture", fixture.toString());
    Fixture.get();
    Fixture.release();

    Report.Machine before = Report.Machine.now();
    List<Jdk> jdks = new ArrayList<>();
    boolean first = true;
    for (Map.Entry<String, Path> jdk : jdks().entrySet()) {
      String label = jdk.getKey();
      Path java = jdk.getValue().resolve("bin").resolve("java");
      List<RunResult> results = new ArrayList<>();
      results.addAll(run(java, 1, System.getProperty("bench.include", ValidationBenchmarks.class.getName()),
          fixture, raw.resolve("jmh-jdk" + label + "-threads-1.json")));
      if (first && System.getProperty("bench.include") == null) {
        results.addAll(run(java, 2, TWO_THREAD_INCLUDE, fixture, raw.resolve("jmh-jdk" + label + "-threads-2.json")));
      }
      Map<String, Long> memory = memory(java, fixture, e2eDir.resolve("e2e-" + label).resolve("tokens-a.txt"));
      Path e2eMd = e2eDir.resolve("e2e-" + label + ".md");
      Path e2eProperties = e2eDir.resolve("e2e-" + label + ".properties");
      Properties e2e = new Properties();
      if (Files.exists(e2eProperties)) {
        try (var in = Files.newBufferedReader(e2eProperties, StandardCharsets.UTF_8)) {
          e2e.load(in);
        }
      }
      jdks.add(new Jdk(label, jdk.getValue(), results, memory,
          Files.exists(e2eMd) ? Files.readString(e2eMd) : null, e2e));
      first = false;
    }
    // Issue 16: the DPoP proof check on top of a cached token (first JDK), and e2e-dpop.sh's wrk figures.
    String dpopSection = null;
    if (System.getProperty("bench.include") == null) {
      Map.Entry<String, Path> firstJdk = jdks().entrySet().iterator().next();
      List<RunResult> dpop = run(firstJdk.getValue().resolve("bin").resolve("java"), 1,
          DpopBenchmarks.class.getName(), fixture, raw.resolve("jmh-dpop.json"));
      dpopSection = DpopBenchmarks.section(firstJdk.getKey(), dpop, e2eDir.resolve("e2e-dpop.md"));
    }
    Report.Machine after = Report.Machine.now();
    Path spring = e2eDir.resolve("e2e-spring.md");
    String springSection = Files.exists(spring) ? Files.readString(spring) : null;
    // Issue 13's Spring Security comparison, from benchmarks/e2e-spring-security.sh.
    Path springSecurity = e2eDir.resolve("e2e-spring-security.md");
    if (Files.exists(springSecurity)) {
      springSection = (springSection == null ? "" : springSection.strip() + "\n\n") + Files.readString(springSecurity);
    }
    String markdown = new Report(jdks, before, after, springSection).markdown();
    if (dpopSection != null) {
      markdown = markdown.stripTrailing() + "\n\n" + dpopSection;
    }
    if (System.getProperty("bench.include") == null) {
      // Issue 17: opaque tokens against a loopback introspection endpoint, on the first JDK only.
      Jdk firstJdk = jdks.get(0);
      markdown = markdown.stripTrailing() + "\n\n" + introspectionSection(firstJdk.label(), run(firstJdk.java(), 1,
          IntrospectionBenchmarks.class.getName(), fixture,
          raw.resolve("jmh-jdk" + firstJdk.label() + "-introspection.json")));
    }
    Files.writeString(output, markdown);
    System.out.println("Wrote " + output.toAbsolutePath());
    System.exit(0);
  }

  /** The introspection rows: microseconds per check, as JMH measured them (loopback HTTP, so noisy). */
  static String introspectionSection(String jdk, List<RunResult> results) {
    StringBuilder md = new StringBuilder("## Opaque tokens (introspection), JDK ").append(jdk)
        .append("\n\nOne opaque token, the same loopback RFC 7662 endpoint for all; average time per check, 1 thread.\n\n"
            + "| contender | µs/op | ± |\n|---|---:|---:|\n");
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark().replaceFirst(".*\\.", "");
      String label = switch (name) {
        case "tokengateIntrospectionCached" -> "tokengate, cached introspection hit";
        case "tokengateIntrospectionFirst" -> "tokengate, first introspection (cache off)";
        case "springOpaqueTokenIntrospector" -> "Spring Security `SpringOpaqueTokenIntrospector`";
        default -> name;
      };
      md.append("| ").append(label).append(" | ")
          .append(String.format(java.util.Locale.ROOT, "%.2f", result.getPrimaryResult().getScore())).append(" | ")
          .append(String.format(java.util.Locale.ROOT, "%.2f", result.getPrimaryResult().getScoreError()))
          .append(" |\n");
    }
    return md.toString();
  }

  /** The JDKs to measure, in order: {@code bench.jdks}, or the running one. */
  static Map<String, Path> jdks() {
    Map<String, Path> jdks = new LinkedHashMap<>();
    String configured = System.getProperty("bench.jdks", "");
    for (String pair : configured.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("bench.jdks wants label=java-home pairs, was " + configured);
      }
      jdks.put(pair.substring(0, eq).strip(), Path.of(pair.substring(eq + 1).strip()));
    }
    if (jdks.isEmpty()) {
      jdks.put(Integer.toString(Runtime.version().feature()), Path.of(System.getProperty("java.home")));
    }
    return jdks;
  }

  private static List<RunResult> run(Path java, int threads, String include, Path fixture, Path json)
      throws Exception {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(include)
        .jvm(java.toString())
        .forks(Integer.getInteger("bench.forks", 1))
        .warmupIterations(Integer.getInteger("bench.warmups", 3))
        .warmupTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
        .measurementIterations(Integer.getInteger("bench.iterations", 5))
        .measurementTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
        // Average time only: throughput is derived from it (threads / time), which halves the run.
        .mode(Mode.AverageTime)
        .timeUnit(TimeUnit.MICROSECONDS)
        .threads(threads)
        .jvmArgsAppend("-Xms512m", "-Xmx512m", "-Dbench.tokengate.fixture=" + fixture)
        .result(json.toString())
        .resultFormat(ResultFormatType.JSON)
        .shouldFailOnError(true);
    if (threads > 1) {
      options.param("alg", "RS256");
    }
    return new ArrayList<>(new Runner(options.build()).run());
  }

  /**
   * Runs {@link CacheMemory} in a JVM of the JDK measured and reads its {@code name=value} lines; empty (the report
   * says n/a) if it fails, so that a long run still writes its other figures.
   */
  private static Map<String, Long> memory(Path java, Path fixture, Path floodTokens) {
    try {
      return measureMemory(java, fixture, floodTokens);
    } catch (IOException | RuntimeException e) {
      System.err.println("The cache-memory measurement failed on " + java + ": " + e);
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
  }

  private static Map<String, Long> measureMemory(Path java, Path fixture, Path floodTokens)
      throws IOException, InterruptedException {
    String classPath = Path.of(BenchmarkMain.class.getProtectionDomain().getCodeSource().getLocation().getPath())
        .toString();
    Path log = Files.createTempFile("cache-memory", ".txt");
    Process process = new ProcessBuilder(java.toString(), "-Xms512m", "-Xmx512m",
        "-Dbench.tokengate.fixture=" + fixture, "-cp", classPath, CacheMemory.class.getName(),
        floodTokens.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    Map<String, Long> memory = new LinkedHashMap<>();
    boolean ended = process.waitFor(10, TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly();
    }
    String out = Files.readString(log);
    Files.deleteIfExists(log);
    if (!ended || process.exitValue() != 0) {
      throw new IllegalStateException("the memory measurement failed:\n" + out);
    }
    for (String line : out.split("\n")) {
      if (line.startsWith("memory.") && line.contains("=")) {
        memory.put(line.substring(0, line.indexOf('=')), Long.parseLong(line.substring(line.indexOf('=') + 1).strip()));
      }
    }
    System.out.println("Cache memory on " + java + ": " + memory);
    return memory;
  }
}
