package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.internal.token.ValidatedTokenCache;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.testing.TokenBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The heap a cached token costs, as a bound that fails the build if an entry grows: 10,000 distinct tokens of the
 * benchmarks' shape (~1.45 KB each, about 20 claims, one client) are validated and remembered, and the retained heap
 * is read after full collections (the least of several readings, before and after, so that garbage never counts).
 *
 * <p>The tokens are HS256 so that making 10,000 of them takes milliseconds, padded to the RS256 token's length; what
 * the cache keeps does not depend on the algorithm (an RS256 entry shares its key's binding just as an HS256 one
 * shares the secret's). Each token is handed to the validator as a fresh copy, as a servlet container makes one per
 * request, so that the hot tier pays for the token text it keeps. The benchmarks module measures the same with the
 * RS256 benchmark tokens and writes the figure into BENCHMARKS.md.
 */
@Isolated
class ValidatedTokenCacheMemoryTest {
  static final int TOKENS = 10_000;
  /** The bound: issue 14's target is 700 B; this leaves room for JVM differences, not for a regrowth. */
  static final long MAX_BYTES_PER_ENTRY = 1024;

  private static final byte[] SECRET = "an HMAC secret of 32+ bytes, for the memory test".getBytes(StandardCharsets.UTF_8);

  @Test
  void tenThousandDistinctTokens_costAtMostOneKilobyteEach() throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
            .issuer(issuer.issuer())
            .audiences("api")
            .algorithms("HS256")
            .sharedSecret(SECRET)
            .tokenCacheSize(TOKENS)
            .build())) {
      SigningKey hmac = SigningKey.hmac(SECRET, "HS256");
      List<byte[]> tokens = new ArrayList<>(TOKENS);
      for (int i = 0; i < TOKENS; i++) {
        String token = benchmarkShaped(issuer.tokenSignedWith(hmac)).sign();
        tokens.add(token.getBytes(StandardCharsets.ISO_8859_1));
      }
      assertThat(tokens.get(0).length).as("the benchmark token's length").isBetween(1400, 1500);
      ValidatedTokenCache cache = validator.tokenCache();

      long empty = retainedHeap();
      for (byte[] token : tokens) {
        validator.validate(new String(token, StandardCharsets.ISO_8859_1));
      }
      assertThat(cache.bulkSize()).isEqualTo(TOKENS);
      assertThat(cache.hotSize()).isEqualTo(ValidatedTokenCache.HOT_TIER_SIZE);
      long full = retainedHeap();
      cache.clearHotTier();
      long bulkOnly = retainedHeap();
      assertThat(cache.bulkSize()).as("still all remembered").isEqualTo(TOKENS);

      long perEntry = (full - empty) / TOKENS;
      System.out.printf("validated-token cache, %,d distinct %d-byte tokens: %,d bytes in all, %d B per token; bulk"
              + " tier %d B per token, hot tier (%d tokens with their text) %,d bytes%n",
          TOKENS, tokens.get(0).length, full - empty, perEntry, (bulkOnly - empty) / TOKENS,
          ValidatedTokenCache.HOT_TIER_SIZE, full - bulkOnly);
      assertThat(perEntry).as("bytes of heap per cached token").isLessThanOrEqualTo(MAX_BYTES_PER_ENTRY);
      assertThat(validator.validate(new String(tokens.get(17), StandardCharsets.ISO_8859_1)).clientId())
          .isEqualTo("orders-service");
    }
  }

  /** The benchmarks' token (Fixture.payload), as Keycloak would issue it for a client-credentials grant. */
  static TokenBuilder benchmarkShaped(TokenBuilder token) {
    String client = "orders-service";
    return token
        .audiences("api", "https://api.example.com/orders")
        .clientId(client)
        .subject("service-account-" + client)
        .claim("azp", client)
        .scope("orders:read", "orders:write", "countries:read", "inventory:read", "invoices:read", "shipments:write")
        .lifetime(Duration.ofHours(1))
        .claim("auth_time", System.currentTimeMillis() / 1000)
        .jti(UUID.randomUUID().toString())
        .claim("typ", "Bearer")
        .claim("sid", UUID.randomUUID().toString())
        .claim("acr", "1")
        .claim("tenant_id", "6f1c2b7a-3e9d-4f50-9a8b-1c2d3e4f5a6b")
        .claim("realm_access", Map.of("roles", List.of("default-roles-api", "offline_access", "uma_authorization")))
        .claim("resource_access", Map.of("orders-api", Map.of("roles", List.of("orders-reader", "orders-writer"))))
        .claim("clientHost", "10.24.3.117")
        .claim("clientAddress", "10.24.3.117")
        .claim("preferred_username", "service-account-" + client)
        // An RS256 signature is 342 characters, an HS256 one 43: the difference, as a claim, keeps the length.
        .claim("x_pad", "p".repeat(225));
  }

  /** Heap in use after full collections: the least of five readings, so that no floating garbage counts. */
  static long retainedHeap() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
