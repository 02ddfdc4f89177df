package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many threads send a bounded mix of valid, expired, forged and random-{@code kid} tokens to the real filter on
 * loopback: no 5xx, no forgery accepted, every valid token accepted, key fetches within the forced-refresh limit,
 * and a heap that does not grow with the number of distinct bad tokens seen.
 */
class BadTrafficLoadTest {
  private static final int THREADS = 8;
  private static final int REQUESTS_PER_ROUND = 2_000;
  private static final Duration ROUND_TIME_LIMIT = Duration.ofSeconds(8);
  /** Well above noise after a full GC, well below what remembering each of the distinct bad tokens would cost. */
  private static final long HEAP_GROWTH_LIMIT_BYTES = 24L * 1024 * 1024;

  @RegisterExtension
  static final LogCapture logs = new LogCapture();

  private final MutableClock clock = MutableClock.startingNow();
  private final TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
  private final ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer())
      .jwksUri(URI.create(issuer.server().jwksUri())).audiences("api").clock(clock).build());
  private final SigningKey attackerKey = SigningKey.rsa("key-1");

  @AfterEach
  void stop() {
    api.close();
    issuer.close();
  }

  private enum Kind { VALID, EXPIRED, FORGED, FORGED_NO_KID, RANDOM_KID, GARBAGE }

  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

  @Test
  void floodOfBadTokens_neverErrs_neverAdmitsAForgery_fetchesKeysWithinTheLimit_andKeepsTheHeapFlat()
      throws Exception {
    Map<Kind, List<String>> pools = pools();
    round(pools);
    long heapAfterFirstRound = usedHeapAfterGc();
    int fetchesAfterFirstRound = issuer.server().jwksRequests();
    long start = System.nanoTime();
    int sent = round(pools) + round(pools);
    double seconds = (System.nanoTime() - start) / 1e9;
    long heapGrowth = usedHeapAfterGc() - heapAfterFirstRound;

    Map<String, Long> seen = new TreeMap<>();
    outcomes.forEach((key, count) -> seen.put(key, count.sum()));
    System.out.printf("bad-traffic load: %d requests in %.1f s (%.0f/s) from %d threads; outcomes %s;"
            + " JWKS fetches %d; heap growth %d KiB%n",
        sent, seconds, sent / seconds, THREADS, seen, issuer.server().jwksRequests(), heapGrowth / 1024);

    // A random kid is 401 once a refresh that began after it was seen did not bring it, and 503 "refresh pending"
    // (Retry-After until the scheduled refresh) while the rate limit holds that refresh back.
    assertThat(seen.keySet()).as("outcomes by kind and status").allMatch(key ->
        key.equals("VALID 200") || key.equals("RANDOM_KID 503") || (!key.startsWith("VALID") && key.endsWith(" 401")));
    assertThat(seen).containsKeys("VALID 200", "EXPIRED 401", "FORGED 401", "FORGED_NO_KID 401", "GARBAGE 401");
    assertThat(seen.getOrDefault("RANDOM_KID 401", 0L) + seen.getOrDefault("RANDOM_KID 503", 0L)).isPositive();
    // One load, and at most the burst (2) of refreshes for unknown kids; the clock stands still, so no more.
    assertThat(fetchesAfterFirstRound).isBetween(1, 3);
    assertThat(issuer.server().jwksRequests()).isEqualTo(fetchesAfterFirstRound);
    assertThat(heapGrowth).as("heap growth over %d more requests", sent).isLessThan(HEAP_GROWTH_LIMIT_BYTES);
  }

  private Map<Kind, List<String>> pools() {
    Map<Kind, List<String>> pools = new TreeMap<>();
    pools.put(Kind.VALID, pool(() -> issuer.token().sign()));
    pools.put(Kind.EXPIRED, pool(() -> issuer.token().expiresAt(clock.instant().minusSeconds(600)).sign()));
    pools.put(Kind.FORGED, pool(() -> issuer.tokenSignedWith(attackerKey).sign()));
    pools.put(Kind.FORGED_NO_KID, pool(() -> issuer.tokenSignedWith(attackerKey).kid(null).sign()));
    return pools;
  }

  private List<String> pool(Supplier<String> tokens) {
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      pool.add(logs.secret(tokens.get()));
    }
    return pool;
  }

  /** Sends one bounded round; random-kid and garbage tokens are new for every request. */
  private int round(Map<Kind, List<String>> pools) throws Exception {
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + ROUND_TIME_LIMIT.toNanos();
    String payload = RawJws.payloadJson(pools.get(Kind.VALID).get(0));
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        workers.add(threads.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < REQUESTS_PER_ROUND && System.nanoTime() < deadline) {
            Kind kind = Kind.values()[i % Kind.values().length];
            String token = switch (kind) {
              case RANDOM_KID -> RawJws.unsigned("{\"alg\":\"RS256\",\"kid\":\"" + UUID.randomUUID() + "\"}", payload,
                  randomBytes(256));
              case GARBAGE -> RawJws.b64(randomBytes(24)) + "." + RawJws.b64(randomBytes(40)) + "."
                  + RawJws.b64(randomBytes(32));
              default -> pools.get(kind).get(i % pools.get(kind).size());
            };
            HttpResponse<String> response = api.get("/whoami", logs.secret(token));
            outcomes.computeIfAbsent(kind + " " + response.statusCode(), k -> new LongAdder()).increment();
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(ROUND_TIME_LIMIT.toSeconds() * 2, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    return Math.min(next.get(), REQUESTS_PER_ROUND);
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // Several collections, keeping the lowest reading: one System.gc() may leave floating garbage behind.
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
