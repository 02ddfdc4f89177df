package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Several trusted issuers, configured as {@code web.xml} init-params would be: each token's {@code iss} selects its
 * issuer's audiences and keys, and an unknown issuer costs no fetch at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiIssuerTest {
  private TestIssuer login;
  private TestIssuer partner;
  private TestIssuer stranger;
  private ApiServer api;
  private TokenValidator validator;

  @BeforeAll
  void startIssuers() {
    login = TestIssuer.start(SigningKey.rsa("login-1"), Clock.systemUTC());
    partner = TestIssuer.start(SigningKey.ec256("partner-1"), Clock.systemUTC());
    stranger = TestIssuer.start(SigningKey.rsa("login-1"), Clock.systemUTC());
  }

  @AfterAll
  void stopIssuers() {
    login.close();
    partner.close();
    stranger.close();
  }

  /** A fresh application per test, so that one test's unknown-kid refresh does not rate-limit the next. */
  @BeforeEach
  void startApi() {
    Map<String, String> initParams = new LinkedHashMap<>();
    // The single-issuer settings and the list combine: the top-level issuer is trusted first.
    initParams.put("issuer", login.issuer());
    initParams.put("audiences", "api");
    initParams.put("issuers[0].issuer", partner.issuer());
    initParams.put("issuers[0].audiences", "partner-gateway, api-v2");
    initParams.put("issuers[0].jwks-uri", partner.server().jwksUri());
    TokenGateConfig config = TokenGateConfig.fromSettings(initParams);
    api = ApiServer.start(config);
    validator = TokenValidator.create(config);
    Poll.until("both issuers' keys loaded",
        () -> validator.health().stream().allMatch(health -> health.keysLoaded() > 0));
    assertThat(api.get("/whoami", login.token().sign()).statusCode()).isEqualTo(200);
    assertThat(api.get("/whoami", partner.token().audience("api-v2").sign()).statusCode()).isEqualTo(200);
    login.server().resetCounts();
    partner.server().resetCounts();
    stranger.server().resetCounts();
  }

  @AfterEach
  void stopApi() {
    validator.close();
    api.close();
  }

  @Test
  void eachIssuer_isCheckedWithItsOwnKeysAndAudiences() throws Exception {
    assertThat(api.get("/whoami", login.token().sign()).statusCode()).isEqualTo(200);
    assertThat(api.get("/whoami", partner.token().audience("partner-gateway").sign()).statusCode()).isEqualTo(200);
    assertThat(validator.validate(login.token().sign()).issuer()).isEqualTo(login.issuer());
    assertThat(validator.validate(partner.token().audience("partner-gateway").sign()).issuer())
        .isEqualTo(partner.issuer());
    assertThat(login.server().jwksRequests() + partner.server().jwksRequests()).isZero();
  }

  @Test
  void audienceOfAnotherIssuer_isRejected() {
    assertRejected(api.get("/whoami", partner.token().audience("api").sign()),
        "The access token is for another audience");
    assertRejected(api.get("/whoami", login.token().audience("partner-gateway").sign()),
        "The access token is for another audience");
  }

  @Test
  void tokenNamingOneIssuer_signedWithAnothersKey_isRejected_withoutAskingTheOther() {
    // Signed with the login issuer's key but claiming to be the partner: the partner's keys decide.
    String forged = login.token().issuer(partner.issuer()).audience("partner-gateway").sign();

    assertRejected(api.get("/whoami", forged), "The access token was signed with an unknown key");
    assertThat(login.server().jwksRequests()).isZero();
    assertThat(partner.server().jwksRequests()).isEqualTo(1);
  }

  @Test
  void unknownIssuer_isRejected_withoutAnyFetch() {
    String foreign = stranger.token().sign();

    assertRejected(api.get("/whoami", foreign), "The access token was issued by an untrusted issuer");
    assertThat(stranger.server().requests("/.well-known/openid-configuration")
        + stranger.server().jwksRequests() + login.server().jwksRequests() + partner.server().jwksRequests())
        .isZero();
  }

  @Test
  void health_listsEveryIssuerInOrder() {
    List<IssuerHealth> health = validator.health();

    assertThat(health).extracting(IssuerHealth::issuer).containsExactly(login.issuer(), partner.issuer());
    assertThat(health).extracting(IssuerHealth::jwksUri).containsExactly(
        java.util.Optional.of(URI.create(login.server().jwksUri())),
        java.util.Optional.of(URI.create(partner.server().jwksUri())));
    assertThat(health).allSatisfy(entry -> {
      assertThat(entry.keysLoaded()).isEqualTo(1);
      assertThat(entry.lastError()).isEmpty();
      assertThat(entry.stale()).isFalse();
    });
  }

  @Test
  void oneIssuerDown_doesNotAffectTheOther() {
    partner.server().stop();
    try {
      HttpResponse<String> unknownPartnerKid = api.get("/whoami",
          partner.tokenSignedWith(SigningKey.ec256("partner-2")).audience("api-v2").sign());
      assertThat(unknownPartnerKid.statusCode()).isEqualTo(503);
      assertThat(api.get("/whoami", login.token().sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/whoami", partner.token().audience("api-v2").sign()).statusCode()).isEqualTo(200);
    } finally {
      partner.server().restart();
    }
  }

  private static void assertRejected(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
  }
}
