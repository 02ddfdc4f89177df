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
 * CI's smoke pass of {@link DpopBenchmarks}: each benchmark once, briefly, in this JVM. Its setups prove that a fresh
 * proof passes, a replayed one is refused and the bound token is refused as Bearer; the pool wraps at least once (the
 * replay store is replaced, no proof is refused). The figures mean nothing; {@code run.sh} measures.
 */
class DpopBenchmarksSmokeTest {
  @Test
  void everyDpopBenchmark_runsAndScores() throws Exception {
    // A pool this small wraps within the iteration even unwarmed: a proof reused after the wrap must pass.
    System.setProperty("bench.dpop.pool", "16");
    Options options = new OptionsBuilder()
        .include(DpopBenchmarks.class.getName())
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(500))
        .mode(Mode.Throughput)
        .timeUnit(TimeUnit.MILLISECONDS)
        .threads(1)
        .shouldFailOnError(true)
        .build();

    Collection<RunResult> results;
    try {
      results = new Runner(options).run();
    } finally {
      System.clearProperty("bench.dpop.pool");
    }

    Set<String> ran = new TreeSet<>();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark().replaceFirst(".*\\.", "");
      String alg = result.getParams().getParam("proofAlg");
      ran.add(alg == null ? name : name + ":" + alg);
      assertThat(result.getPrimaryResult().getScore()).as(name + " " + alg).isPositive();
    }
    assertThat(ran).containsExactlyInAnyOrder(
        "bearerCachedToken", "dpopCachedTokenFreshProof:ES256", "dpopCachedTokenFreshProof:RS256");
  }
}
