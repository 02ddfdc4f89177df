package dev.tokengate.benchmarks;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The heap a validated-token cache entry costs, with the benchmark's RS256 tokens: 10,000 distinct tokens are
 * validated (each handed over as a fresh String, as a container makes one per request) and the heap in use after full
 * collections is read before and after (the least of five readings each). Run by {@link BenchmarkMain} in a JVM of
 * each JDK measured; prints {@code name=bytes-per-token} lines. The filter module's {@code
 * ValidatedTokenCacheMemoryTest} checks the same bound in every build.
 *
 * <p>Two shapes: the benchmark's token, 10,000 of one client (distinct {@code jti}, {@code sid}, times: what a busy
 * machine-to-machine API sees), and, when {@code e2e.sh} left them, its 10,000 flood tokens of 10,000 different
 * clients (every client id and subject distinct, so nothing is shared between entries).
 */
public final class CacheMemory {
  static final int TOKENS = 10_000;

  private CacheMemory() {}

  public static void main(String[] args) {
    try {
      measure(args);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void measure(String[] args) throws Exception {
    Fixture fixture = Fixture.get();
    Instant now = Instant.now();
    List<String> oneClient = IntStream.range(0, TOKENS).parallel()
        .mapToObj(i -> fixture.sign("RS256", "orders-service", now.minusSeconds(i % 600), Duration.ofHours(2)))
        .toList();
    System.out.println("memory.oneClient=" + bytesPerToken(fixture, oneClient));
    System.out.println("memory.tokenLength=" + oneClient.get(0).length());
    Path flood = Path.of(args.length > 0 ? args[0] : "benchmarks/target/e2e/tokens-a.txt");
    if (Files.exists(flood)) {
      List<String> distinctClients = Files.readAllLines(flood, StandardCharsets.ISO_8859_1).stream()
          .filter(line -> !line.isBlank()).limit(TOKENS).toList();
      if (distinctClients.size() == TOKENS) {
        System.out.println("memory.distinctClients=" + bytesPerToken(fixture, distinctClients));
      }
    }
    Fixture.release();
  }

  static long bytesPerToken(Fixture fixture, List<String> tokens) throws Exception {
    List<byte[]> bytes = new ArrayList<>(tokens.size());
    tokens.forEach(token -> bytes.add(token.getBytes(StandardCharsets.ISO_8859_1)));
    try (TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(Fixture.ISSUER)
        .jwksUri(URI.create(fixture.jwksUri()))
        .audiences(Fixture.AUDIENCE)
        .algorithms("RS256")
        .tokenCacheSize(TOKENS)
        .build())) {
      validator.validate(new String(bytes.get(0), StandardCharsets.ISO_8859_1));
      long empty = retainedHeap();
      for (byte[] token : bytes) {
        validator.validate(new String(token, StandardCharsets.ISO_8859_1));
      }
      long full = retainedHeap();
      for (byte[] token : bytes.subList(0, 100)) {
        if (validator.validateCached(new String(token, StandardCharsets.ISO_8859_1)).isEmpty()) {
          throw new IllegalStateException("a token was not remembered: the measurement would be wrong");
        }
      }
      return (full - empty) / (tokens.size() - 1);
    }
  }

  static long retainedHeap() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
