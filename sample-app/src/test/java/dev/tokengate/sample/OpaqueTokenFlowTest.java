package dev.tokengate.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.sample.DemoClients.DemoClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Opaque tokens end to end, over real HTTP: the real Spring Authorization Server issues inventory-service a
 * reference token, the tokengate-protected API asks the server's /oauth2/introspect about it (as the client
 * sample-api, endpoint from the server's metadata), enforces its scopes, and refuses it once it is revoked at
 * /oauth2/revoke. The API remembers no active answer here (introspection-cache-max-ttl=0s), so the revocation is seen
 * at once; with the default it would be seen within 60 s.
 */
class OpaqueTokenFlowTest {
  private static SampleServers servers;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startServers() {
    servers = SampleServers.start(new SampleServers.Options(0, 0, Duration.ofMinutes(5), Clock.systemUTC()),
        Map.of("tokengate.introspection-cache-max-ttl", "0s"));
  }

  @AfterAll
  static void stopServers() {
    if (servers != null) {
      servers.close();
    }
  }

  @Test
  void opaqueToken_reachesTheApi_withItsScopes_andIsRefusedOnceRevoked() throws Exception {
    String token = token(DemoClients.INVENTORY_SERVICE);
    assertThat(token).as("an opaque token, not a JWT").doesNotContain(".");

    HttpResponse<String> whoami = call("GET", "/api/whoami", token);
    assertThat(whoami.statusCode()).isEqualTo(200);
    JsonNode caller = JsonMapper.shared().readTree(whoami.body());
    assertThat(caller.path("clientId").asString()).isEqualTo("inventory-service");
    assertThat(caller.path("scopes").toString()).isEqualTo("[\"countries:read\"]");
    assertThat(call("GET", "/api/countries", token).statusCode()).isEqualTo(200);

    HttpResponse<String> order = call("POST", "/api/orders", token);
    assertThat(order.statusCode()).isEqualTo(403);
    assertThat(order.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge ->
        assertThat(challenge).contains("error=\"insufficient_scope\"", "scope=\"orders:write\""));

    HttpResponse<String> revoked = revoke(DemoClients.INVENTORY_SERVICE, token);
    assertThat(revoked.statusCode()).isEqualTo(200);

    HttpResponse<String> after = call("GET", "/api/countries", token);
    assertThat(after.statusCode()).isEqualTo(401);
    assertThat(after.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"invalid_token\", error_description=\"The access token is not active\"");
    assertThat(after.body()).doesNotContain(token);
  }

  @Test
  void unknownOpaqueToken_is401() throws Exception {
    HttpResponse<String> response = call("GET", "/api/countries", "made-up-opaque-token-0123456789");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"invalid_token\", error_description=\"The access token is not active\"");
  }

  @Test
  void jwtClients_keepGettingJwts_checkedLocally() throws Exception {
    String token = token(DemoClients.REPORTING_SERVICE);
    assertThat(token.split("\\.")).hasSize(3);
    assertThat(call("GET", "/api/countries", token).statusCode()).isEqualTo(200);
  }

  private static String token(DemoClient client) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(servers.tokenEndpoint())
            .header("Authorization", basic(client))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope="
                + URLEncoder.encode(client.scopeParameter(), UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JsonMapper.shared().readTree(response.body()).path("access_token").asString();
  }

  private static HttpResponse<String> revoke(DemoClient client, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(servers.issuerUri().resolve("/oauth2/revoke"))
            .header("Authorization", basic(client))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + URLEncoder.encode(token, UTF_8)
                + "&token_type_hint=access_token"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> call(String method, String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(servers.apiUri() + path))
        .header("Authorization", "Bearer " + token);
    if (method.equals("POST")) {
      request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"x\"}"));
    } else {
      request.GET();
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(DemoClient client) {
    return "Basic " + Base64.getEncoder().encodeToString((client.id() + ":" + client.secret()).getBytes(UTF_8));
  }
}
