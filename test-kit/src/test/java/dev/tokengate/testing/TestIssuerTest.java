package dev.tokengate.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The mock issuer over real HTTP: documents, keys, faults and counters, started by JUnit. */
class TestIssuerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @RegisterExtension final TestIssuer issuer = TestIssuer.extension();

  @Test
  void servesOidcDiscoveryAndRfc8414Metadata_namingItselfAndItsJwks() throws Exception {
    for (String path : new String[] {"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}) {
      HttpResponse<String> response = get(issuer.issuer() + path);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/json"));
      Map<String, Object> document = JSONObjectUtils.parse(response.body());
      assertThat(document).containsEntry("issuer", issuer.issuer()).containsEntry("jwks_uri", issuer.jwksUri());
    }
    assertThat(issuer.discoveryRequests()).isEqualTo(1);
    assertThat(issuer.metadataRequests()).isEqualTo(1);
    assertThat(issuer.issuer()).matches("http://127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void jwksPublishesThePublicKeyOnly_andTokensVerifyAgainstIt() throws Exception {
    JWKSet jwks = JWKSet.parse(get(issuer.jwksUri()).body());
    assertThat(jwks.getKeys()).hasSize(1);
    JWK published = jwks.getKeys().get(0);
    assertThat(published.getKeyID()).isEqualTo("key-1");
    assertThat(published.isPrivate()).isFalse();
    assertThat(verifies(issuer.token().sign(), jwks)).isTrue();
    assertThat(issuer.jwksRequests()).isEqualTo(1);
  }

  @Test
  void rotate_keepsTheOldKeyPublished_rotateDroppingOld_doesNot() throws Exception {
    String beforeRotation = issuer.token().sign();
    SigningKey second = issuer.rotate();
    assertThat(second.kid()).isEqualTo("key-2");
    JWKSet both = JWKSet.parse(get(issuer.jwksUri()).body());
    assertThat(both.getKeys()).extracting(JWK::getKeyID).containsExactly("key-1", "key-2");
    assertThat(verifies(beforeRotation, both)).isTrue();
    assertThat(JWSObject.parse(issuer.token().sign()).getHeader().getKeyID()).isEqualTo("key-2");

    issuer.rotateDroppingOld();
    JWKSet onlyThird = JWKSet.parse(get(issuer.jwksUri()).body());
    assertThat(onlyThird.getKeys()).extracting(JWK::getKeyID).containsExactly("key-3");
    assertThat(verifies(beforeRotation, onlyThird)).isFalse();
  }

  @Test
  void down_refusesConnections_untilUp_onTheSamePort() throws Exception {
    String jwksUri = issuer.jwksUri();
    issuer.down();
    assertThatThrownBy(() -> get(jwksUri)).isInstanceOf(ConnectException.class);
    issuer.up();
    assertThat(get(jwksUri).statusCode()).isEqualTo(200);
  }

  @Test
  void serveMalformedJwks_answers200WithBrokenJson_untilHeal() throws Exception {
    issuer.serveMalformedJwks();
    HttpResponse<String> broken = get(issuer.jwksUri());
    assertThat(broken.statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> JWKSet.parse(broken.body())).isInstanceOf(java.text.ParseException.class);
    issuer.heal();
    assertThat(JWKSet.parse(get(issuer.jwksUri()).body()).getKeys()).hasSize(1);
    assertThat(issuer.jwksRequests()).isEqualTo(2);
  }

  @Test
  void failJwks_answersTheStatus() throws Exception {
    issuer.failJwks(503);
    assertThat(get(issuer.jwksUri()).statusCode()).isEqualTo(503);
  }

  @Test
  void slowDown_delaysTheJwks_beyondAClientsTimeout() {
    issuer.slowDown(Duration.ofSeconds(30));
    HttpRequest request = HttpRequest.newBuilder(URI.create(issuer.jwksUri())).timeout(Duration.ofMillis(300)).build();
    assertThatThrownBy(() -> HTTP.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.net.http.HttpTimeoutException.class);
  }

  @Test
  void resetCounts_startsFromZero() throws Exception {
    get(issuer.jwksUri());
    issuer.resetCounts();
    assertThat(issuer.jwksRequests()).isZero();
  }

  @Test
  void anIssuerThatIsNotRunning_saysHowToStartIt() {
    TestIssuer notStarted = TestIssuer.extension();
    assertThatThrownBy(notStarted::token).isInstanceOf(IllegalStateException.class)
        .hasMessage("The test issuer is not running: register it with @RegisterExtension, or start it with "
            + "TestIssuer.start()");
  }

  @Test
  void builderDefaults_reachEveryToken() throws Exception {
    try (TestIssuer custom = TestIssuer.builder().audience("orders-api").clientId("billing").scopes("orders:read")
        .tokenLifetime(Duration.ofMinutes(1)).key(SigningKey.ec256("ec-1")).start()) {
      Map<String, Object> claims = JWSObject.parse(custom.token().sign()).getPayload().toJSONObject();
      assertThat(claims).containsEntry("aud", "orders-api").containsEntry("client_id", "billing")
          .containsEntry("scope", "orders:read");
      assertThat((Long) claims.get("exp") - (Long) claims.get("iat")).isEqualTo(60);
      assertThat(JWSObject.parse(custom.token().sign()).getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    }
  }

  static boolean verifies(String token, JWKSet jwks) throws Exception {
    JWSObject jws = JWSObject.parse(token);
    JWK key = jwks.getKeyByKeyId(jws.getHeader().getKeyID());
    if (key == null) {
      return false;
    }
    java.security.Key publicKey = key.toRSAKey().toPublicKey();
    return jws.verify(new DefaultJWSVerifierFactory().createJWSVerifier(jws.getHeader(), publicKey));
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
