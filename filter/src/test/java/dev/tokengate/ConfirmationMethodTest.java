package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestCertificates;
import dev.tokengate.support.TlsApiServer;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A token bound to its client in a way this API does not check must not pass as a bearer token: whoever stole it
 * could use it. On a real Jetty with a filter whose issuer has DPoP off (the default), sent as Bearer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfirmationMethodTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS =
      Map.of("/files/*", CountingServlets.Files.class);
  private static final String UNCHECKED_METHOD = "The access token is bound to its client by a confirmation method"
      + " this API does not check (tokengate checks cnf.jkt and cnf.x5t#S256 only)";
  private static final String DPOP_OFF = "The access token is DPoP-bound (cnf.jkt) and this API does not accept DPoP"
      + " from its issuer: set dpop-mode to allowed or required for it";

  private TestIssuer issuer;
  private TestCertificates certificates;
  private TokenValidator validator;
  private TlsApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    certificates = TestCertificates.create();
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build());
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
    api = TlsApiServer.start(new TokenGateFilter(validator), SERVLETS, certificates);
  }

  @AfterAll
  void stop() {
    api.close();
    validator.close();
    certificates.close();
    issuer.close();
  }

  @BeforeEach
  void clearHandled() {
    CountingServlets.HANDLED.clear();
  }

  @ParameterizedTest
  @ValueSource(strings = {"jwk", "jwe", "kid", "jku", "x5t", "osc", "unknown"})
  void aTokenBoundByAnUncheckedMethod_isRefused_asIsEveryCallAfterIt(String member) {
    String token = issuer.token().scope("files:read").claim("cnf", Map.of(member, "value")).sign();
    MtlsTest.assertRefused(api.plain("/files/a", token), token, UNCHECKED_METHOD);
    // Refused again when sent again: the verdict is not "validated, then cached as unbound".
    MtlsTest.assertRefused(api.plain("/files/a", token), token, UNCHECKED_METHOD);
  }

  @Test
  void aCheckedMethodBesideAnUncheckedOne_isRefusedToo() {
    String token = issuer.token().scope("files:read")
        .claim("cnf", Map.of("x5t#S256", certificates.thumbprint(TestCertificates.CLIENT_A), "jwk", Map.of()))
        .sign();
    MtlsTest.assertRefused(api.tls(TestCertificates.CLIENT_A, "/files/a", token), token, UNCHECKED_METHOD);
  }

  @Test
  void aDpopBoundToken_asBearer_whileDpopIsOff_isRefused() {
    String token = issuer.token().scope("files:read").claim("cnf", Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")).sign();
    MtlsTest.assertRefused(api.plain("/files/a", token), token, DPOP_OFF);
  }

  @Test
  void theValidator_refusesThemToo_soSpringSecuritysDecoderDoes() {
    String token = issuer.token().claim("cnf", Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")).sign();
    assertThatThrownBy(() -> validator.validate(token))
        .isInstanceOfSatisfying(TokenRejectedException.class,
            e -> assertThat(e.description()).isEqualTo(DPOP_OFF));
  }

  @Test
  void anEmptyCnf_andAnUnboundToken_stillPass() {
    String empty = issuer.token().scope("files:read").claim("cnf", Map.of()).sign();
    assertThat(api.plain("/files/a", empty).statusCode()).isEqualTo(200);
    assertThat(api.plain("/files/a", issuer.token().scope("files:read").sign()).statusCode()).isEqualTo(200);
  }
}
