package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.internal.metadata.ResourceMetadata;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.Poll;
import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9728 protected-resource metadata served by the filter on a real Jetty 12 at the root context, every other path
 * behind one servlet that records what reaches it: the document's members, its exact path for GET and HEAD only, the
 * {@code resource_metadata} parameter in every challenge, and that no spelling of another path is answered with it or
 * reaches a handler through it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceMetadataTest {
  private static final String METADATA = "https://api.example.com/.well-known/oauth-protected-resource";
  private TestIssuer issuer;

  @BeforeAll
  void startIssuer() {
    issuer = TestIssuer.start();
  }

  @AfterAll
  void stopIssuer() {
    issuer.close();
  }

  @BeforeEach
  void clearHandled() {
    CountingServlets.HANDLED.clear();
  }

  /** Jetty at the root context: the filter on /*, every path to the recording servlet. */
  private static final class RootServer implements AutoCloseable {
    final Server server = new Server();
    final int port;

    RootServer(TokenGateFilter filter) {
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/");
      context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(CountingServlets.Files.class), "/*");
      server.setHandler(context);
      try {
        server.start();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      port = connector.getLocalPort();
    }

    RawHttp.Response send(String method, String target, String... headers) {
      return RawHttp.send(port, method, target, headers);
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  private TokenGateConfig.Builder config(String resource) {
    return TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .resourceIdentifier(URI.create(resource))
        .scopeRule("GET /orders/*=orders:read").scopeRule("/admin/*=admin reports:write");
  }

  private RootServer start(TokenGateConfig config) {
    TokenValidator validator = TokenValidator.create(config);
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
    return new RootServer(new TokenGateFilter(validator));
  }

  private static Map<String, Object> json(String body) throws Exception {
    return JSONObjectUtils.parse(body);
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class AtTheRoot {
    private RootServer api;

    @BeforeAll
    void start() {
      api = ResourceMetadataTest.this.start(config("https://api.example.com").dpopMode(DpopMode.ALLOWED)
          .dpopAlgorithms(List.of("ES256", "PS256")).mtlsRequired(true).build());
    }

    @AfterAll
    void stop() throws Exception {
      api.close();
    }

    @Test
    void document_describesWhatTheApiAccepts_withoutAToken() throws Exception {
      RawHttp.Response response = api.send("GET", "/.well-known/oauth-protected-resource");
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("Content-Type").orElseThrow()).startsWith("application/json");
      Map<String, Object> expected = new LinkedHashMap<>();
      expected.put("resource", "https://api.example.com");
      expected.put("authorization_servers", List.of(issuer.issuer()));
      expected.put("bearer_methods_supported", List.of("header"));
      expected.put("dpop_signing_alg_values_supported", List.of("ES256", "PS256"));
      expected.put("dpop_bound_access_tokens_required", false);
      expected.put("tls_client_certificate_bound_access_tokens", true);
      expected.put("scopes_supported", List.of("admin", "orders:read", "reports:write"));
      assertThat(json(response.body())).isEqualTo(expected);
      assertThat(CountingServlets.HANDLED).as("no handler ran").isEmpty();
    }

    @Test
    void head_answersTheHeadersOnly_otherMethodsAre405() {
      RawHttp.Response head = api.send("HEAD", "/.well-known/oauth-protected-resource");
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH")) {
        RawHttp.Response other = api.send(method, "/.well-known/oauth-protected-resource", "Content-Length: 0");
        assertThat(other.status()).as(method).isIn(405, 400);
        assertThat(other.body()).as(method).doesNotContain("authorization_servers");
      }
      assertThat(api.send("POST", "/.well-known/oauth-protected-resource", "Content-Length: 0")
          .header("Allow")).hasValue("GET, HEAD");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void everyChallenge_namesTheMetadata() {
      RawHttp.Response none = api.send("GET", "/files/a");
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.header("WWW-Authenticate").orElseThrow()).isIn(
          "DPoP realm=\"api\", resource_metadata=\"" + METADATA + "\", algs=\"ES256 PS256\"",
          "Bearer realm=\"api\", resource_metadata=\"" + METADATA + "\"");
      RawHttp.Response bad = api.send("GET", "/files/a", "Authorization: Bearer not.a.token");
      assertThat(bad.status()).isEqualTo(401);
      assertThat(bad.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", resource_metadata=\"" + METADATA
          + "\", error=\"invalid_token\", error_description=\"The access token is malformed\"");
      RawHttp.Response unbound = api.send("GET", "/files/a", "Authorization: Bearer " + issuer.token().sign());
      assertThat(unbound.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", resource_metadata=\"" + METADATA
          + "\", error=\"invalid_token\", error_description=\"This API requires certificate-bound access tokens"
          + " (cnf.x5t#S256, RFC 8705)\"");
      RawHttp.Response dpop = api.send("GET", "/files/a", "Authorization: DPoP not.a.token", "DPoP: x");
      assertThat(dpop.header("WWW-Authenticate")).hasValue("DPoP realm=\"api\", resource_metadata=\"" + METADATA
          + "\", error=\"invalid_token\", error_description=\"The access token is malformed\", algs=\"ES256 PS256\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.well-known/oauth-protected-resource/..;/files/a",
        "/.well-known/oauth-protected-resource/../files/a", "/.well-known/oauth-protected-resource/%2e%2e/files/a",
        "/.well-known/oauth-protected-resource%2f..%2ffiles", "/.well-known/oauth-protected-resource;x=1",
        "/.well-known/oauth-protected-resource/", "//.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/extra", "/.WELL-KNOWN/oauth-protected-resource",
        "/.well-known/oauth-protected-resourc%65", "/.well-known/./oauth-protected-resource",
        "/x/../.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource%00",
        "/.well-known//oauth-protected-resource", "/.well-known/oauth-protected-resource/.",
        "/.well-known/oauth-protected-resource\\..\\files"})
    void otherSpellings_getNeitherTheDocument_norAHandler(String target) {
      RawHttp.Response response = api.send("GET", target);
      assertThat(response.status()).as(target).isIn(400, 401, 404);
      assertThat(response.body()).as(target).doesNotContain("authorization_servers");
      assertThat(CountingServlets.HANDLED).as("no handler ran for " + target).isEmpty();
    }

    @Test
    void aQuery_isNoOtherPath() throws Exception {
      RawHttp.Response response = api.send("GET", "/.well-known/oauth-protected-resource?x=1");
      assertThat(response.status()).isEqualTo(200);
      assertThat(json(response.body())).containsEntry("resource", "https://api.example.com");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class WithAPath {
    private RootServer api;

    @BeforeAll
    void start() {
      api = ResourceMetadataTest.this.start(config("https://api.example.com/orders/").allowQueryToken(true).build());
    }

    @AfterAll
    void stop() throws Exception {
      api.close();
    }

    @Test
    void document_isAtTheWellKnownPathFollowedByTheResourcePath() throws Exception {
      RawHttp.Response response = api.send("GET", "/.well-known/oauth-protected-resource/orders");
      assertThat(response.status()).isEqualTo(200);
      Map<String, Object> document = json(response.body());
      assertThat(document).containsEntry("resource", "https://api.example.com/orders/")
          .containsEntry("bearer_methods_supported", List.of("header", "query"))
          .containsEntry("dpop_bound_access_tokens_required", false)
          .containsEntry("tls_client_certificate_bound_access_tokens", false)
          .doesNotContainKey("dpop_signing_alg_values_supported");
      RawHttp.Response root = api.send("GET", "/.well-known/oauth-protected-resource");
      assertThat(root.status()).as("the root's well-known path is another resource's").isEqualTo(401);
      assertThat(root.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", resource_metadata=\""
          + METADATA + "/orders\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }

  @Test
  void aContextPathOutsideTheWellKnownPath_failsStartUp_namingTheSetting() {
    TokenGateConfig config = config("https://api.example.com/app").build();
    assertThatThrownBy(() -> new ResourceMetadata(config, "/app"))
        .hasMessage("Setting 'resource-identifier' (https://api.example.com/app) puts the protected-resource metadata"
            + " at https://api.example.com/.well-known/oauth-protected-resource/app, whose path"
            + " /.well-known/oauth-protected-resource/app lies outside this application's context path /app, so the"
            + " filter cannot serve it: deploy the application at the root context, or serve the metadata from the"
            + " application at the root and remove 'resource-identifier' here");
    // A context path that begins the well-known path is fine: the document is served within the application.
    assertThat(new ResourceMetadata(config("https://api.example.com/app").build(), "/.well-known").url())
        .isEqualTo("https://api.example.com/.well-known/oauth-protected-resource/app");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://api.example.com", "/orders", "https://api.example.com?x=1", "https://api.example.com#f",
      "https://user@api.example.com", "https://api.example.com/a%2Fb", "https://api.example.com/a;b",
      "https://api.example.com/a/../b", "https://api.example.com//a"})
  void badIdentifier_failsNamingTheSetting(String value) {
    Map<String, String> settings = Map.of("issuer", "https://a.example", "audiences", "api",
        "resource-identifier", value);
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'resource-identifier'")
        .hasMessageContaining(value);
  }

  @Test
  void identifier_isReadFromSettings() {
    TokenGateConfig config = TokenGateConfig.fromSettings(Map.of("issuer", "https://a.example", "audiences", "api",
        "resource-identifier", "https://api.example.com/orders"));
    assertThat(config.resourceIdentifier()).hasValue(URI.create("https://api.example.com/orders"));
    assertThat(config.toString()).contains("resource-identifier=https://api.example.com/orders");
  }
}
