package dev.tokengate.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.internal.jwks.HttpDocumentFetcher;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.jwks.KeyRefresher;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The header cache answers only for the exact header text of a token that verified, stays bounded, and a header found
 * in it is judged exactly like one parsed afresh. Verified against a real JWKS on loopback with real RSA tokens.
 */
class HeaderCacheTest {
  private static final SigningKey KEY = SigningKey.rsa("key-1");

  @Nested
  class ThroughTheVerifier {
    private final MutableClock clock = MutableClock.startingNow();
    private final TestIssuer issuer = TestIssuer.start(KEY, clock);
    private final KeyRefresher threads = new KeyRefresher(1);
    private HttpDocumentFetcher fetcher;

    @AfterEach
    void stop() {
      threads.close();
      if (fetcher != null) {
        fetcher.close();
      }
      issuer.close();
    }

    private AccessTokenVerifier verifier(UnaryOperator<TokenGateConfig.Builder> settings) {
      TokenGateConfig config = settings.apply(TokenGateConfig.builder().issuer(issuer.issuer())
          .jwksUri(URI.create(issuer.server().jwksUri())).audiences("api").clock(clock)).build();
      fetcher = new HttpDocumentFetcher(config.jwksConnectTimeout(), config.jwksMaxBytes(), threads.httpExecutor());
      IssuerKeys keys = new IssuerKeys(issuer.issuer(), config.jwksUri(), fetcher,
          AccessTokenVerifier.acceptedAlgorithms(config), clock,
          new IssuerKeys.Policy(config.jwksCacheTtl(), config.jwksMinCacheTtl(), config.jwksMaxCacheTtl(),
              config.jwksRefreshRateLimit(), config.jwksMaxStaleness(), Duration.ofSeconds(5), 2),
          threads.fetchExecutor(), null);
      keys.maintain();
      Poll.until("keys loaded", () -> keys.currentKeys().isPresent());
      return new AccessTokenVerifier(config, Map.of(issuer.issuer(), keys));
    }

    @Test
    void verifiedToken_leavesItsHeader_andLaterTokensWithThatHeaderVerify() throws Exception {
      AccessTokenVerifier verifier = verifier(b -> b);
      String first = issuer.token().clientId("a").sign();
      String second = issuer.token().clientId("b").sign();
      assertThat(header(first)).isEqualTo(header(second));

      verifier.verifyToken(first);
      assertThat(verifier.headerCache().size()).isEqualTo(1);
      JWSHeader cached = find(verifier, first);
      assertThat(cached).isNotNull();

      assertThat(verifier.verify(second).clientId()).isEqualTo("b");
      assertThat(find(verifier, second)).isSameAs(cached);
      assertThat(verifier.headerCache().size()).isEqualTo(1);
    }

    @Test
    void forgedToken_leavesNoHeader() {
      AccessTokenVerifier verifier = verifier(b -> b);
      String forged = issuer.token().header("x-forged", "1").signedWithForeignKey().sign();

      assertRejected(verifier, forged, "The access token signature is invalid");
      assertThat(verifier.headerCache().size()).isZero();
    }

    @Test
    void tokenRefusedAfterItsSignature_leavesNoHeader() {
      AccessTokenVerifier verifier = verifier(b -> b);
      String expired = issuer.token().header("x-other", "1").expired().sign();

      assertRejected(verifier, expired, "The access token expired");
      assertThat(verifier.headerCache().size()).isZero();
    }

    @Test
    void criticalHeader_isRefusedAlike_parsedOrCached() throws Exception {
      AccessTokenVerifier verifier = verifier(b -> b);
      String critical = issuer.token().header("x-must", "1").critical(Set.of("x-must")).sign();
      String description = "The access token has an unsupported critical header";

      assertRejected(verifier, critical, description);
      assertThat(verifier.headerCache().size()).isZero();
      // Even if such a header were in the cache, it is refused the same way.
      plant(verifier, critical);
      assertRejected(verifier, critical, description);
    }

    @Test
    void algorithmNotAllowed_isRefusedAlike_parsedOrCached() throws Exception {
      AccessTokenVerifier verifier = verifier(b -> b.algorithms("PS256"));
      String rs256 = issuer.token().sign();
      String description = "The access token signing algorithm is not accepted";

      assertRejected(verifier, rs256, description);
      assertThat(verifier.headerCache().size()).isZero();
      plant(verifier, rs256);
      assertRejected(verifier, rs256, description);
    }

    @Test
    void typeNotAccepted_isRefusedAlike_parsedOrCached() throws Exception {
      AccessTokenVerifier verifier = verifier(b -> b);
      String logout = issuer.token().type("logout+jwt").sign();
      String description = "The access token type is not accepted";

      assertRejected(verifier, logout, description);
      assertThat(verifier.headerCache().size()).isZero();
      plant(verifier, logout);
      assertRejected(verifier, logout, description);
    }

