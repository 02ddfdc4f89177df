package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spi.ValidationListener;
import dev.tokengate.support.TestServlets;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The outcome hook: what a {@link ValidationListener} hears for each kind of request, on a real Jetty. */
class ValidationListenerTest {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final ValidationListener recorder = new ValidationListener() {
    @Override
    public void onAccepted(ClientPrincipal principal) {
      heard.add("accepted " + principal.clientId());
    }

    @Override
    public void onRejected(BearerError error, String description) {
      heard.add(error.code() + ": " + description);
    }

    @Override
    public void onTokenMissing() {
      heard.add("missing");
    }

    @Override
    public void onKeysUnavailable() {
      heard.add("keys unavailable");
    }
  };
  private TestIssuer issuer;
  private TokenValidator validator;
  private Server server;
  private String baseUrl;

  @AfterEach
  void stop() throws Exception {
    server.stop();
    validator.close();
    issuer.close();
  }

  @Test
  void everyDecision_isHeardOnce_publicPathsAreNotDecided() throws Exception {
    start(recorder, false);
    get("/countries", issuer.token().clientId("billing").sign());
    get("/countries", null);
    get("/countries", "");
    get("/countries", issuer.token().audience("other").sign());
    get("/countries", issuer.token().scope("orders:write").sign());
    get("/health", null);
    assertThat(heard).containsExactly(
        "accepted billing",
        "missing",
        "invalid_request: The Bearer credentials are empty",
        "invalid_token: The access token is for another audience",
        "insufficient_scope: The access token lacks a scope this request requires");
  }

  @Test
  void keysUnavailable_isHeard() throws Exception {
    start(recorder, true);
    HttpResponse<String> response = get("/countries", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(heard).containsExactly("keys unavailable");
  }

  @Test
  void aRefreshPendingForANewKey_isHeardApartFromAnOutage() throws Exception {
    start(new ValidationListener() {
      @Override
      public void onKeysUnavailable(KeysUnavailableException.Reason reason) {
        heard.add("keys unavailable: " + reason);
      }
    }, false, builder -> builder.jwksRefreshBurst(1));
    assertThat(get("/countries", issuer.token().sign()).statusCode()).isEqualTo(200);
    // The first unknown kid spends the one refresh the burst allows; the next waits for the scheduled one.
    assertThat(get("/countries", issuer.token().kid("new-1").sign()).statusCode()).isEqualTo(401);
    HttpResponse<String> pending = get("/countries", issuer.token().kid("new-2").sign());
    assertThat(pending.statusCode()).isEqualTo(503);
    assertThat(pending.headers().firstValue("Retry-After")).hasValue("30");
    issuer.server().fail("/jwks", JwksServer.Fault.status(500));
    validator.close();
    assertThat(get("/countries", issuer.token().sign()).statusCode()).isEqualTo(503);
    assertThat(heard).containsExactly(
        "keys unavailable: KEY_REFRESH_PENDING",
        "keys unavailable: VALIDATOR_CLOSED");
  }

  @Test
  void aFailingListener_changesNoOutcome() throws Exception {
    start(new ValidationListener() {
      @Override
      public void onAccepted(ClientPrincipal principal) {
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onRejected(BearerError error, String description) {
        throw new IllegalStateException("listener bug");
      }
    }, false);
    assertThat(get("/countries", issuer.token().sign()).statusCode()).isEqualTo(200);
    assertThat(get("/countries", issuer.token().audience("other").sign()).statusCode()).isEqualTo(401);
  }

  /** A listener that throws {@code failure} from every method. */
  private static ValidationListener throwing(Supplier<Throwable> failure) {
    return new ValidationListener() {
      @Override
      public void onAccepted(ClientPrincipal principal) {
        sneakyThrow(failure.get());
      }

      @Override
      public void onRejected(BearerError error, String description) {
        sneakyThrow(failure.get());
      }

      @Override
      public void onTokenMissing() {
        sneakyThrow(failure.get());
      }

      @Override
      public void onKeysUnavailable() {
        sneakyThrow(failure.get());
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
    throw (T) t;
  }

  static Stream<Arguments> listenerFailures() {
    return Stream.of(
        Arguments.of("RuntimeException", (Supplier<Throwable>) () -> new IllegalStateException("listener bug")),
        Arguments.of("checked Exception", (Supplier<Throwable>) () -> new IOException("listener bug")),
        Arguments.of("AssertionError", (Supplier<Throwable>) () -> new AssertionError("listener bug")),
        Arguments.of("LinkageError", (Supplier<Throwable>) () -> new NoClassDefFoundError("io/micrometer/Counter")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("listenerFailures")
  void aListenerThrowingAnythingButAVirtualMachineError_changesNoOutcome(String kind, Supplier<Throwable> failure)
      throws Exception {
    start(throwing(failure), false);
    HttpResponse<String> accepted = get("/countries", issuer.token().scope("countries:read").sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("name=orders-service");
    HttpResponse<String> missing = get("/countries", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    HttpResponse<String> invalid = get("/countries", issuer.token().audience("other").sign());
    assertThat(invalid.statusCode()).isEqualTo(401);
    assertThat(invalid.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("error=\"invalid_token\""));
    HttpResponse<String> lacking = get("/countries", issuer.token().scope("orders:write").sign());
    assertThat(lacking.statusCode()).isEqualTo(403);
    assertThat(lacking.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("error=\"insufficient_scope\""));
    HttpResponse<String> firewalled = get("/countries;x=1", issuer.token().scope("countries:read").sign());
    assertThat(firewalled.statusCode()).isEqualTo(400);
    assertThat(firewalled.body()).contains("The request path contains a path parameter");
    assertThat(get("/health", null).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("listenerFailures")
  void aListenerThrowingWhenKeysAreUnavailable_leavesThe503(String kind, Supplier<Throwable> failure)
      throws Exception {
    start(throwing(failure), true);
    HttpResponse<String> response = get("/countries", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void aVirtualMachineErrorInAListener_isNotSwallowed_butNeverLetsTheRequestThrough() throws Exception {
    start(throwing(() -> new StackOverflowError("listener recursed")), false);
    HttpResponse<String> accepted = get("/countries", issuer.token().scope("countries:read").sign());
    assertThat(accepted.statusCode()).isEqualTo(500);
    assertThat(accepted.body()).doesNotContain("name=orders-service");
    assertThat(get("/countries", null).statusCode()).isEqualTo(500);
  }

  private void start(ValidationListener listener, boolean jwksFails) throws Exception {
    start(listener, jwksFails, builder -> builder);
  }

  private void start(ValidationListener listener, boolean jwksFails,
      java.util.function.UnaryOperator<TokenGateConfig.Builder> settings) throws Exception {
    issuer = TestIssuer.start();
    if (jwksFails) {
      // Before the validator exists: it starts loading the keys as soon as it is created.
      issuer.server().fail("/jwks", JwksServer.Fault.status(500));
    }
    validator = TokenValidator.create(settings.apply(
        TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").publicPaths("/health")).build());
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addFilter(new FilterHolder(new TokenGateFilter(validator, listener)), "/*",
        EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(TestServlets.Countries.class), "/countries");
    context.addServlet(new ServletHolder(TestServlets.Health.class), "/health");
    server.setHandler(context);
    server.start();
    baseUrl = "http://127.0.0.1:" + connector.getLocalPort();
  }

  private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
