package dev.tokengate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.DpopMode;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two instances of one API (two Jetty servers, each its own filter and its own Redis client) behind one external URL,
 * sharing one real redis-server: a proof accepted by one is refused by the other; with Redis gone, 503.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopFleetTest {
  private static final String EXTERNAL = "https://api.example.com";
  private static final List<String> HANDLED = new CopyOnWriteArrayList<>();
  private static final HttpClient http = HttpClient.newHttpClient();

  private TestIssuer issuer;
  private RedisServer redis;
  private final ECKey clientKey = key();
  private Instance first;
  private Instance second;

  /** One instance of the API: a Jetty with the filter, its own replay store client. */
  private record Instance(Server server, int port, RedisReplayStore store) {
    HttpResponse<String> get(String token, String proof) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/app/files/a"))
          .header("Authorization", "DPoP " + token);
      if (proof != null) {
        request.header("DPoP", proof);
      }
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    void stop() throws Exception {
      server.stop();
      store.close();
    }
  }

  public static class Files extends HttpServlet {
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
    first = instance(redis.uri());
    second = instance(redis.uri());
  }

  @AfterAll
  void stop() throws Exception {
    first.stop();
    second.stop();
    redis.close();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    HANDLED.clear();
  }

  private Instance instance(URI redisUri) throws Exception {
    RedisReplayStore store = RedisReplayStore.builder(redisUri).build();
    TokenGateConfig config = TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .dpopMode(DpopMode.REQUIRED)
        .dpopExternalBaseUrl(URI.create(EXTERNAL))
        .dpopReplayStore(store)
        .build();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    context.addFilter(new FilterHolder(new TokenGateFilter(config)), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(Files.class), "/files/*");
    server.setHandler(context);
    server.start();
    return new Instance(server, connector.getLocalPort(), store);
  }

  private String boundToken() throws JOSEException {
    return issuer.token().claim("cnf", Map.of("jkt", clientKey.computeThumbprint("SHA-256").toString())).sign();
  }

  private String proof(String token) throws Exception {
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString())
        .claim("htm", "GET")
        .claim("htu", EXTERNAL + "/app/files/a")
        .issueTime(new Date())
        .claim("ath", Base64URL.encode(MessageDigest.getInstance("SHA-256")
            .digest(token.getBytes(StandardCharsets.US_ASCII))).toString())
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(new JOSEObjectType("dpop+jwt")).jwk(clientKey.toPublicJWK()).build(), claims);
    jwt.sign(new ECDSASigner(clientKey));
    return jwt.serialize();
  }

  private static ECKey key() {
    try {
      return new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void proofAcceptedByOneInstance_isRefusedByTheOther() throws Exception {
    String token = boundToken();
    String proof = proof(token);
    assertThat(first.get(token, proof).statusCode()).isEqualTo(200);
    HttpResponse<String> replay = second.get(token, proof);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(replay.headers().firstValue("WWW-Authenticate")).hasValue("DPoP realm=\"api\","
        + " error=\"invalid_dpop_proof\", error_description=\"The DPoP proof was used before\","
        + " algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"");
    assertThat(HANDLED).hasSize(1);
    assertThat(second.get(token, proof(token)).statusCode()).as("a fresh proof").isEqualTo(200);
    assertThat(first.get(token, proof).statusCode()).as("and the first instance refuses its own again").isEqualTo(401);
    assertThat(HANDLED).hasSize(2);
  }

  @Test
  void redisDown_is503WithRetryAfter_andNothingRuns_untilItIsBack() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      Instance instance = instance(own.uri());
      try {
        String token = boundToken();
        assertThat(instance.get(token, proof(token)).statusCode()).isEqualTo(200);
        own.stop();
        HttpResponse<String> down = instance.get(token, proof(token));
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(down.headers().allValues("WWW-Authenticate")).isEmpty();
        assertThat(down.body()).contains("replay store is unavailable");
        assertThat(HANDLED).hasSize(1);
        own.startProcess();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int status;
        do {
          status = instance.get(token, proof(token)).statusCode();
          assertThat(status).isIn(200, 503);
          if (status == 503) {
            Thread.sleep(50); // Lettuce reconnects in the background; only waiting for it, not letting time pass
          }
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).as("accepted again once Redis is back").isEqualTo(200);
      } finally {
        instance.stop();
      }
    }
  }

  @Test
  void redisNeverReachable_is503() throws Exception {
    Instance instance = instance(URI.create("redis://127.0.0.1:" + RedisServer.freePort()));
    try {
      String token = boundToken();
      HttpResponse<String> response = instance.get(token, proof(token));
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(HANDLED).isEmpty();
    } finally {
      instance.stop();
    }
  }
}
