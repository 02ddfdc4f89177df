package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.Introspection;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.testing.TestIssuer;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Introspection's meters, read by a real registry after real calls to a loopback introspection endpoint (the JDK's
 * HTTP server): one call and one cache hit for a token asked about twice, a failed call once the endpoint answers 500,
 * and the latency timer counting both calls.
 */
class IntrospectionMetricsTest {
  @Test
  void callsCacheHitsFailuresAndLatency_areMeasuredPerIssuer() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.createContext("/introspect", exchange -> {
      byte[] body = ("{\"active\":true,\"client_id\":\"orders-service\",\"aud\":\"api\",\"scope\":\"orders:read\","
          + "\"exp\":" + Instant.now().plusSeconds(300).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    endpoint.start();
    URI uri = URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/introspect");
    try (TestIssuer issuer = TestIssuer.start();
        TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
            .issuer(issuer.issuer())
            .audiences("api")
            .introspection(Introspection.withClient("api", "secret").withEndpoint(uri))
            .build())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new IntrospectionMetrics(validator).bindTo(registry);

      ClientPrincipal first = validator.validate("opaque-token-1");
      ClientPrincipal again = validator.validate("opaque-token-1");
      status.set(500);
      assertThatThrownBy(() -> validator.validate("opaque-token-2"))
          .isInstanceOf(KeysUnavailableException.class);

      assertThat(first.clientId()).isEqualTo("orders-service");
      assertThat(again).isEqualTo(first);
      assertThat(count(registry, IntrospectionMetrics.CALLS, issuer.issuer())).isEqualTo(2);
      assertThat(count(registry, IntrospectionMetrics.FAILURES, issuer.issuer())).isEqualTo(1);
      assertThat(count(registry, IntrospectionMetrics.CACHE_HITS, issuer.issuer())).isEqualTo(1);
      assertThat(count(registry, IntrospectionMetrics.REFUSED_BUSY, issuer.issuer())).isZero();
      FunctionTimer latency = registry.get(IntrospectionMetrics.LATENCY).tag("issuer", issuer.issuer()).functionTimer();
      assertThat(latency.count()).isEqualTo(2);
      assertThat(latency.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void withoutIntrospection_noMeterIsRegistered() {
    try (TestIssuer issuer = TestIssuer.start();
        TokenValidator validator =
            TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build())) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new IntrospectionMetrics(validator).bindTo(registry);
      assertThat(registry.getMeters()).isEmpty();
    }
  }

  private static double count(SimpleMeterRegistry registry, String name, String issuer) {
    return registry.get(name).tag("issuer", issuer).functionCounter().count();
  }
}
