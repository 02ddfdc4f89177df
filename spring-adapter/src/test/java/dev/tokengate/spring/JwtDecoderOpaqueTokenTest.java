package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tokengate.Introspection;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.spring.security.TokenGateJwtDecoder;
import dev.tokengate.testing.TestIssuer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * tokengate's JwtDecoder hands Spring Security a Jwt, which needs a JWS header: an opaque token is refused before the
 * validator would send it to the introspection endpoint (with introspect-jwts, which the starter requires there), and
 * JWTs are still confirmed by introspection. Against a real loopback introspection endpoint that counts its calls.
 */
class JwtDecoderOpaqueTokenTest {
  private TestIssuer issuer;
  private HttpServer endpoint;
  private final AtomicInteger calls = new AtomicInteger();
  private TokenValidator validator;

  @BeforeEach
  void start() throws Exception {
    issuer = TestIssuer.start();
    endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.createContext("/introspect", exchange -> {
      calls.incrementAndGet();
      byte[] body = ("{\"active\":true,\"client_id\":\"orders-service\",\"aud\":\"api\",\"scope\":\"orders:read\","
          + "\"exp\":" + Instant.now().plusSeconds(300).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    endpoint.start();
    validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .introspection(Introspection.withClient("api", "secret").withEndpoint(
            URI.create("http://127.0.0.1:" + endpoint.getAddress().getPort() + "/introspect")))
        .introspectJwts(true)
        .build());
  }

  @AfterEach
  void stop() {
    validator.close();
    endpoint.stop(0);
    issuer.close();
  }

  @Test
  void opaqueToken_isRefusedAsNotAJwt_withoutAskingTheEndpoint() {
    TokenGateJwtDecoder decoder = new TokenGateJwtDecoder(validator);

    assertThatThrownBy(() -> decoder.decode("2YotnFZFEjr1zCsicMWpAA"))
        .isInstanceOf(BadJwtException.class)
        .hasMessage("The access token is not a JWT; this API accepts opaque tokens in tokengate's servlet filter"
            + " only");
    assertThat(calls).hasValue(0);
  }

  @Test
  void jwt_isStillConfirmedByIntrospection() {
    TokenGateJwtDecoder decoder = new TokenGateJwtDecoder(validator);
    String token = issuer.token().audience("api").scope("orders:read").sign();

    Jwt jwt = decoder.decode(token);

    assertThat(jwt.getTokenValue()).isEqualTo(token);
    assertThat(calls).hasValue(1);
  }
}
