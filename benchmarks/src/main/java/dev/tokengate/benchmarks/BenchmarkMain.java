package dev.tokengate.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The full run behind {@code benchmarks/run.sh}: every benchmark in throughput and average-time mode, with 1 and then
 * 2 threads, in forked JVMs, then {@code BENCHMARKS.md} written from the results.
 *
 * <p>With arguments it is JMH's command line instead ({@code java -jar benchmarks.jar -h}). System properties: {@code bench.output} (default {@code BENCHMARKS.md}), {@code bench.e2e} (a Markdown section
 * from the end-to-end script to include, default {@code benchmarks/target/e2e.md}), {@code bench.e2e.spring} (the
 * Spring Boot comparison's section, default {@code benchmarks/target/e2e-spring.md}), {@code bench.forks} (1), {@code
 * bench.warmups} (3), {@code bench.iterations} (5), {@code bench.seconds} (1 per iteration), {@code bench.include}
 * (a JMH include pattern), {@code bench.raw} (where JMH's JSON results go, default {@code benchmarks/target}),
 * {@code bench.tokengate.fixture} (the shared keys and tokens).
 */
public final class BenchmarkMain {
  private BenchmarkMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      // With arguments, JMH's own command line, e.g. to run one benchmark with a profiler: -prof jfr.
      org.openjdk.jmh.Main.main(args);
      return;
    }
    Path output = Path.of(System.getProperty("bench.output", "BENCHMARKS.md"));
    Path e2e = Path.of(System.getProperty("bench.e2e", "benchmarks/target/e2e.md"));
    Path e2eSpring = Path.of(System.getProperty("bench.e2e.spring", "benchmarks/target/e2e-spring.md"));
    Path fixture = Path.of(System.getProperty("bench.tokengate.fixture", "benchmarks/target/bench-fixture.properties"))
        .toAbsolutePath();
    Path raw = Path.of(System.getProperty("bench.raw", "benchmarks/target"));
    Files.createDirectories(raw);
    // Make the keys and tokens once, here, so that every fork loads the same ones.
    System.setProperty("bench.tokengate.fixture", fixture.toString());
    Fixture.get();
    Fixture.release();

    Report.Machine before = Report.Machine.now();
    List<RunResult> results = new ArrayList<>();
    for (int threads : new int[] {1, 2}) {
      results.addAll(new Runner(new OptionsBuilder()
          .include(System.getProperty("bench.include", ValidationBenchmarks.class.getName()))
          .forks(Integer.getInteger("bench.forks", 1))
          .warmupIterations(Integer.getInteger("bench.warmups", 3))
          .warmupTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
          .measurementIterations(Integer.getInteger("bench.iterations", 5))
          .measurementTime(TimeValue.seconds(Integer.getInteger("bench.seconds", 1)))
          .mode(Mode.Throughput)
          .mode(Mode.AverageTime)
          .timeUnit(TimeUnit.MICROSECONDS)
          .threads(threads)
          .jvmArgsAppend("-Xms512m", "-Xmx512m", "-Dbench.tokengate.fixture=" + fixture)
          .result(raw.resolve("jmh-threads-" + threads + ".json").toString())
          .resultFormat(ResultFormatType.JSON)
          .shouldFailOnError(true)
          .build()).run());
    }
    Report.Machine after = Report.Machine.now();
    String e2eSection = Files.exists(e2e) ? Files.readString(e2e) : null;
    if (Files.exists(e2eSpring)) {
      e2eSection = (e2eSection == null ? "" : e2eSection.strip() + "\n\n") + Files.readString(e2eSpring);
    }
    // Issue 13's Spring Security comparison, from benchmarks/e2e-spring-security.sh.
    Path e2eSpringSecurity = Path.of(System.getProperty("bench.e2e.spring-security",
        "benchmarks/target/e2e-spring-security.md"));
    if (Files.exists(e2eSpringSecurity)) {
      e2eSection = (e2eSection == null ? "" : e2eSection.strip() + "\n\n") + Files.readString(e2eSpringSecurity);
    }
    Files.writeString(output, new Report(results, before, after, e2eSection).markdown());
    System.out.println("Wrote " + output.toAbsolutePath());
    System.exit(0);
  }
}
