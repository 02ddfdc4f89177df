package dev.tokengate.spring.web;

import dev.tokengate.testing.TestCertificates;
import static dev.tokengate.spring.web.MtlsTomcatTest.NO_CERTIFICATE;
import static dev.tokengate.spring.web.MtlsTomcatTest.OTHER_CERTIFICATE;
import static dev.tokengate.spring.web.MtlsTomcatTest.assertAccepted;
import static dev.tokengate.spring.web.MtlsTomcatTest.assertRefused;
import static dev.tokengate.spring.web.MtlsTomcatTest.boundTo;
import static dev.tokengate.spring.web.MtlsTomcatTest.certificates;
import static dev.tokengate.spring.web.MtlsTomcatTest.tls;
import static dev.tokengate.testing.TestCertificates.CLIENT_A;
import static dev.tokengate.testing.TestCertificates.CLIENT_B;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code tokengate.mtls-client-certificate-header} on Spring Boot's embedded Tomcat: behind a TLS-terminating proxy
 * the certificate comes from the header alone, the connection's own (the proxy's) is not used.
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
    "tokengate.mtls-client-certificate-header=X-Client-Cert",
})
class MtlsProxyHeaderTomcatTest {
  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", MtlsTomcatTest.issuer::issuer);
    registry.add("server.ssl.key-store", () -> certificates.serverKeyStoreFile().toUri().toString());
    registry.add("server.ssl.trust-store", () -> certificates.serverTrustStoreFile().toUri().toString());
  }

  @LocalServerPort
  int port;

  @Autowired
  MtlsApi.PlainConnector plainConnector;

  private HttpResponse<String> plain(String token, String... headers) {
    return MtlsTomcatTest.plain(plainConnector.port(), token, headers);
  }

  @BeforeEach
  void clear() {
    MtlsApi.HANDLED.clear();
  }

  @Test
  void validHeader_reachesTheController_inEitherForm() {
    assertAccepted(plain(boundTo(CLIENT_A), "X-Client-Cert", certificates.escapedPem(CLIENT_A)));
    MtlsApi.HANDLED.clear();
    assertAccepted(plain(boundTo(CLIENT_A), "X-Client-Cert", certificates.rfc9440(CLIENT_A)));
  }

  @Test
  void headerOfAnotherCertificate_is401() {
    String token = boundTo(CLIENT_A);
    assertRefused(plain(token, "X-Client-Cert", certificates.escapedPem(CLIENT_B)), token, OTHER_CERTIFICATE);
  }

  @Test
  void malformedHeader_is401() {
    String token = boundTo(CLIENT_A);
    String escaped = certificates.escapedPem(CLIENT_A);
    // A form-decoder's reading ('+' as space); a fresh certificate's base64 has no '+' about one time in twenty, and
    // then a space stands in for a base64 character, as a '+' there would read.
    String plusAsSpace = escaped.contains("%2B") ? escaped.replace("%2B", " ") : escaped.replaceFirst("MII", "MI ");
    for (String value : new String[] {"hello", plusAsSpace,
        certificates.rfc9440(CLIENT_A).substring(1), ":AAAA:"}) {
      assertRefused(plain(token, "X-Client-Cert", value), token, "The forwarded TLS client certificate is malformed");
    }
  }

  @Test
  void connectionCertificate_isNotUsed() {
    String token = boundTo(CLIENT_A);
    assertRefused(tls(port, CLIENT_A, token), token, NO_CERTIFICATE);
  }
}
