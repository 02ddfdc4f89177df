package dev.tokengate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Both protections of the Spring Boot benchmark endpoint answer as a resource server must before e2e-spring.sh
 * measures them: the fixture's token passes, a tampered or missing token is refused with 401.
 */
class SpringEndToEndServerSmokeTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterAll
  static void releaseFixture() {
    Fixture.release();
  }

  @ParameterizedTest
  @ValueSource(strings = {SpringEndToEndServer.TOKENGATE, SpringEndToEndServer.TOKENGATE_DECODER,
      SpringEndToEndServer.SPRING_SECURITY})
  void validTokenPasses_tamperedOrMissingTokenIsRefused(String mode) throws Exception {
    Fixture fixture = Fixture.get();
    try (ConfigurableApplicationContext context = SpringEndToEndServer.start(mode, fixture.jwksUri()).run()) {
      URI hello = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port")
          + "/hello");

      HttpResponse<String> valid = get(hello, fixture.token("RS256"));
      HttpResponse<String> tampered = get(hello, fixture.tampered("RS256"));
      HttpResponse<String> missing = get(hello, null);

      assertThat(valid.statusCode()).isEqualTo(200);
      assertThat(valid.body()).startsWith("hello ").doesNotContain("world");
      assertThat(tampered.statusCode()).isEqualTo(401);
      assertThat(tampered.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          challenge -> assertThat(challenge).startsWith("Bearer").contains("invalid_token"));
      assertThat(missing.statusCode()).isEqualTo(401);
    }
  }

  private static HttpResponse<String> get(URI uri, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
