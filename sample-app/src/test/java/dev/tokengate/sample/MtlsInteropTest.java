package dev.tokengate.sample;

import dev.tokengate.testing.TestCertificates;
import static dev.tokengate.testing.TestCertificates.CLIENT_A;
import static dev.tokengate.testing.TestCertificates.CLIENT_B;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.sample.api.ApiApplication;
import dev.tokengate.sample.issuer.IssuerApplication;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Interop with a real authorization server issuing certificate-bound tokens (RFC 8705): Spring Authorization Server
 * on TLS authenticates the client by its self-signed certificate ({@code self_signed_tls_client_auth}) and binds the client-credentials token
 * to it ({@code x509CertificateBoundAccessTokens}); the sample API, behind tokengate's starter on TLS asking for
 * client certificates, accepts the token only over a connection presenting that certificate.
 */
class MtlsInteropTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static TestCertificates certificates;
  private static ConfigurableApplicationContext issuer;
  private static ConfigurableApplicationContext api;
  private static int issuerTlsPort;
  private static int apiTlsPort;
  private static HttpServer clientJwks;

  /** The client's JWK set, with its self-signed certificate as x5c, where the issuer verifies the certificate. */
  private static HttpServer clientJwkSet() {
    try {
      java.security.cert.X509Certificate certificate = certificates.certificate(CLIENT_A);
      String jwks = new JWKSet(new ECKey.Builder(Curve.P_256, (ECPublicKey) certificate.getPublicKey())
          .x509CertChain(List.of(com.nimbusds.jose.util.Base64.encode(certificate.getEncoded()))).build()).toString();
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/jwks", exchange -> {
        byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException | java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void start() {
    certificates = TestCertificates.create();
    clientJwks = clientJwkSet();
    Map<String, Object> issuerProperties = tls("issuer");
    issuerProperties.put("sample.audience", SampleServers.AUDIENCE);
    issuerProperties.put("sample.mtls-client-jwk-set-url",
        "http://127.0.0.1:" + clientJwks.getAddress().getPort() + "/jwks");
    issuer = new SpringApplicationBuilder(IssuerApplication.class, PlainConnector.class)
        .properties(issuerProperties).logStartupInfo(false).run();
    issuerTlsPort = SampleServers.port(issuer);
    int issuerPlainPort = issuer.getBean(PlainConnector.class).port();

    Map<String, Object> apiProperties = tls("api");
    // The token's iss is the URL its request was made to; the API reads the keys over the issuer's plain connector,
    // so that its JWKS client needs no trust store for the test's self-signed server certificate.
    apiProperties.put("tokengate.issuer", "https://127.0.0.1:" + issuerTlsPort);
    apiProperties.put("tokengate.jwks-uri", "http://127.0.0.1:" + issuerPlainPort + "/oauth2/jwks");
    api = new SpringApplicationBuilder(ApiApplication.class).properties(apiProperties).logStartupInfo(false).run();
    apiTlsPort = SampleServers.port(api);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
    if (issuer != null) {
      issuer.close();
    }
    if (clientJwks != null) {
      clientJwks.stop(0);
    }
    certificates.close();
  }

  private static Map<String, Object> tls(String name) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.config.name", name);
    properties.put("server.port", 0);
    properties.put("server.address", "127.0.0.1");
    properties.put("spring.main.banner-mode", "off");
    properties.put("logging.level.root", "WARN");
    properties.put("server.ssl.enabled", true);
    properties.put("server.ssl.key-store", certificates.serverKeyStoreFile().toUri().toString());
    properties.put("server.ssl.key-store-type", "PKCS12");
    properties.put("server.ssl.key-store-password", TestCertificates.PASSWORD);
    properties.put("server.ssl.trust-store", certificates.serverTrustStoreFile().toUri().toString());
    properties.put("server.ssl.trust-store-type", "PKCS12");
    properties.put("server.ssl.trust-store-password", TestCertificates.PASSWORD);
    properties.put("server.ssl.client-auth", "want");
    return properties;
  }

  private static HttpClient client(String alias) {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(certificates.clientContext(alias))
        .build();
  }

  /** A client-credentials token for mtls-service, the client authenticated by {@code alias}'s certificate. */
  private static HttpResponse<String> tokenRequest(String alias) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + issuerTlsPort + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=countries:read&client_id="
            + IssuerApplication.MTLS_CLIENT_ID))
        .timeout(Duration.ofSeconds(10))
        .build();
    return send(client(alias), request);
  }

  private static HttpResponse<String> callApi(String alias, String token) {
    return send(client(alias), HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + apiTlsPort + "/api/countries"))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build());
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String accessToken(String alias) {
    HttpResponse<String> response = tokenRequest(alias);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("access_token").asString();
  }

  @Test
  void issuer_bindsTheToken_toTheClientCertificate() {
    String token = accessToken(CLIENT_A);
    JsonNode claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
        StandardCharsets.UTF_8));
    assertThat(claims.path("client_id").asString()).isEqualTo(IssuerApplication.MTLS_CLIENT_ID);
    assertThat(claims.path("cnf").path("x5t#S256").asString()).isEqualTo(certificates.thumbprint(CLIENT_A));
  }

  @Test
  void issuer_refusesAnotherCertificate_forTheClient() {
    assertThat(tokenRequest(CLIENT_B).statusCode()).isEqualTo(401);
  }

  @Test
  void boundToken_withItsCertificate_reachesTheApi() {
    HttpResponse<String> response = callApi(CLIENT_A, accessToken(CLIENT_A));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void boundToken_withAnotherCertificate_orNone_is401() {
    String token = accessToken(CLIENT_A);
    for (String alias : new String[] {CLIENT_B, null}) {
      HttpResponse<String> response = callApi(alias, token);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate").get(0)).isEqualTo("Bearer realm=\"api\","
          + " error=\"invalid_token\", error_description=\"" + (alias == null
              ? "The access token is certificate-bound and the request has no TLS client certificate"
              : "The access token is bound to another TLS client certificate") + "\"");
      assertThat(response.body()).doesNotContain(token);
    }
  }

  /** A plain HTTP connector beside the TLS one, on another loopback port. */
  @Configuration(proxyBeanMethods = false)
  static class PlainConnector implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    private final Connector connector = new Connector();

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      factory.addAdditionalConnectors(connector);
    }

    int port() {
      return connector.getLocalPort();
    }

    @Bean
    static String plainConnectorMarker() {
      return "plain";
    }
  }
}
