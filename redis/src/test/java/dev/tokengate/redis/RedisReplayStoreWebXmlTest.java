package dev.tokengate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Redis replay store configured in {@code web.xml} alone, no code: two webapps on Jetty (each its own filter,
 * which finds tokengate-redis through {@link java.util.ServiceLoader} and makes its own Redis client from the
 * init-params) share one real redis-server, so a proof accepted by one is refused by the other; an unreachable Redis
 * is 503 with the configured {@code Retry-After}; a bad setting fails the webapp's start naming it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisReplayStoreWebXmlTest {
  private static final String EXTERNAL = "https://api.example.com";
  private static final List<String> HANDLED = new CopyOnWriteArrayList<>();
  private static final HttpClient http = HttpClient.newHttpClient();

  private TestIssuer issuer;
  private RedisServer redis;
  private final Proofs client = new Proofs();
  private final List<Server> servers = new ArrayList<>();
  private int first;
  private int second;

  /** The protected servlet: records each call. */
  public static class FilesServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      HANDLED.add(request.getRemoteUser());
      response.getWriter().print("caller=" + request.getRemoteUser());
    }
  }

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    redis = RedisServer.start();
    first = webapp(settings(redis.uri().toString()));
    second = webapp(settings(redis.uri().toString()));
  }

  @AfterAll
  void stop() throws Exception {
    for (Server server : servers) {
      server.stop();
    }
    redis.close();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    HANDLED.clear();
  }

  private Map<String, String> settings(String redisUri) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("issuer", issuer.issuer());
    settings.put("audiences", "api");
    settings.put("dpop-mode", "required");
    settings.put("dpop-external-base-url", EXTERNAL);
    settings.put("dpop-replay-store", "redis");
    settings.put("redis.uri", redisUri);
    settings.put("redis.key-prefix", "orders-api:dpop:");
    return settings;
  }

  /** Deploys a webapp whose web.xml maps the filter with {@code settings} as init-params; returns its port. */
  private int webapp(Map<String, String> settings) throws Exception {
    StringBuilder initParams = new StringBuilder();
    settings.forEach((name, value) -> initParams.append("<init-param><param-name>").append(name)
        .append("</param-name><param-value>").append(value).append("</param-value></init-param>\n"));
    Path webapp = Files.createTempDirectory("webapp");
    Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.writeString(webapp.resolve("WEB-INF/web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter>
            <filter-name>tokengate</filter-name>
            <filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <async-supported>true</async-supported>
            %s
          </filter>
          <filter-mapping>
            <filter-name>tokengate</filter-name>
            <url-pattern>/*</url-pattern>
          </filter-mapping>
          <servlet><servlet-name>files</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>files</servlet-name><url-pattern>/files/*</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(initParams, FilesServlet.class.getName()));
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    WebAppContext context = new WebAppContext();
    context.setContextPath("/app");
    context.setBaseResourceAsPath(webapp);
    // The test class path holds the filter and tokengate-redis; a real webapp carries them in WEB-INF/lib.
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    server.setHandler(context);
    servers.add(server);
    server.start();
    return connector.getLocalPort();
  }

  private HttpResponse<String> get(int port, String token, String proof) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/app/files/a"))
        .header("Authorization", "DPoP " + token).header("DPoP", proof).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String proof(String token) {
    return client.proof("GET", EXTERNAL + "/app/files/a", token);
  }

  @Test
  void proofAcceptedByOneWebapp_isRefusedByTheOther() throws Exception {
    String token = client.boundToken(issuer);
    String proof = proof(token);
    assertThat(get(first, token, proof).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = get(second, token, proof);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.headers().firstValue("WWW-Authenticate")).hasValue("DPoP realm=\"api\","
        + " error=\"invalid_dpop_proof\", error_description=\"The DPoP proof was used before\","
        + " algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"");
    assertThat(HANDLED).hasSize(1);
    assertThat(get(second, token, proof(token)).statusCode()).as("a fresh proof").isEqualTo(200);
    assertThat(HANDLED).hasSize(2);
  }

  @Test
  void redisUnreachable_is503_withTheConfiguredRetryAfter_andNothingRuns() throws Exception {
    Map<String, String> settings = settings("redis://127.0.0.1:" + RedisServer.freePort());
    settings.put("redis.retry-after", "7s");
    settings.put("redis.command-timeout", "200ms");
    int port = webapp(settings);
    String token = client.boundToken(issuer);
    HttpResponse<String> response = get(port, token, proof(token));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
    assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
    assertThat(HANDLED).isEmpty();
  }

  @Test
  void malformedRedisUri_failsTheWebappsStart_namingTheSetting_withoutEchoingIt() {
    Map<String, String> settings = settings("http://user:s3cret@redis.internal:6379");
    assertThatThrownBy(() -> webapp(settings))
        .satisfies(failure -> assertThat(messages(failure))
            .contains("tokengate filter 'tokengate' is misconfigured: Setting 'redis.uri' must be a Redis URI such as"
                + " redis://redis.internal:6379, rediss://user:password@redis.internal:6380/0 or"
                + " redis-socket:///run/redis.sock; the value set is not one")
            .doesNotContain("s3cret"));
  }

  @Test
  void eachBadRedisSetting_failsNamingIt() {
    assertThatThrownBy(() -> read(Map.of("redis.uri", "")))
        .hasMessage("Setting 'redis.uri' is required when 'dpop-replay-store' is redis: set it to the Redis every"
            + " instance shares, e.g. redis://redis.internal:6379");
    assertThatThrownBy(() -> read(Map.of("redis.uri", "redis://")))
        .hasMessageStartingWith("Setting 'redis.uri' must be a Redis URI such as redis://redis.internal:6379");
    assertThatThrownBy(() -> read(Map.of("redis.url", "redis://127.0.0.1")))
        .hasMessage("Unknown setting 'redis.url'; the redis DPoP replay store reads [redis.command-timeout,"
            + " redis.key-prefix, redis.retry-after, redis.uri]");
    assertThatThrownBy(() -> read(Map.of("redis.command-timeout", "20s")))
        .hasMessage("Setting 'redis.command-timeout': commandTimeout must be between 10ms and 10s, was PT20S");
    assertThatThrownBy(() -> read(Map.of("redis.retry-after", "soon")))
        .hasMessage("Setting 'redis.retry-after' must be a duration such as 500ms, 2s or PT2S, was 'soon'");
    assertThatThrownBy(() -> read(Map.of("redis.key-prefix", "x".repeat(101))))
        .hasMessageStartingWith("Setting 'redis.key-prefix': keyPrefix must have 1 to 100 characters");
  }

  @Test
  void storeMadeFromSettings_isClosedWithTheValidator() {
    TokenGateConfig config = read(Map.of());
    assertThat(config.dpopReplayStore()).get().isInstanceOf(RedisReplayStore.class);
    assertThat(config.toString()).contains("dpop-replay-store=redis").doesNotContain(redis.uri().toString());
    TokenValidator validator = TokenValidator.create(config);
    assertThat(config.dpopReplayStore().orElseThrow().firstUse("a".repeat(43), Duration.ofSeconds(5))).isTrue();
    validator.close();
    assertThatThrownBy(() -> config.dpopReplayStore().orElseThrow().firstUse("b".repeat(43), Duration.ofSeconds(5)))
        .isInstanceOf(ReplayStoreUnavailableException.class);
  }

  private TokenGateConfig read(Map<String, String> redisSettings) {
    Map<String, String> settings = settings(redis.uri().toString());
    settings.putAll(redisSettings);
    return TokenGateConfig.fromSettings(settings);
  }

  private static String messages(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      all.append(cause).append('\n');
    }
    return all.toString();
  }
}
