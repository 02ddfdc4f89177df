package dev.tokengate.spring.web;

import dev.tokengate.testing.TestCertificates;
import static dev.tokengate.testing.TestCertificates.CLIENT_A;
import static dev.tokengate.testing.TestCertificates.CLIENT_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Certificate-bound tokens (RFC 8705 §3) through the starter on Spring Boot's embedded Tomcat with real TLS: {@code
 * server.ssl.client-auth=want}, client certificates made by keytool at test time, java.net.http's client presenting
 * them. Each refusal asserts status, challenge, body, and that no handler ran.
 */
@SpringBootTest(classes = MtlsApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "server.ssl.enabled=true",
    "server.ssl.key-store-type=PKCS12",
    "server.ssl.key-store-password=" + TestCertificates.PASSWORD,
    "server.ssl.trust-store-type=PKCS12",
    "server.ssl.trust-store-password=" + TestCertificates.PASSWORD,
    "server.ssl.client-auth=want",
    "tokengate.audiences=api",
})
class MtlsTomcatTest {
  static final TestIssuer issuer = MtlsApi.ISSUER;
  static final TestCertificates certificates = MtlsApi.CERTIFICATES;
  static final String NO_CERTIFICATE =
      "The access token is certificate-bound and the request has no TLS client certificate";
  static final String OTHER_CERTIFICATE = "The access token is bound to another TLS client certificate";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
    registry.add("server.ssl.key-store", () -> certificates.serverKeyStoreFile().toUri().toString());
    registry.add("server.ssl.trust-store", () -> certificates.serverTrustStoreFile().toUri().toString());
  }

  @LocalServerPort
  int port;

  @Autowired
  MtlsApi.PlainConnector plainConnector;

  @BeforeEach
  void clear() {
    MtlsApi.HANDLED.clear();
  }

  static String boundTo(String alias) {
    return issuer.token().claim("cnf", Map.of("x5t#S256", certificates.thumbprint(alias))).sign();
  }

  /** GET over TLS presenting {@code alias}'s certificate ({@code null}: none). */
  static HttpResponse<String> tls(int port, String alias, String token, String... headers) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .sslContext(certificates.clientContext(alias)).build();
    return send(client, "https://127.0.0.1:" + port + "/api/files", token, headers);
  }

  /** GET over the plain HTTP connector. */
  static HttpResponse<String> plain(int port, String token, String... headers) {
    return send(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/api/files", token, headers);
  }

  private HttpResponse<String> plain(String token, String... headers) {
    return plain(plainConnector.port(), token, headers);
  }

  private static HttpResponse<String> send(HttpClient client, String url, String token, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void assertAccepted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("files for orders-service");
    assertThat(MtlsApi.HANDLED).containsExactly("/api/files");
  }

  static void assertRefused(HttpResponse<String> response, String token, String description) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"" + description + "\"}");
    assertThat(response.body()).doesNotContain(token);
    assertThat(MtlsApi.HANDLED).as("no handler ran").isEmpty();
  }

  @Test
  void boundToken_withItsCertificate_reachesTheController() {
    assertAccepted(tls(port, CLIENT_A, boundTo(CLIENT_A)));
  }

  @Test
  void boundToken_withoutClientCertificate_is401() {
    String token = boundTo(CLIENT_A);
    assertRefused(tls(port, null, token), token, NO_CERTIFICATE);
  }

  @Test
  void boundToken_withAnotherTrustedCertificate_is401_cachedOrNot() {
    String token = boundTo(CLIENT_A);
    assertRefused(tls(port, CLIENT_B, token), token, OTHER_CERTIFICATE);
    assertAccepted(tls(port, CLIENT_A, token));
    MtlsApi.HANDLED.clear();
    assertRefused(tls(port, CLIENT_B, token), token, OTHER_CERTIFICATE);
  }

  @Test
  void boundToken_overPlainHttp_is401() {
    String token = boundTo(CLIENT_A);
    assertRefused(plain(token), token, NO_CERTIFICATE);
  }

  @Test
  void proxyHeaders_areIgnored_whenNoHeaderIsConfigured() {
    String token = boundTo(CLIENT_A);
    assertRefused(plain(token, "X-Client-Cert", certificates.escapedPem(CLIENT_A), "Client-Cert",
        certificates.rfc9440(CLIENT_A), "ssl_client_cert", certificates.escapedPem(CLIENT_A)), token, NO_CERTIFICATE);
  }

  @Test
  void unboundToken_stillWorks() {
    String token = issuer.token().sign();
    assertAccepted(plain(token));
    MtlsApi.HANDLED.clear();
    assertAccepted(tls(port, null, token));
  }
}
