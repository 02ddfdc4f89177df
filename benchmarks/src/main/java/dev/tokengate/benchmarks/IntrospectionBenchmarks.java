package dev.tokengate.benchmarks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.Introspection;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.SpringOpaqueTokenIntrospector;

/**
 * Opaque tokens (issue 17): one opaque token checked against the same loopback RFC 7662 endpoint (the JDK's HTTP
 * server) by tokengate with its result cache (a hit), tokengate with the cache off (every call asks the endpoint: the
 * cost of a first-seen token), and Spring Security's {@code SpringOpaqueTokenIntrospector}, which caches nothing.
 * Each setup proves its contender accepts the token, refuses an unknown one, and (for the two that call) really
 * calls the endpoint; the cached one is proven to call no more once warm.
 */
public class IntrospectionBenchmarks {
  static final String TOKEN = "bench-opaque-token-2YotnFZFEjr1zCsicMWpAA";
  static final String CLIENT_ID = "bench-api";
  static final String CLIENT_SECRET = "bench-secret";

  /** The loopback introspection endpoint, shared by every contender in a fork. */
  @State(Scope.Benchmark)
  public static class Endpoint {
    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();
    String issuer;
    URI endpoint;

    @Setup(Level.Trial)
    public void start() throws IOException {
      // Without TCP_NODELAY the JDK's server answers small responses about 40 ms late (Nagle against delayed ACK),
      // which would measure the TCP stack, not the contenders. Read once, when the server classes load.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
      server.setExecutor(Executors.newFixedThreadPool(4));
      issuer = "http://127.0.0.1:" + server.getAddress().getPort();
      endpoint = URI.create(issuer + "/introspect");
      server.createContext("/introspect", this::introspect);
      server.start();
    }

    private void introspect(HttpExchange exchange) throws IOException {
      calls.incrementAndGet();
      String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String token = "";
      for (String pair : form.split("&")) {
        if (pair.startsWith("token=")) {
          token = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        }
      }
      String body = TOKEN.equals(token)
          ? "{\"active\":true,\"client_id\":\"orders-service\",\"scope\":\"orders:read orders:write\","
              + "\"aud\":[\"api\"],\"iss\":\"" + issuer + "\",\"token_type\":\"Bearer\",\"exp\":"
              + Instant.now().plusSeconds(3600).getEpochSecond() + ",\"iat\":" + Instant.now().getEpochSecond() + "}"
          : "{\"active\":false}";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }

    @TearDown(Level.Trial)
    public void stop() {
      server.stop(0);
    }

    TokenValidator validator(boolean cache) {
      // HS256 only: no JWKS to load, the JWT path stays idle; the introspection path is what is measured.
      TokenGateConfig.Builder config = TokenGateConfig.builder()
          .issuer(issuer)
          .audiences("api")
          .algorithms("HS256")
          .sharedSecret("a-benchmark-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8))
          .introspection(Introspection.withClient(CLIENT_ID, CLIENT_SECRET).withEndpoint(endpoint));
      if (!cache) {
        config.introspectionCacheSize(0);
      }
      return TokenValidator.create(config.build());
    }
  }

  /** tokengate with its result cache: after the first call, every check is a cache hit. */
  @State(Scope.Benchmark)
  public static class Cached {
    TokenValidator validator;

    @Setup(Level.Trial)
    public void setUp(Endpoint endpoint) throws Exception {
      validator = endpoint.validator(true);
      ValidationBenchmarks.require(validator.validate(TOKEN).clientId().equals("orders-service"), "not accepted");
      requireRejected(validator, "unknown-opaque-token");
      int before = endpoint.calls.get();
      for (int i = 0; i < 20; i++) {
        validator.validate(TOKEN);
      }
      ValidationBenchmarks.require(endpoint.calls.get() == before, "cache hits called the endpoint");
    }

    @TearDown(Level.Trial)
    public void close() {
      validator.close();
    }
  }

  /** tokengate with the result cache off: every check asks the endpoint, as a first-seen token does. */
  @State(Scope.Benchmark)
  public static class Uncached {
    TokenValidator validator;

    @Setup(Level.Trial)
    public void setUp(Endpoint endpoint) throws Exception {
      validator = endpoint.validator(false);
      int before = endpoint.calls.get();
      ValidationBenchmarks.require(validator.validate(TOKEN).clientId().equals("orders-service"), "not accepted");
      ValidationBenchmarks.require(validator.validate(TOKEN).clientId().equals("orders-service"), "not accepted");
      ValidationBenchmarks.require(endpoint.calls.get() == before + 2, "the cache is not off");
      requireRejected(validator, "unknown-opaque-token");
    }

    @TearDown(Level.Trial)
    public void close() {
      validator.close();
    }
  }

  /** Spring Security's introspector (RestTemplate), which asks the endpoint every time. */
  @State(Scope.Benchmark)
  public static class Spring {
    SpringOpaqueTokenIntrospector introspector;

    @Setup(Level.Trial)
    public void setUp(Endpoint endpoint) {
      introspector = SpringOpaqueTokenIntrospector.withIntrospectionUri(endpoint.endpoint.toString())
          .clientId(CLIENT_ID).clientSecret(CLIENT_SECRET).build();
      int before = endpoint.calls.get();
      ValidationBenchmarks.require("orders-service".equals(introspector.introspect(TOKEN).getAttribute("client_id")),
          "not accepted");
      ValidationBenchmarks.require(endpoint.calls.get() == before + 1, "no call made");
      try {
        introspector.introspect("unknown-opaque-token");
        throw new IllegalStateException("an unknown token was accepted");
      } catch (BadOpaqueTokenException expected) {
        // refused, as it must be
      }
    }
  }

  private static void requireRejected(TokenValidator validator, String token) throws Exception {
    try {
      validator.validate(token);
      throw new IllegalStateException("an unknown token was accepted");
    } catch (TokenRejectedException expected) {
      // refused, as it must be
    }
  }

  @Benchmark
  public ClientPrincipal tokengateIntrospectionCached(Cached state) throws Exception {
    return state.validator.validate(TOKEN);
  }

  @Benchmark
  public ClientPrincipal tokengateIntrospectionFirst(Uncached state) throws Exception {
    return state.validator.validate(TOKEN);
  }

  @Benchmark
  public OAuth2AuthenticatedPrincipal springOpaqueTokenIntrospector(Spring state) {
    return state.introspector.introspect(TOKEN);
  }
}