    @Test
    void cachedHeader_neverAnswersForAnotherKid() throws Exception {
      AccessTokenVerifier verifier = verifier(b -> b);
      verifier.verifyToken(issuer.token().sign());
      assertThat(verifier.headerCache().size()).isEqualTo(1);
      // Same key, same signature algorithm, one character of the kid different: an unknown key, not a cache hit.
      String otherKid = issuer.token().kid("key-2").sign();
      assertThat(header(otherKid)).hasSameSizeAs(header(issuer.token().sign()));

      assertRejected(verifier, otherKid, "The access token was signed with an unknown key");
    }

    /** Puts the token's header, as Nimbus parses it, into the verifier's cache, as a verified token would. */
    private void plant(AccessTokenVerifier verifier, String token) throws Exception {
      byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
      int dot = token.indexOf('.');
      verifier.headerCache().remember(bytes, 0, dot, JWSHeader.parse(new Base64URL(token.substring(0, dot))));
      assertThat(find(verifier, token)).isNotNull();
    }
  }

  @Nested
  class Alone {
    @Test
    void differentText_neverHits() throws Exception {
      HeaderCache cache = new HeaderCache();
      byte[] text = headerText("{\"alg\":\"RS256\",\"kid\":\"key-1\"}");
      cache.remember(text, 0, text.length, parse(text));

      assertThat(cache.find(text, 0, text.length)).isNotNull();
      byte[] oneCharacterOff = text.clone();
      oneCharacterOff[text.length - 3]++;
      assertThat(cache.find(oneCharacterOff, 0, text.length)).isNull();
      assertThat(cache.find(text, 0, text.length - 4)).isNull();
      assertThat(cache.find(text, 4, text.length)).isNull();
    }

    @Test
    void manyHeaders_stayBounded_andEachTextFindsOnlyItsOwnHeader() throws Exception {
      HeaderCache cache = new HeaderCache();
      List<byte[]> texts = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        byte[] text = headerText("{\"alg\":\"RS256\",\"kid\":\"key-" + i + "\"}");
        texts.add(text);
        cache.remember(text, 0, text.length, parse(text));
        assertThat(cache.size()).isLessThanOrEqualTo(HeaderCache.SLOTS);
      }
      int hits = 0;
      for (int i = 0; i < texts.size(); i++) {
        byte[] text = texts.get(i);
        JWSHeader found = cache.find(text, 0, text.length);
        if (found != null) {
          hits++;
          assertThat(found.getKeyID()).isEqualTo("key-" + i);
        }
      }
      assertThat(hits).isBetween(1, HeaderCache.SLOTS);
    }

    @Test
    void textInsideALongerToken_isFoundByItsRange() throws Exception {
      HeaderCache cache = new HeaderCache();
      byte[] text = headerText("{\"alg\":\"RS256\"}");
      byte[] token =
          ("xx" + new String(text, StandardCharsets.US_ASCII) + ".payload").getBytes(StandardCharsets.US_ASCII);
      cache.remember(token, 2, 2 + text.length, parse(text));

      assertThat(cache.find(text, 0, text.length)).isNotNull();
      assertThat(cache.find(token, 2, 2 + text.length)).isNotNull();
    }

    @Test
    void overlongHeader_isNeverKept() throws Exception {
      HeaderCache cache = new HeaderCache();
      byte[] text = headerText("{\"alg\":\"RS256\",\"x\":\"" + "a".repeat(HeaderCache.MAX_TEXT_LENGTH) + "\"}");
      cache.remember(text, 0, text.length, parse(text));

      assertThat(cache.size()).isZero();
      assertThat(cache.find(text, 0, text.length)).isNull();
    }

    private byte[] headerText(String json) {
      return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString().getBytes(StandardCharsets.US_ASCII);
    }

    private JWSHeader parse(byte[] text) throws Exception {
      return JWSHeader.parse(new Base64URL(new String(text, StandardCharsets.US_ASCII)));
    }
  }

  private static String header(String token) {
    return token.substring(0, token.indexOf('.'));
  }

  private static JWSHeader find(AccessTokenVerifier verifier, String token) {
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    return verifier.headerCache().find(bytes, 0, token.indexOf('.'));
  }

  private static void assertRejected(AccessTokenVerifier verifier, String token, String description) {
    assertThatThrownBy(() -> verifier.verifyToken(token)).isInstanceOfSatisfying(TokenRejectedException.class,
        e -> assertThat(e.description()).isEqualTo(description));
  }
}
