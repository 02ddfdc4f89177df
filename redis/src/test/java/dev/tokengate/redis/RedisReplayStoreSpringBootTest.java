package dev.tokengate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Redis replay store configured by Spring Boot properties alone ({@code tokengate.dpop-replay-store=redis},
 * {@code tokengate.redis.*}): two real applications on embedded Tomcat share one real redis-server, so a proof one
 * accepted is refused by the other; the context closes the store; a bad property fails start-up naming it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisReplayStoreSpringBootTest {
  private static final List<String> HANDLED = new CopyOnWriteArrayList<>();
  private static final HttpClient http = HttpClient.newHttpClient();

  private TestIssuer issuer;
  private RedisServer redis;
  private final Proofs client = new Proofs();
  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

  /** The application: one protected endpoint, everything else auto-configured. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(Api.class)
  static class App {}

  @RestController
  static class Api {
    @GetMapping("/files/a")
    String file(ClientPrincipal caller) {
      HANDLED.add(caller.clientId());
      return "caller=" + caller.clientId();
    }
  }

  /** An application that also declares its own store: two stores named, start-up must refuse. */
  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    @Bean
    DpopReplayStore ownStore() {
      return (id, lifetime) -> true;
    }
  }

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    redis = RedisServer.start();
  }

  @AfterAll
  void stop() {
    contexts.forEach(ConfigurableApplicationContext::close);
    redis.close();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    HANDLED.clear();
  }

  private ConfigurableApplicationContext app(List<Class<?>> sources, String... properties) {
    List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
        "--spring.main.banner-mode=off", "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api",
        "--tokengate.dpop-mode=required", "--tokengate.dpop-replay-store=redis"));
    for (String property : properties) {
      arguments.add("--" + property);
    }
    ConfigurableApplicationContext context =
        new SpringApplication(sources.toArray(Class<?>[]::new)).run(arguments.toArray(String[]::new));
    contexts.add(context);
    return context;
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private HttpResponse<String> get(int port, String token, String proof) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/files/a"))
        .header("Authorization", "DPoP " + token).header("DPoP", proof).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void proofAcceptedByOneApplication_isRefusedByTheOther_andTheContextClosesTheStore() throws Exception {
    String redisUri = "tokengate.redis.uri=" + redis.uri();
    // Both answer for one external URL, as behind a load balancer: the proof names it.
    String external = "tokengate.dpop-external-base-url=https://api.example.com";
    ConfigurableApplicationContext one = app(List.of(App.class), redisUri, external, "tokengate.redis.key-prefix=o:");
    ConfigurableApplicationContext two = app(List.of(App.class), redisUri, external, "tokengate.redis.key-prefix=o:");
    String token = client.boundToken(issuer);
    String proof = client.proof("GET", "https://api.example.com/files/a", token);
    assertThat(get(port(one), token, proof).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = get(port(two), token, proof);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.headers().firstValue("WWW-Authenticate")).hasValue("DPoP realm=\"api\","
        + " error=\"invalid_dpop_proof\", error_description=\"The DPoP proof was used before\","
        + " algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"");
    assertThat(HANDLED).hasSize(1);
    assertThat(get(port(two), token, client.proof("GET", "https://api.example.com/files/a", token)).statusCode())
        .as("a fresh proof").isEqualTo(200);

    DpopReplayStore store = one.getBean(TokenGateConfig.class).dpopReplayStore().orElseThrow();
    assertThat(store).isInstanceOf(RedisReplayStore.class);
    DpopReplayStore other = two.getBean(TokenGateConfig.class).dpopReplayStore().orElseThrow();
    // The second application's own client sees the first one's proof (the same Redis, the same prefix).
    assertThat(other).isNotSameAs(store);
    assertThat(other.firstUse("k".repeat(43), Duration.ofSeconds(5))).isTrue();
    assertThat(store.firstUse("k".repeat(43), Duration.ofSeconds(5))).as("shared across applications").isFalse();

    one.close();
    assertThatThrownBy(() -> store.firstUse("z".repeat(43), Duration.ofSeconds(5)))
        .as("closed with the context").isInstanceOf(ReplayStoreUnavailableException.class);
    assertThat(other.firstUse("y".repeat(43), Duration.ofSeconds(5))).as("the other one is not").isTrue();
  }

  @Test
  void redisUnreachable_is503_withTheConfiguredRetryAfter() throws Exception {
    ConfigurableApplicationContext context = app(List.of(App.class),
        "tokengate.redis.uri=redis://127.0.0.1:" + RedisServer.freePort(), "tokengate.redis.retry-after=3s",
        "tokengate.redis.command-timeout=200ms");
    String token = client.boundToken(issuer);
    HttpResponse<String> response =
        get(port(context), token, client.proof("GET", "http://127.0.0.1:" + port(context) + "/files/a", token));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
    assertThat(HANDLED).isEmpty();
  }

  @Test
  void malformedRedisUri_failsStartUp_namingTheProperty() {
    assertThatThrownBy(() -> app(List.of(App.class), "tokengate.redis.uri=localhost:6379"))
        .satisfies(failure -> assertThat(messages(failure)).contains("Property 'tokengate.redis.uri' must be a Redis"
            + " URI such as redis://redis.internal:6379"));
    assertThatThrownBy(() -> app(List.of(App.class)))
        .satisfies(failure -> assertThat(messages(failure)).contains("Property 'tokengate.redis.uri' is required when"
            + " 'tokengate.dpop-replay-store' is redis"));
  }

  @Test
  void storeProperty_andAStoreBean_failStartUp() {
    assertThatThrownBy(() -> app(List.of(App.class, OwnStore.class), "tokengate.redis.uri=" + redis.uri()))
        .satisfies(failure -> assertThat(messages(failure)).contains("Property 'tokengate.dpop-replay-store' is redis"
            + " but a DpopReplayStore is set too (with the Spring Boot starter: a DpopReplayStore bean): keep one"));
  }

  private static String messages(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      all.append(cause.getMessage()).append('\n');
    }
    return all.toString();
  }
}
