package dev.tokengate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tokens as a validator sees them: header, claims and signature, checked with Nimbus against the issuer's key. */
class TokenBuilderTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final MutableClock clock = new MutableClock(NOW);

  @RegisterExtension static final TestIssuer issuer = TestIssuer.builder().clock(clock).extension();

  @Test
  void defaults_areAnRfc9068AccessToken() throws Exception {
    JWSObject token = JWSObject.parse(issuer.token().sign());
    assertThat(token.getHeader().getType().getType()).isEqualTo("at+jwt");
    assertThat(token.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
    assertThat(token.getHeader().getKeyID()).isEqualTo("key-1");
    Map<String, Object> claims = token.getPayload().toJSONObject();
    assertThat(claims).containsEntry("iss", issuer.issuer()).containsEntry("aud", "api")
        .containsEntry("client_id", "orders-service").containsEntry("sub", "orders-service")
        .containsEntry("scope", "countries:read orders:write")
        .containsEntry("iat", NOW.getEpochSecond()).containsEntry("exp", NOW.plusSeconds(300).getEpochSecond())
        .containsKey("jti");
    assertThat(verifiesWithIssuerKey(token)).isTrue();
  }

  @Test
  void everyClaimAndHeader_canBeChanged() throws Exception {
    JWSObject token = JWSObject.parse(issuer.token().clientId("billing").audiences("a", "b").scp("x", "y")
        .roles("r").scopeArray("s1", "s2").type("JWT").kid("other").header("x5t", "abc").jti("id-1")
        .issuedAt(NOW.minusSeconds(60), Duration.ofSeconds(30)).claim("tenant", Map.of("id", 7)).sign());
    assertThat(token.getHeader().getType().getType()).isEqualTo("JWT");
    assertThat(token.getHeader().getKeyID()).isEqualTo("other");
    assertThat(token.getHeader().toJSONObject()).containsEntry("x5t", "abc");
    Map<String, Object> claims = token.getPayload().toJSONObject();
    assertThat(claims).containsEntry("client_id", "billing").containsEntry("aud", List.of("a", "b"))
        .containsEntry("scp", List.of("x", "y")).containsEntry("roles", List.of("r"))
        .containsEntry("scope", List.of("s1", "s2")).containsEntry("jti", "id-1")
        .containsEntry("iat", NOW.minusSeconds(60).getEpochSecond())
        .containsEntry("exp", NOW.minusSeconds(30).getEpochSecond());
    assertThat(issuer.token().claim("scope", null).type(null).kid(null).sign()).satisfies(jwt -> {
      JWSObject parsed = JWSObject.parse(jwt);
      assertThat(parsed.getHeader().getType()).isNull();
      assertThat(parsed.getHeader().getKeyID()).isNull();
      assertThat(parsed.getPayload().toJSONObject()).doesNotContainKey("scope");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
  void everyAsymmetricAlgorithm_signsVerifiably(String algorithm) throws Exception {
    SigningKey key = switch (algorithm.substring(0, 2)) {
      case "ES" -> SigningKey.ec("k", algorithm);
      case "Ed" -> SigningKey.ed25519("k");
      default -> SigningKey.rsa("k", 2048, algorithm);
    };
    try (TestIssuer own = TestIssuer.builder().key(key).start()) {
      JWSObject token = JWSObject.parse(own.token().sign());
      assertThat(token.getHeader().getAlgorithm().getName()).isEqualTo(algorithm);
      if (algorithm.equals("EdDSA")) { // Nimbus's own EdDSA verifier needs Tink; the JDK verifies Ed25519 itself
        java.security.Signature ed = java.security.Signature.getInstance("Ed25519");
        ed.initVerify(key.publicKey());
        ed.update(token.getSigningInput());
        assertThat(ed.verify(token.getSignature().decode())).isTrue();
      } else {
        assertThat(token.verify(new DefaultJWSVerifierFactory().createJWSVerifier(token.getHeader(),
            key.publicKey()))).isTrue();
      }
    }
  }

  @Test
  void expired_isPastItsExpiry_beyondTheLargestSkew() throws Exception {
    Map<String, Object> claims = claims(issuer.token().expired().sign());
    assertThat((Long) claims.get("exp")).isEqualTo(NOW.minus(Duration.ofMinutes(10)).getEpochSecond());
    assertThat((Long) claims.get("iat")).isLessThan((Long) claims.get("exp"));
  }

  @Test
  void notYetValid_startsLaterThanTheLargestSkew() throws Exception {
    Map<String, Object> claims = claims(issuer.token().notYetValid().sign());
    assertThat((Long) claims.get("nbf")).isEqualTo(NOW.plus(Duration.ofMinutes(10)).getEpochSecond());
    assertThat((Long) claims.get("exp")).isGreaterThan((Long) claims.get("nbf"));
  }

  @Test
  void wrongAudienceAndWrongIssuer_changeOnlyThatClaim_andStaySigned() throws Exception {
    JWSObject wrongAudience = JWSObject.parse(issuer.token().wrongAudience().sign());
    assertThat(wrongAudience.getPayload().toJSONObject()).containsEntry("aud", TokenBuilder.WRONG_AUDIENCE);
    assertThat(verifiesWithIssuerKey(wrongAudience)).isTrue();
    JWSObject wrongIssuer = JWSObject.parse(issuer.token().wrongIssuer().sign());
    assertThat(wrongIssuer.getPayload().toJSONObject()).containsEntry("iss", TokenBuilder.WRONG_ISSUER);
    assertThat(verifiesWithIssuerKey(wrongIssuer)).isTrue();
  }

  @Test
  void signedWithForeignKey_hasTheIssuersKid_butNotItsSignature() throws Exception {
    JWSObject token = JWSObject.parse(issuer.token().signedWithForeignKey().sign());
    assertThat(token.getHeader().getKeyID()).isEqualTo("key-1");
    assertThat(verifiesWithIssuerKey(token)).isFalse();
  }

  @Test
  void tamperedPayload_keepsTheOriginalSignature_overAChangedPayload() throws Exception {
    String honest = issuer.token().jti("fixed").sign();
    String tampered = issuer.token().jti("fixed").tamperedPayload().sign();
    String[] h = honest.split("\\.");
    String[] t = tampered.split("\\.");
    assertThat(t[0]).isEqualTo(h[0]);
    assertThat(t[2]).isEqualTo(h[2]);
    assertThat((Long) claims(tampered).get("exp")).isEqualTo((Long) claims(honest).get("exp") + 3600);
    assertThat(verifiesWithIssuerKey(JWSObject.parse(tampered))).isFalse();
  }

  @Test
  void algNone_isUnsecured_withAnEmptySignature() throws Exception {
    String token = issuer.token().algNone().sign();
    assertThat(token).endsWith(".");
    Map<String, Object> header = JSONObjectUtils.parse(new Base64URL(token.split("\\.")[0]).decodeToString());
    assertThat(header).containsEntry("alg", "none").containsEntry("typ", "at+jwt");
    assertThat(claims(token)).containsEntry("iss", issuer.issuer());
  }

  @Test
  void signingKeys_refuseAlgorithmsOfAnotherFamily() {
    assertThatThrownBy(() -> SigningKey.rsa("k", 2048, "ES256")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("algorithm must be one of").hasMessageEndingWith(", was ES256");
    assertThatThrownBy(() -> SigningKey.ec("k", "RS256")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SigningKey.hmac(new byte[8], "HS256")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("secret is too short for HS256");
  }

  @Test
  void lifetime_mustBePositive() {
    assertThatThrownBy(() -> issuer.token().lifetime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lifetime must be positive, was PT0S");
  }

  static Map<String, Object> claims(String token) throws Exception {
    return JSONObjectUtils.parse(new Base64URL(token.split("\\.")[1]).decodeToString());
  }

  private static boolean verifiesWithIssuerKey(JWSObject token) throws Exception {
    return token.verify(new DefaultJWSVerifierFactory().createJWSVerifier(token.getHeader(), issuer.key().publicKey()));
  }
}
