package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.internal.Jose;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fuzzes the {@code Authorization} header as the real filter on a real Jetty receives it, over real HTTP, so the
 * header parser ({@code BearerTokenExtractor}) is exercised exactly as in production.
 *
 * <p>An input is the header value, Latin-1; {@code {TOKEN}} in it becomes a genuine token of the test issuer, so the
 * fuzzer can wrap, cut and splice real tokens. Property: the answer is 400 or 401 with one well-formed {@code
 * WWW-Authenticate} and {@code Cache-Control: no-store}, or 200 for a token the test key really signed; never a 5xx.
 *
 * <p>{@code mvn verify} replays the seeds in {@code BearerHeaderFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class BearerHeaderFuzzTest {
  /** Only the genuine token is registered: fuzzed text may by chance equal a log message's words. */
  @RegisterExtension
  static final LogCapture logs = new LogCapture();

  private static final MutableClock clock = MutableClock.startingNow();
  private static TestIssuer issuer;
  private static ApiServer api;
  private static String genuine;
  private static int apiPort;

  @BeforeAll
  static void start() {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer())
        .jwksUri(URI.create(issuer.server().jwksUri())).audiences("api").allowQueryToken(true).clock(clock).build());
    apiPort = URI.create(api.url("/")).getPort();
    genuine = logs.secret(issuer.token().expiresAt(clock.instant().plus(Duration.ofDays(1))).sign());
  }

  @AfterAll
  static void stop() {
    api.close();
    issuer.close();
  }

  @FuzzTest(maxDuration = "30s")
  void authorizationHeader_alwaysEndsInA4xxChallenge_orAGenuineToken(byte[] input) {
    // The test's own call to the API, and the filter's (rate-limited) refresh from the configured JWKS server; Jazzer's
    // SSRF detector reports any other connection.
    BugDetectors.allowNetworkConnections((host, port) -> TokenValidationFuzzTest.isLoopback(host)
        && (port == apiPort || port == issuer.server().port()));
    String value = new String(input, StandardCharsets.ISO_8859_1).replace("{TOKEN}", genuine);
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(api.url("/whoami"))).header("Authorization", value).GET().build();
    } catch (IllegalArgumentException e) {
      // java.net.http refuses to send this value (CR, LF, NUL...): no server could receive it from this client.
      return;
    }
    HttpResponse<String> response = api.send(request);
    int status = response.statusCode();
    if (status == 200) {
      assertThat(bearerToken(value)).as("accepted header %s", value).satisfies(BearerHeaderFuzzTest::signedByTestKey);
      return;
    }
    assertThat(status).as("status for header %s", value).isIn(400, 401);
    List<String> challenges = response.headers().allValues("WWW-Authenticate");
    assertThat(challenges).as("challenges for header %s", value).hasSize(1);
    assertThat(challenges.get(0)).matches(Rfc6750.CHALLENGE);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    if (value.length() >= 12) {
      assertThat(response.body()).doesNotContain(value.strip());
    }
  }

  private static String bearerToken(String headerValue) {
    String stripped = headerValue.strip();
    assertThat(stripped.toLowerCase(Locale.ROOT)).startsWith("bearer ");
    return stripped.substring("bearer ".length()).strip();
  }

  static void signedByTestKey(String token) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      assertThat(jwt.verify(new RSASSAVerifier(((RSAKey) Jose.publicJwk(issuer.key())).toRSAPublicKey())))
          .as("accepted token verifies under the test key").isTrue();
    } catch (ParseException | JOSEException e) {
      throw new AssertionError("an accepted token does not even parse: " + e, e);
    }
  }
}
