package dev.tokengate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * CI's smoke pass: every benchmark once, for a tenth of a second, in this JVM. It proves the benchmarks compile, that
 * every setup passes its checks (the good token accepted, a tampered one refused, the JWKS cached), and that each
 * produces a score. The figures mean nothing; {@code run.sh} measures.
 */
class BenchmarkSmokeTest {
  @Test
  void everyBenchmark_runsAndScores() throws Exception {
    Options options = new OptionsBuilder()
        .include(ValidationBenchmarks.class.getName())
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .mode(Mode.Throughput)
        .timeUnit(TimeUnit.MILLISECONDS)
        .threads(1)
        .shouldFailOnError(true)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    Set<String> ran = new TreeSet<>();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark().replaceFirst(".*\\.", "");
      String alg = result.getParams().getParam("alg") != null
          ? result.getParams().getParam("alg")
          : result.getParams().getParam("uri");
      ran.add(alg == null ? name : name + ":" + alg);
      assertThat(result.getPrimaryResult().getScore()).as(name + " " + alg).isPositive();
    }
    assertThat(ran).containsExactlyInAnyOrder(
        "floorSignatureVerify:RS256", "floorSignatureVerify:ES256", "floorSignatureVerify:PS256",
        "floorSignatureVerifyFromToken:RS256", "floorSignatureVerifyFromToken:ES256",
        "floorSignatureVerifyFromToken:PS256",
        "tokengateFirstSeen:RS256", "tokengateFirstSeen:ES256", "tokengateFirstSeen:PS256",
        "tokengateRepeated:RS256",
        "concurrentHashMapLookup", "freshTokenEquals",
        "requestFirewall:plain", "requestFirewall:encoded",
        "springNimbusJwtDecoder:RS256",
        "nimbusDefaultJwtProcessor:RS256",
        "auth0JavaJwt:RS256",
        "jose4jJwtConsumer:RS256");
  }
}
