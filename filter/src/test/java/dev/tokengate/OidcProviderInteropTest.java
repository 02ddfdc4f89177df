package dev.tokengate;

import static dev.tokengate.support.OidcProviderProcess.API_CLIENT_ID;
import static dev.tokengate.support.OidcProviderProcess.API_CLIENT_SECRET;
import static dev.tokengate.support.OidcProviderProcess.RESOURCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.OidcProviderProcess;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.testing.MutableClock;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * Opaque tokens from a real authorization server that signs its introspection answers (RFC 9701): panva's
 * oidc-provider, run by Node.js from {@code src/test/node/oidc-provider} (see {@link OidcProviderProcess}), in front
 * of tokengate's filter on a real Jetty. The API is configured as a real one would be: the issuer's URL only (the
 * introspection endpoint and the keys come from its metadata), its resource indicator as the audience, and the
 * client it is registered with at the provider for introspection.
 */
class OidcProviderInteropTest {
  private static OidcProviderProcess provider;
  private final MutableClock clock = MutableClock.startingNow();
  private TokenValidator validator;
  private ApiServer api;

  @BeforeAll
  static void startProvider() {
    provider = OidcProviderProcess.start();
  }

  @AfterAll
  static void stopProvider() {
    provider.close();
    assertThat(provider.isAlive()).isFalse();
  }

  @BeforeEach
  void clearHandled() {
    CountingServlets.HANDLED.clear();
  }

  @AfterEach
  void stopApi() {
    if (api != null) {
      api.close();
      api = null;
    }
    if (validator != null) {
      validator.close();
      validator = null;
    }
  }

