package dev.tokengate.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Every protection of the Spring Boot benchmark endpoint answers as a resource server must before e2e-spring.sh and
 * e2e-spring-security.sh measure it: the fixture's token passes, a tampered or missing token is refused with 401
 * (the ceiling's do-nothing decoder too: it knows the benchmark's tokens only).
 */
class SpringEndToEndServerSmokeTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterAll
  static void releaseFixture() {
    Fixture.release();
  }

  @ParameterizedTest
  @ValueSource(strings = {SpringEndToEndServer.TOKENGATE, SpringEndToEndServer.TOKENGATE_DECODER,
      SpringEndToEndServer.SPRING_SECURITY, SpringEndToEndServer.CEILING})
  void validTokenPasses_tamperedOrMissingTokenIsRefused(String mode, @TempDir Path dir) throws Exception {
    Fixture fixture = Fixture.get();
    // The ceiling's decoder knows the tokens of these files only.
    Files.writeString(dir.resolve("token.txt"), fixture.token("RS256") + "\n");
    Files.writeString(dir.resolve("tokens-a.txt"), "");
    try (ConfigurableApplicationContext context = SpringEndToEndServer.start(mode, fixture.jwksUri(), dir).run()) {
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
