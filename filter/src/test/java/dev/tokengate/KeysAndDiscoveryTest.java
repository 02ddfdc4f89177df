package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Keys of every supported type, rotation, discovery, and what happens when keys cannot be had. */
class KeysAndDiscoveryTest {
  private final MutableClock clock = MutableClock.startingNow();

  private TokenGateConfig.Builder config(TestIssuer issuer) {
    return TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").clock(clock);
  }

  @Test
  void ecP256Key_verifiesES256Tokens() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.ec256("ec-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void ed25519Key_verifiesEdDSATokens_withoutTink() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.ed25519("ed-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/whoami", issuer.token().algorithm("Ed25519").sign()).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void rsaPssKey_verifiesPS256Tokens() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("ps-1", 2048, "PS256"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void algorithmOutsideTheAllowList_isRefusedEvenWithAMatchingKey() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.ec256("ec-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).algorithms("RS256").build())) {
      HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
          assertThat(value).contains("The access token signing algorithm is not accepted"));
    }
  }

  @Test
  void rsaKeyUnder2048Bits_isNeverUsed() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("small", 1024, "RS256"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      // The JWKS holds no usable key at all, so the keys are unavailable rather than the token bad.
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(503);
    }
  }

  @Test
  void sharedSecret_verifiesHS256Tokens_andNothingElseSignedWithIt() {
    byte[] secret = "an HMAC secret of 32+ bytes, demo".getBytes(StandardCharsets.UTF_8);
    try (TestIssuer issuer = TestIssuer.start();
        ApiServer api = ApiServer.start(
            config(issuer).algorithms("RS256", "HS256").sharedSecret(secret).build())) {
      SigningKey hmac = SigningKey.hmac(secret, "HS256");
      assertThat(api.get("/whoami", issuer.tokenSignedWith(hmac).sign()).statusCode()).isEqualTo(200);
      SigningKey otherSecret = SigningKey.hmac(new byte[32], "HS256");
      assertThat(api.get("/whoami", issuer.tokenSignedWith(otherSecret).sign()).statusCode()).isEqualTo(401);
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void rotatedKey_isPickedUpAfterOneRefresh() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(issuer.server().jwksRequests()).isEqualTo(1);

      issuer.rotate(SigningKey.rsa("key-2"));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);

      assertThat(issuer.server().jwksRequests()).isEqualTo(2);
    }
  }

  @Test
  void removedKey_stopsPassingOnceTheKeysAreRefreshed() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      String oldToken = issuer.token().expiresAt(clock.instant().plus(Duration.ofHours(1))).sign();
      assertThat(api.get("/whoami", oldToken).statusCode()).isEqualTo(200);

      SigningKey next = SigningKey.rsa("key-2");
      issuer.rotate(next);
      issuer.server().publish(next);
      clock.advance(Duration.ofMinutes(6));
      // The background refresher fetches on its next tick; the server counts the request before the new keys are in
      // place, so wait for the outcome itself, boundedly, then check the exact answer.
      Poll.until("the removed key stops passing", () -> api.get("/whoami", oldToken).statusCode() == 401);

      HttpResponse<String> response = api.get("/whoami", oldToken);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
          assertThat(value).contains("The access token was signed with an unknown key"));
    }
  }

  @Test
  void discovery_readsJwksUriFromOpenIdConfiguration() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(issuer.server().requests("/.well-known/openid-configuration")).isEqualTo(1);
    }
  }

  @Test
  void discovery_fallsBackToRfc8414() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock)) {
      issuer.server().fail("/.well-known/openid-configuration", JwksServer.Fault.status(404));
      try (ApiServer api = ApiServer.start(config(issuer).build())) {
          assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
        assertThat(issuer.server().requests("/.well-known/oauth-authorization-server")).isEqualTo(1);
      }
    }
  }

  @Test
  void discoveryDocumentNamingAnotherIssuer_isNotTrusted() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock)) {
      issuer.server().discoveryIssuer("https://evil.example");
      try (ApiServer api = ApiServer.start(config(issuer).build())) {
        HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(issuer.server().jwksRequests()).isZero();
      }
    }
  }

  @Test
  void configuredJwksUri_skipsDiscovery() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).jwksUri(URI.create(issuer.server().jwksUri())).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(issuer.server().requests("/.well-known/openid-configuration")).isZero();
    }
  }

  @Test
  void keyServerDown_is503WithRetryAfter_notA401() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock)) {
      issuer.server().fail("/jwks", JwksServer.Fault.status(500));
      try (ApiServer api = ApiServer.start(config(issuer).build())) {
        HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(response.body()).contains("\"error\":\"temporarily_unavailable\"");
      }
    }
  }

  @Test
  void entraRolesClaim_countsAsScopesWhenConfigured() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).scopeClaims(List.of("scope", "scp", "roles")).build())) {
      String entraShaped = issuer.token().type("JWT").clientId(null).claim("appid", "billing-app")
          .claim("scope", null).claim("roles", List.of("countries:read")).sign();
      HttpResponse<String> response = api.get("/countries/de", entraShaped);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("name=billing-app", "scopes=[countries:read]");
    }
  }

  @Test
  void strictTypPolicy_requiresAtJwt() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).typPolicy(TokenTypePolicy.STRICT).build())) {
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/whoami", issuer.token().type("application/at+jwt").sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/whoami", issuer.token().type("JWT").sign()).statusCode()).isEqualTo(401);
      assertThat(api.get("/whoami", issuer.token().type(null).sign()).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void queryAndFormTokens_whenSwitchedOn() {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        ApiServer api = ApiServer.start(config(issuer).allowQueryToken(true).allowFormToken(true).build())) {
      String token = issuer.token().sign();
      assertThat(api.get("/whoami?access_token=" + token, null).statusCode()).isEqualTo(200);
      assertThat(api.send("POST", "/whoami", "access_token=" + token,
          "Content-Type", "application/x-www-form-urlencoded").statusCode()).isEqualTo(200);

      HttpResponse<String> twice = api.get("/whoami?access_token=" + token, token);
      assertThat(twice.statusCode()).isEqualTo(400);
      assertThat(twice.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
          + " error=\"invalid_request\", error_description=\"The request carries an access token in more than one"
          + " place\"");
    }
  }

  @Test
  void validator_worksWithoutAServletContainer() throws Exception {
    try (TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
        TokenValidator validator = TokenValidator.create(config(issuer).build())) {
      ClientPrincipal principal = validator.validate(issuer.token().sign());
      assertThat(principal.clientId()).isEqualTo("orders-service");
      assertThat(principal.issuer()).isEqualTo(issuer.issuer());
      assertThat(principal.hasScope("orders:write")).isTrue();
      assertThat(principal.claims()).containsEntry("client_id", "orders-service");
      assertThat(principal.expiresAt()).isAfter(clock.instant());

      assertThatThrownBy(() -> validator.validate(issuer.token().audience("other").sign()))
          .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
            assertThat(e.error()).isEqualTo(BearerError.INVALID_TOKEN);
            assertThat(e.description()).isEqualTo("The access token is for another audience");
          });
    }
  }
}