  /** The principal as the application sees it. */
  public static final class Caller extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ClientPrincipal caller = (ClientPrincipal) request.getUserPrincipal();
      CountingServlets.HANDLED.add("Caller " + request.getPathInfo());
      response.setContentType("text/plain");
      response.getWriter().print("client=" + caller.clientId() + " issuer=" + caller.issuer() + " scopes="
          + new TreeSet<>(caller.scopes()) + " audiences=" + caller.audiences());
    }
  }

  private void start(OidcProviderProcess issuer, boolean requireSigned,
      UnaryOperator<TokenGateConfig.Builder> settings) {
    TokenGateConfig.Builder builder = TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences(RESOURCE)
        .clock(clock)
        .introspection(Introspection.withClient(API_CLIENT_ID, API_CLIENT_SECRET)
            .withSignedResponseRequired(requireSigned));
    validator = TokenValidator.create(settings.apply(builder).build());
    Map<String, Class<? extends HttpServlet>> servlets = new LinkedHashMap<>();
    servlets.put("/caller/*", Caller.class);
    servlets.put("/orders/*", CountingServlets.Orders.class);
    api = ApiServer.start(validator, servlets);
  }

  private void start(boolean requireSigned) {
    start(provider, requireSigned, UnaryOperator.identity());
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  private static void assertUnavailable(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  private String expectedCaller(String scopes) {
    return "client=" + OidcProviderProcess.CALLER_ID + " issuer=" + provider.issuer() + " scopes=" + scopes
        + " audiences=[" + RESOURCE + "]";
  }

  @Test
  void signedAnswersRequired_opaqueToken_reachesTheHandler_asItsClient_withItsScopes() {
    start(true);
    String token = provider.token("orders:read orders:write");

    HttpResponse<String> response = api.get("/caller/me", token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expectedCaller("[orders:read, orders:write]"));
    assertThat(validator.introspectionHealth()).singleElement().satisfies(health -> {
      // Discovered from the provider's metadata: nothing but the issuer was configured.
      assertThat(health.endpoint()).hasValue(URI.create(provider.issuer() + "/token/introspection"));
      assertThat(health.reachable()).isTrue();
      assertThat(health.calls()).isEqualTo(1);
      assertThat(health.failures()).isZero();
    });
  }

  @Test
  void signedAnswersNotRequired_opaqueToken_reachesTheHandler_asItsClient() {
    start(false);
    String token = provider.token("orders:read");

    HttpResponse<String> response = api.get("/caller/me", token);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expectedCaller("[orders:read]"));
  }

  @Test
  void tokenWithoutTheRequiredScope_is403() {
    start(true);
    String token = provider.token("orders:write");

    HttpResponse<String> response = api.get("/orders/1", token);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"orders:read\"");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void unknownToken_is401_notActive() {
    start(true);
    // The provider's signed answer for it is {"active":false}, addressed to this API's client.
    assertInvalidToken(api.get("/caller/me", "Zm9yZ2VkLW9wYXF1ZS10b2tlbg"), "The access token is not active");
  }

  @Test
  void revokedToken_isRefused_atOnce_whenTheCacheKeepsNothing() {
    start(provider, true, builder -> builder.introspectionCacheMaxTtl(Duration.ZERO));
    String token = provider.token("orders:read");
    assertThat(api.get("/caller/me", token).statusCode()).isEqualTo(200);

    provider.revoke(token);
    CountingServlets.HANDLED.clear();

    assertInvalidToken(api.get("/caller/me", token), "The access token is not active");
  }

  @Test
  void revokedToken_keepsWorkingUntilTheCacheBound_thenIs401() {
    start(provider, true, builder -> builder.introspectionCacheMaxTtl(Duration.ofSeconds(30)));
    String token = provider.token("orders:read");
    assertThat(api.get("/caller/me", token).statusCode()).isEqualTo(200);

    provider.revoke(token);
    clock.advance(Duration.ofSeconds(29));
    assertThat(api.get("/caller/me", token).statusCode()).isEqualTo(200);

    // Past the bound (within the 60 s clock skew, so the provider's fresh answer's iat is still accepted).
    clock.advance(Duration.ofSeconds(2));
    CountingServlets.HANDLED.clear();
    assertInvalidToken(api.get("/caller/me", token), "The access token is not active");
    assertThat(validator.introspectionHealth().get(0).calls()).isEqualTo(2);
  }

  @Test
  void tokenForAnotherResource_is401() {
    start(provider, true, builder -> builder.audiences("https://billing-api.tokengate.test"));
    assertInvalidToken(api.get("/caller/me", provider.token("orders:read")),
        "The access token is for another audience");
  }

  @Test
  void wrongIntrospectionSecret_is503_notLetThrough() {
    start(provider, true, builder -> builder.introspection(
        Introspection.withClient(API_CLIENT_ID, "not-the-secret").withSignedResponseRequired(true)));
    assertUnavailable(api.get("/caller/me", provider.token("orders:read")));
    assertThat(validator.introspectionHealth().get(0).lastError()).hasValueSatisfying(error ->
        assertThat(error).contains("answered HTTP 401"));
  }

  @Test
  void providerThatDoesNotSign_isRefused_whenSignaturesAreRequired_andTrusted_whenNot() {
    try (OidcProviderProcess unsigned = OidcProviderProcess.start("--unsigned")) {
      start(unsigned, true, UnaryOperator.identity());
      String token = unsigned.token("orders:read");

      assertUnavailable(api.get("/caller/me", token));
      assertThat(validator.introspectionHealth().get(0).lastError()).hasValueSatisfying(error ->
          assertThat(error).contains("introspection-require-signed"));

      stopApi();
      start(unsigned, false, UnaryOperator.identity());
      HttpResponse<String> plain = api.get("/caller/me", token);
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.body()).isEqualTo("client=" + OidcProviderProcess.CALLER_ID + " issuer=" + unsigned.issuer()
          + " scopes=[orders:read] audiences=[" + RESOURCE + "]");
    }
  }

  @Test
  void signedAnswer_throughAFaithfulProxy_isAccepted() throws Exception {
    assertThat(throughProxy(false).statusCode()).isEqualTo(200);
  }

  @Test
  void signedAnswer_tamperedOnTheWay_isRefused() throws Exception {
    assertUnavailable(throughProxy(true));
    assertThat(validator.introspectionHealth().get(0).lastError()).hasValueSatisfying(error ->
        assertThat(error).contains("does not verify with the issuer's keys"));
  }

  /**
   * A call whose introspection goes through a proxy on the path to the provider that, when {@code tamper}, rewrites
   * the signed answer's payload (another client id) and keeps its signature.
   */
  private HttpResponse<String> throughProxy(boolean tamper) throws Exception {
    Server proxy = new Server();
    ServerConnector connector = new ServerConnector(proxy);
    connector.setHost("127.0.0.1");
    proxy.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ServletHolder(new TamperingProxy(provider.issuer() + "/token/introspection", tamper)),
        "/*");
    proxy.setHandler(context);
    proxy.start();
    try {
      URI endpoint = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/introspect");
      start(provider, true, builder -> builder.introspection(Introspection.withClient(API_CLIENT_ID, API_CLIENT_SECRET)
          .withEndpoint(endpoint).withSignedResponseRequired(true)));
      return api.get("/caller/me", provider.token("orders:read"));
    } finally {
      proxy.stop();
    }
  }

  /** Forwards an introspection request to the provider; optionally rewrites the signed answer's payload. */
  private static final class TamperingProxy extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient HttpClient client = HttpClient.newHttpClient();
    private final String target;
    private final boolean tamper;

    TamperingProxy(String target, boolean tamper) {
      this.target = target;
      this.tamper = tamper;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      HttpRequest forward = HttpRequest.newBuilder(URI.create(target))
          .header("Content-Type", request.getContentType())
          .header("Accept", request.getHeader("Accept"))
          .header("Authorization", request.getHeader("Authorization"))
          .POST(HttpRequest.BodyPublishers.ofByteArray(request.getInputStream().readAllBytes()))
          .build();
      HttpResponse<String> answer;
      try {
        answer = client.send(forward, HttpResponse.BodyHandlers.ofString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      String body = answer.body();
      String[] parts = body.split("\\.");
      if (tamper && parts.length == 3) {
        String payload = new Base64URL(parts[1]).decodeToString();
        assertThat(payload).contains("\"client_id\":\"orders-service\"");
        String forged = payload.replace("\"client_id\":\"orders-service\"", "\"client_id\":\"admin-service\"");
        body = parts[0] + "." + Base64URL.encode(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      }
      response.setStatus(answer.statusCode());
      response.setContentType(answer.headers().firstValue("Content-Type").orElse("application/json"));
      response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
  }
}
