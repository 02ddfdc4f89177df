package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.TestServlets;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link BearerResponses}, the public way to answer as the filter does: a servlet on a public path of a real Jetty
 * writes each answer, and a caller sees exactly what the filter in front of the same Jetty answers for the same case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BearerResponsesTest {
  private static final List<String> ANSWER_HEADERS =
      List.of("WWW-Authenticate", "Cache-Control", "Content-Type", "Content-Length", "Retry-After");

  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private ApiServer api;

  /** Writes the answer its path info names, as code outside the filter (an interceptor) would. */
  public static final class Answers extends HttpServlet {
    private static final BearerResponses RESPONSES = BearerResponses.forRealm("orders");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setHeader("X-Before", "written before the answer");
      // Unflushed body bytes: the answer resets the buffer, so none of them reach the caller.
      response.getOutputStream().write("half a page".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      switch (request.getPathInfo()) {
        case "/challenge" -> RESPONSES.challenge(response);
        case "/expired" -> RESPONSES.reject(response,
            new TokenRejectedException(BearerError.INVALID_TOKEN, "The access token expired"));
        case "/scope" -> check(response, ScopeRequirement.all(Set.of("admin")));
        case "/unavailable" -> RESPONSES.unavailable(response, Duration.ofMillis(30_400));
        case "/unavailable-now" -> RESPONSES.unavailable(response, Duration.ZERO);
        case "/hostile" -> RESPONSES.reject(response, new TokenRejectedException(BearerError.INVALID_REQUEST,
            "quote \" backslash \\ newline \r\n end", Set.of("a\"b")));
        default -> response.sendError(404);
      }
    }

    private void check(HttpServletResponse response, ScopeRequirement requirement) throws IOException {
      try {
        requirement.check(principal());
      } catch (TokenRejectedException e) {
        RESPONSES.reject(response, e);
      }
    }

    private static ClientPrincipal principal() {
      return new ClientPrincipal("orders-service", "orders-service", "https://issuer.example", Set.of("api"),
          Set.of("countries:read"), Instant.now().plusSeconds(60), Map.of());
    }
  }

  @BeforeAll
  void start() {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    Map<String, Class<? extends HttpServlet>> servlets = new LinkedHashMap<>();
    servlets.put("/whoami", TestServlets.WhoAmI.class);
    servlets.put("/open/*", TestServlets.WhoAmI.class);
    servlets.put("/answers/*", Answers.class);
    api = ApiServer.start(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .realm("orders")
        .publicPaths("/answers/*")
        .scopeRule("GET /open/admin/*=admin")
        .clock(clock)
        .build(), servlets);
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  @Test
  void challenge_isTheFiltersAnswerToARequestWithoutToken() {
    HttpResponse<String> ours = api.get("/answers/challenge", null);

    assertThat(ours.statusCode()).isEqualTo(401);
    assertThat(ours.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\"");
    assertSameAnswer(ours, api.get("/whoami", null));
  }

  @Test
  void reject_invalidToken_isTheFiltersAnswerToAnExpiredToken() {
    HttpResponse<String> ours = api.get("/answers/expired", null);

    assertThat(ours.statusCode()).isEqualTo(401);
    assertThat(ours.headers().firstValue("WWW-Authenticate")).hasValue(
        "Bearer realm=\"orders\", error=\"invalid_token\", error_description=\"The access token expired\"");
    assertThat(ours.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"The access token expired\"}");
    String expired = issuer.token().expiresAt(clock.instant().minusSeconds(120)).sign();
    assertSameAnswer(ours, api.get("/whoami", expired));
  }

  @Test
  void scopeRequirementCheck_thenReject_isTheFiltersAnswerToAMissingScope() {
    HttpResponse<String> ours = api.get("/answers/scope", null);

    assertThat(ours.statusCode()).isEqualTo(403);
    assertThat(ours.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"admin\"");
    assertSameAnswer(ours, api.get("/open/admin/x", issuer.token().scope("countries:read").sign()));
  }

  @Test
  void unavailable_is503WithRetryAfterInWholeSecondsAndNoChallenge() {
    HttpResponse<String> response = api.get("/answers/unavailable", null);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("X-Before")).hasValue("written before the answer");
    assertThat(response.body()).isEqualTo("{\"error\":\"temporarily_unavailable\",\"error_description\":"
        + "\"The access token could not be checked because the issuer's signing keys are unavailable\"}");
  }

  @Test
  void unavailable_neverAsksForARetryInZeroSeconds() {
    assertThat(api.get("/answers/unavailable-now", null).headers().firstValue("Retry-After")).hasValue("1");
  }

  @Test
  void reject_dropsCharactersThatCouldBreakOutOfTheHeaderOrTheJson() {
    HttpResponse<String> response = api.get("/answers/hostile", null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\","
        + " error=\"invalid_request\", error_description=\"quote  backslash  newline  end\", scope=\"ab\"");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_request\",\"error_description\":\"quote  backslash  newline  end\"}");
  }

  @Test
  void forRealm_refusesARealmThatWouldBreakTheHeader() {
    assertThatThrownBy(() -> BearerResponses.forRealm("or\"ders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realm must be printable ASCII without quotes or backslashes, was 'or\"ders'");
    assertThatThrownBy(() -> BearerResponses.forRealm(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realm must be printable ASCII without quotes or backslashes, was ''");
    assertThatThrownBy(() -> BearerResponses.forRealm(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("realm");
  }

  private static void assertSameAnswer(HttpResponse<String> ours, HttpResponse<String> filters) {
    assertThat(ours.statusCode()).isEqualTo(filters.statusCode());
    for (String header : ANSWER_HEADERS) {
      assertThat(ours.headers().firstValue(header)).as(header).isEqualTo(filters.headers().firstValue(header));
    }
    assertThat(ours.body()).isEqualTo(filters.body());
  }
}
