package dev.tokengate;

import static dev.tokengate.testing.TestCertificates.CLIENT_A;
import static dev.tokengate.testing.TestCertificates.CLIENT_B;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestCertificates;
import dev.tokengate.support.TlsApiServer;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Certificate-bound tokens (RFC 8705 §3) through the filter on a real Jetty 12 with real TLS: client certificates made
 * by keytool at test time, presented by java.net.http's client. Each refusal asserts status, challenge, body, that
 * the token is not echoed, and that no handler ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MtlsTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS = Map.of("/files/*", CountingServlets.Files.class);
  static final String NO_CERTIFICATE =
      "The access token is certificate-bound and the request has no TLS client certificate";
  static final String OTHER_CERTIFICATE = "The access token is bound to another TLS client certificate";
  static final String MALFORMED_HEADER = "The forwarded TLS client certificate is malformed";

  private TestIssuer issuer;
  private TestCertificates certificates;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    certificates = TestCertificates.create();
  }

  @AfterAll
  void stop() {
    certificates.close();
    issuer.close();
  }

  @BeforeEach
  void clearHandled() {
    CountingServlets.HANDLED.clear();
  }

  private String boundTo(String alias) {
    return issuer.token().scope("files:read").claim("cnf", Map.of("x5t#S256", certificates.thumbprint(alias))).sign();
  }

  private String unbound() {
    return issuer.token().scope("files:read").sign();
  }

  private TlsApiServer server(TokenGateConfig.Builder config) {
    TokenValidator validator = TokenValidator.create(config.build());
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
    return TlsApiServer.start(new TokenGateFilter(validator), SERVLETS, certificates);
  }

  private TokenGateConfig.Builder config() {
    return TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api");
  }

  static void assertAccepted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).startsWith("handler=Files path=/files/a caller=");
    assertThat(CountingServlets.HANDLED).containsExactly("Files /files/a");
  }

  static void assertRefused(HttpResponse<String> response, String token, String description) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"" + description + "\"}");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.body()).doesNotContain(token);
    assertThat(CountingServlets.HANDLED).as("no handler ran").isEmpty();
  }

  /** The certificate of the TLS connection: the servlet attribute jakarta.servlet.request.X509Certificate. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ConnectionCertificate {
    private TlsApiServer api;

    @BeforeAll
    void start() {
      api = server(config());
    }

    @AfterAll
    void stop() {
      api.close();
    }

    @Test
    void boundToken_withItsCertificate_reachesTheHandler() {
      assertAccepted(api.tls(CLIENT_A, "/files/a", boundTo(CLIENT_A)));
    }

    @Test
    void boundToken_withoutClientCertificate_is401() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.tls(null, "/files/a", token), token, NO_CERTIFICATE);
    }

    @Test
    void boundToken_withAnotherTrustedCertificate_is401() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.tls(CLIENT_B, "/files/a", token), token, OTHER_CERTIFICATE);
    }

    @Test
    void boundToken_overPlainHttp_is401() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.plain("/files/a", token), token, NO_CERTIFICATE);
    }

    @Test
    void proxyHeader_isIgnored_whenNoHeaderIsConfigured() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.plain("/files/a", token, "X-Client-Cert", certificates.escapedPem(CLIENT_A),
          "Client-Cert", certificates.rfc9440(CLIENT_A), "ssl-client-cert", certificates.escapedPem(CLIENT_A)),
          token, NO_CERTIFICATE);
    }

    @Test
    void unboundToken_stillWorks_withOrWithoutCertificate() {
      String token = unbound();
      assertAccepted(api.plain("/files/a", token));
      CountingServlets.HANDLED.clear();
      assertAccepted(api.tls(null, "/files/a", token));
      CountingServlets.HANDLED.clear();
      assertAccepted(api.tls(CLIENT_B, "/files/a", token));
    }

    @Test
    void cachedBoundToken_isCheckedOnEveryRequest() {
      String token = boundTo(CLIENT_A);
      assertAccepted(api.tls(CLIENT_A, "/files/a", token));
      CountingServlets.HANDLED.clear();
      // The same token again is a validated-token cache hit: the binding is still held to this request's certificate.
      assertRefused(api.tls(CLIENT_B, "/files/a", token), token, OTHER_CERTIFICATE);
      assertRefused(api.tls(null, "/files/a", token), token, NO_CERTIFICATE);
      assertRefused(api.plain("/files/a", token), token, NO_CERTIFICATE);
      assertAccepted(api.tls(CLIENT_A, "/files/a", token));
    }

    @Test
    void refusedFirst_thenItsCertificate_isAccepted() {
      String token = boundTo(CLIENT_B);
      assertRefused(api.tls(CLIENT_A, "/files/a", token), token, OTHER_CERTIFICATE);
      assertAccepted(api.tls(CLIENT_B, "/files/a", token));
    }

    @Test
    void malformedConfirmation_is401_evenWithACertificate() {
      String notAnObject = issuer.token().claim("cnf", "x5t").sign();
      assertRefused(api.tls(CLIENT_A, "/files/a", notAnObject), notAnObject,
          "The access token's cnf claim is not a JSON object");
      String thumbprint = certificates.thumbprint(CLIENT_A);
      // Wrong type, empty, one character short or long, outside base64url, an array, stray bits in the last character.
      for (Object bad : List.of(42, "", thumbprint.substring(1), thumbprint + "A", "+" + thumbprint.substring(1),
          List.of(thumbprint), thumbprint.substring(0, 42) + "B")) {
        String token = issuer.token().claim("cnf", Map.of("x5t#S256", bad)).sign();
        assertRefused(api.tls(CLIENT_A, "/files/a", token), token,
            "The access token's cnf.x5t#S256 is not a SHA-256 certificate thumbprint");
      }
    }

    @Test
    void otherConfirmationMembers_areRefused_notTakenForUnbound() {
      // cnf.x5t (SHA-1) is not RFC 8705's member and is not checked, so the token cannot pass as an unbound one
      // (ConfirmationMethodTest has the other members).
      String token = issuer.token().scope("files:read").claim("cnf", Map.of("x5t", "abc")).sign();
      assertRefused(api.tls(CLIENT_A, "/files/a", token), token, "The access token is bound to its client by a"
          + " confirmation method this API does not check (tokengate checks cnf.jkt and cnf.x5t#S256 only)");
    }
  }

  /** mtls-required: tokens that are not certificate-bound are refused too. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Required {
    private TlsApiServer api;

    @BeforeAll
    void start() {
      api = server(config().mtlsRequired(true));
    }

    @AfterAll
    void stop() {
      api.close();
    }

    @Test
    void unboundToken_is401_evenWithACertificate() {
      String token = unbound();
      assertRefused(api.tls(CLIENT_A, "/files/a", token), token,
          "This API requires certificate-bound access tokens (cnf.x5t#S256, RFC 8705)");
    }

    @Test
    void boundToken_withItsCertificate_reachesTheHandler() {
      assertAccepted(api.tls(CLIENT_A, "/files/a", boundTo(CLIENT_A)));
    }
  }

  /** mtls-client-certificate-header: a TLS-terminating proxy forwards the certificate. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ProxyHeader {
    private TlsApiServer api;

    @BeforeAll
    void start() {
      api = server(config().mtlsClientCertificateHeader("X-Client-Cert"));
    }

    @AfterAll
    void stop() {
      api.close();
    }

    @Test
    void escapedPem_ofItsCertificate_reachesTheHandler() {
      assertAccepted(api.plain("/files/a", boundTo(CLIENT_A), "X-Client-Cert", certificates.escapedPem(CLIENT_A)));
    }

    @Test
    void rfc9440Form_ofItsCertificate_reachesTheHandler() {
      assertAccepted(api.plain("/files/a", boundTo(CLIENT_A), "X-Client-Cert", certificates.rfc9440(CLIENT_A)));
    }

    @Test
    void escapedPem_withCarriageReturns_andWithoutFinalNewLine_isAccepted() {
      String pem = certificates.pem(CLIENT_A).strip().replace("\n", "\r\n");
      String escaped = java.net.URLEncoder.encode(pem, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
      assertAccepted(api.plain("/files/a", boundTo(CLIENT_A), "X-Client-Cert", escaped));
    }

    @Test
    void anotherCertificate_is401() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.plain("/files/a", token, "X-Client-Cert", certificates.escapedPem(CLIENT_B)), token,
          OTHER_CERTIFICATE);
    }

    @Test
    void noHeader_orAnEmptyOne_is401NoCertificate() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.plain("/files/a", token), token, NO_CERTIFICATE);
      assertRefused(api.plain("/files/a", token, "X-Client-Cert", ""), token, NO_CERTIFICATE);
    }

    @Test
    void connectionCertificate_isNotUsed_whenTheHeaderIsConfigured() {
      // Behind a proxy the connection's certificate is the proxy's own: only the header speaks for the client.
      String token = boundTo(CLIENT_A);
      assertRefused(api.tls(CLIENT_A, "/files/a", token), token, NO_CERTIFICATE);
    }

    @Test
    void headerTwice_is401Malformed() {
      String token = boundTo(CLIENT_A);
      assertRefused(api.plain("/files/a", token, "X-Client-Cert", certificates.escapedPem(CLIENT_A),
          "X-Client-Cert", certificates.escapedPem(CLIENT_A)), token, MALFORMED_HEADER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "plus-as-space", "unescaped-newline-form", "bad-percent", "truncated-der",
        "two-certificates", "trailing-bytes", "rfc9440-unclosed", "rfc9440-url-alphabet", "rfc9440-stray-bits",
        "private-key", "not-a-certificate"})
    void malformedHeader_is401Malformed(String kind) throws Exception {
      String token = boundTo(CLIENT_A);
      String pem = certificates.pem(CLIENT_A);
      String escaped = certificates.escapedPem(CLIENT_A);
      String der = certificates.rfc9440(CLIENT_A);
      String value = switch (kind) {
        case "garbage" -> "hello";
        // A form-decoder's reading of the escaped PEM (the '+' of base64 would become spaces). A fresh certificate's
        // base64 has no '+' about one time in twenty: then a space stands in for its first base64 character after
        // "MII", as a '+' there would read.
        case "plus-as-space" -> escaped.contains("%2B") ? escaped.replace("%2B", " ")
            : escaped.replaceFirst("MII", "MI ");
        case "unescaped-newline-form" -> pem.replace("\n", "\\n");
        case "bad-percent" -> escaped.replace("%0A", "%0G");
        case "truncated-der" -> ":" + der.substring(1, 41) + ":";
        case "two-certificates" -> escaped + certificates.escapedPem(CLIENT_B);
        case "trailing-bytes" -> ":" + java.util.Base64.getEncoder().encodeToString(
            concat(java.util.Base64.getDecoder().decode(der.substring(1, der.length() - 1)), new byte[] {0, 0}))
            + ":";
        case "rfc9440-unclosed" -> der.substring(0, der.length() - 1);
        case "rfc9440-url-alphabet" -> der.replace('+', '-').replace('/', '_').contains("-")
            || der.replace('+', '-').replace('/', '_').contains("_") ? der.replace('+', '-').replace('/', '_')
            : ":" + der.substring(1, 10) + "-" + der.substring(11);
        case "rfc9440-stray-bits" -> strayBits(der);
        case "private-key" -> escaped.replace("CERTIFICATE", "PRIVATE%20KEY");
        case "not-a-certificate" -> ":" + java.util.Base64.getEncoder().encodeToString(new byte[64]) + ":";
        default -> throw new IllegalArgumentException(kind);
      };
      assertRefused(api.plain("/files/a", token, "X-Client-Cert", value), token, MALFORMED_HEADER);
    }

    @Test
    void unboundToken_isNotHeldToTheHeader_evenAMalformedOne() {
      assertAccepted(api.plain("/files/a", unbound(), "X-Client-Cert", "hello"));
    }
  }

  /** A token bound both to a DPoP key (cnf.jkt) and to a certificate (cnf.x5t#S256) must satisfy both. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class BoundTwice {
    private final ECKey dpopKey = DpopProof.ecKey();
    private TlsApiServer api;
    private String token;

    @BeforeAll
    void start() {
      api = server(config().dpopMode(DpopMode.ALLOWED).dpopAlgorithms(List.of("ES256")));
    }

    @AfterAll
    void stop() {
      api.close();
    }

    @BeforeEach
    void token() {
      token = issuer.token().scope("files:read").claim("cnf",
          Map.of("x5t#S256", certificates.thumbprint(CLIENT_A), "jkt", DpopProof.thumbprint(dpopKey))).sign();
    }

    private HttpResponse<String> dpop(String alias) {
      return api.tlsDpop(alias, "/files/a", token, DpopProof.of(dpopKey, "GET", api.tlsUrl("/files/a"), token).sign());
    }

    @Test
    void proofAndCertificate_reachTheHandler() {
      assertAccepted(dpop(CLIENT_A));
    }

    @Test
    void proofWithAnotherCertificate_is401_underTheDpopChallenge() {
      HttpResponse<String> response = dpop(CLIENT_B);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("DPoP realm=\"api\","
          + " error=\"invalid_token\", error_description=\"" + OTHER_CERTIFICATE + "\", algs=\"ES256\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void proofWithoutCertificate_is401() {
      HttpResponse<String> response = dpop(null);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains(NO_CERTIFICATE);
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void certificateWithoutProof_asBearer_is401() {
      HttpResponse<String> response = api.tls(CLIENT_A, "/files/a", token);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate")).contains("Bearer realm=\"api\","
          + " error=\"invalid_token\", error_description=\"The access token is DPoP-bound: send it with the DPoP"
          + " scheme and a DPoP proof\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /** The RFC 9440 form with non-zero unused bits in its last base64 character, when its length leaves any. */
  private static String strayBits(String der) {
    String body = der.substring(1, der.length() - 1);
    int padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
    if (padding == 0) {
      return ":" + body + "====:"; // no unused bits to set: wrong padding instead
    }
    int last = body.length() - padding - 1;
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int value = alphabet.indexOf(body.charAt(last)) | 1;
    return ":" + body.substring(0, last) + alphabet.charAt(value) + body.substring(last + 1) + ":";
  }
}
