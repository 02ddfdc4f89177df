package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import dev.tokengate.testing.internal.Jose;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fuzzes the whole validation path, {@link TokenValidator#validate(String)}, around a real RSA key served by a real
 * JWKS endpoint.
 *
 * <p>An input without a line break is a token ({@code {TOKEN}}, {@code {HEADER}}, {@code {PAYLOAD}}, {@code {SIG}}
 * become the parts of a genuine token). An input of three lines is header JSON, payload JSON and a signature: the
 * bytes of the third line, or, when it reads {@code {SIGN}}, a real RS256 signature by the test key over the fuzzed
 * header and payload, so that claim checks are reached with any JSON. In payloads {@code {ISS}}, {@code {NOW}} and
 * {@code {EXP}} become the issuer and valid times.
 *
 * <p>Property: {@code validate} returns only for a token the test key signed, and otherwise throws {@link
 * TokenRejectedException} with an RFC 6750 error code and a description in RFC 6750's character set that does not
 * echo the token; never an unchecked exception, never {@link KeysUnavailableException} (the key server is healthy).
 */
class TokenValidationFuzzTest {
  /** Only the genuine token is registered: fuzzed text may by chance equal a log message's words. */
  @RegisterExtension
  static final LogCapture logs = new LogCapture();

  private static final MutableClock clock = MutableClock.startingNow();
  private static TestIssuer issuer;
  private static TokenValidator validator;
  private static String genuine;
  private static RSASSAVerifier testKey;

  @BeforeAll
  static void start() throws JOSEException {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer())
        .jwksUri(URI.create(issuer.server().jwksUri())).audiences("api").clock(clock).build());
    genuine = logs.secret(issuer.token().expiresAt(clock.instant().plus(Duration.ofDays(1))).sign());
    testKey = new RSASSAVerifier(((RSAKey) Jose.publicJwk(issuer.key())).toRSAPublicKey());
  }

  @AfterAll
  static void stop() {
    validator.close();
    issuer.close();
  }

  @FuzzTest(maxDuration = "30s")
  void anyToken_isRejectedWithAnRfc6750Error_unlessTheTestKeySignedIt(byte[] input) {
    // The one connection a token may cause: a (rate-limited) refresh from the configured JWKS server. Jazzer's SSRF
    // detector reports any other, e.g. a fetch of a jku or x5u URL.
    BugDetectors.allowNetworkConnections((host, port) -> isLoopback(host) && port == issuer.server().port());
    String token = token(new String(input, StandardCharsets.ISO_8859_1));
    ClientPrincipal principal;
    try {
      principal = validator.validate(token);
    } catch (TokenRejectedException e) {
      assertThat(e.error()).isIn(BearerError.INVALID_TOKEN, BearerError.INVALID_REQUEST);
      assertThat(e.description()).matches(Rfc6750.DESCRIPTION);
      if (token.length() >= 12) {
        assertThat(e.description()).doesNotContain(token);
      }
      return;
    } catch (KeysUnavailableException e) {
      throw new AssertionError("the key server is healthy, yet keys were unavailable for " + token, e);
    }
    assertThat(principal).isNotNull();
    assertThat(signedByTestKey(token)).as("accepted token %s is signed by the test key", token).isTrue();
  }

  private static String token(String input) {
    String[] parts = genuine.split("\\.");
    String[] lines = input.split("\n", -1);
    if (lines.length != 3) {
      return input.replace("{TOKEN}", genuine).replace("{HEADER}", parts[0]).replace("{PAYLOAD}", parts[1])
          .replace("{SIG}", parts[2]);
    }
    String header = lines[0];
    String payload = lines[1].replace("{ISS}", issuer.issuer())
        .replace("{NOW}", Long.toString(clock.instant().getEpochSecond()))
        .replace("{EXP}", Long.toString(clock.instant().plusSeconds(300).getEpochSecond()));
    if (lines[2].equals("{SIGN}")) {
      return RawJws.signUnparsed(header, payload, Jose.signer(issuer.key()), JWSAlgorithm.RS256);
    }
    return RawJws.b64(header) + "." + RawJws.b64(payload) + "."
        + Base64URL.encode(lines[2].getBytes(StandardCharsets.ISO_8859_1));
  }

  static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost");
  }

  private static boolean signedByTestKey(String token) {
    try {
      return SignedJWT.parse(token).verify(testKey);
    } catch (ParseException | JOSEException | RuntimeException e) {
      return false;
    }
  }
}
