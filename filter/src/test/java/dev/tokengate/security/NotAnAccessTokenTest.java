package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signed by the trusted issuer, for this audience, yet not access tokens: refused under both typ policies when the
 * token names its kind (Keycloak's payload typ, Cognito's token_use, a SET's events claim, another profile's typ).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotAnAccessTokenTest {
  private static final String NOT_ACCESS = "Bearer realm=\"api\", error=\"invalid_token\","
      + " error_description=\"The token is not an access token\"";
  private static final String TYPE_REFUSED = "Bearer realm=\"api\", error=\"invalid_token\","
      + " error_description=\"The access token type is not accepted\"";

  private TestIssuer issuer;
  private ApiServer lenient;
  private ApiServer strict;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    lenient = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build());
    strict = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .typPolicy(TokenTypePolicy.STRICT).build());
  }

  @AfterAll
  void stop() {
    lenient.close();
    strict.close();
    issuer.close();
  }

  private static void assertRefused(HttpResponse<String> response, String challenge) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(challenge);
  }

  @ParameterizedTest(name = "typ claim {0}")
  @ValueSource(strings = {"ID", "Refresh", "Offline", "Logout", "Serialized-ID", "id", "REFRESH", "id_token"})
  void keycloakPayloadTypOfAnotherKind_isRefused(String kind) {
    assertRefused(lenient.get("/whoami", issuer.token().type("JWT").claim("typ", kind).sign()), NOT_ACCESS);
    assertRefused(strict.get("/whoami", issuer.token().type("at+jwt").claim("typ", kind).sign()), NOT_ACCESS);
  }

  @ParameterizedTest(name = "typ claim {0}")
  @ValueSource(strings = {"Bearer", "DPoP"})
  void keycloakAccessTokenTypes_areAccepted(String kind) {
    HttpResponse<String> response = lenient.get("/whoami", issuer.token().type("JWT").claim("typ", kind).sign());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void cognitoIdToken_isRefused_andItsAccessTokenAccepted() {
    assertRefused(lenient.get("/whoami", issuer.token().claim("token_use", "id").sign()), NOT_ACCESS);
    assertRefused(lenient.get("/whoami", issuer.token().claim("token_use", "refresh").sign()), NOT_ACCESS);
    assertThat(lenient.get("/whoami", issuer.token().claim("token_use", "access").sign()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void logoutTokenOrOtherSecurityEventToken_isRefused() {
    Map<String, Object> events = Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of());
    assertRefused(lenient.get("/whoami", issuer.token().type("JWT").claim("events", events).sign()), NOT_ACCESS);
    assertRefused(lenient.get("/whoami", issuer.token().type(null).claim("events", List.of()).sign()), NOT_ACCESS);
  }

  @ParameterizedTest(name = "typ header {0}")
  @CsvSource({"secevent+jwt", "logout+jwt", "dpop+jwt", "id_token+jwt", "application/secevent+jwt", "jwt+id",
      "token-introspection+jwt"})
  void anotherProfilesTypHeader_isRefusedByBothPolicies(String type) {
    assertRefused(lenient.get("/whoami", issuer.token().type(type).sign()), TYPE_REFUSED);
    assertRefused(strict.get("/whoami", issuer.token().type(type).sign()), TYPE_REFUSED);
  }

  @Test
  void forgedTokenOfAnotherKind_isRefusedForItsSignature_notItsKind() {
    String[] parts = issuer.token().claim("token_use", "id").sign().split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + issuer.token().sign().split("\\.")[2];
    assertRefused(lenient.get("/whoami", forged), "Bearer realm=\"api\", error=\"invalid_token\","
        + " error_description=\"The access token signature is invalid\"");
  }
}
