package dev.tokengate.sample;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.sample.DemoClients.DemoClient;
import dev.tokengate.sample.client.ApiClient;
import dev.tokengate.sample.client.ClientCredentialsTokenSource;
import dev.tokengate.sample.client.TokenRequestException;
import dev.tokengate.testing.MutableClock;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole demo over real HTTP: the Spring Authorization Server and the tokengate-protected API on random loopback
 * ports, and the client service's token source and API client. The client's clock is moved by hand; the issuer's
 * can be skewed, to issue a token the API (on the real clock) rejects.
 */
class SampleFlowTest {
  private static final Duration TOKEN_TTL = Duration.ofSeconds(60);

  private static final SkewedClock issuerClock = new SkewedClock();
  private static SampleServers servers;
  private static HttpClient http;

  private final MutableClock clientClock = MutableClock.startingNow();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startServers() {
    servers = SampleServers.start(new SampleServers.Options(0, 0, TOKEN_TTL, issuerClock));
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stopServers() {
    if (servers != null) {
      servers.close();
    }
  }

  @BeforeEach
  void issuerClockIsRight() {
    issuerClock.skew(Duration.ZERO);
  }

  @Test
  void tokenEndpoint_issuesRs256AtJwt_forTheApiAudience_withTheRequestedScopes() throws Exception {
    HttpResponse<String> response = requestToken(DemoClients.ORDERS_SERVICE);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json(response.body());
    assertThat(body.path("token_type").asString()).isEqualTo("Bearer");
    assertThat(body.path("expires_in").asLong()).isBetween(TOKEN_TTL.toSeconds() - 1, TOKEN_TTL.toSeconds());
    String[] parts = body.path("access_token").asString().split("\\.");
    JsonNode header = json(decode(parts[0]));
    JsonNode claims = json(decode(parts[1]));
    assertThat(header.path("alg").asString()).isEqualTo("RS256");
    assertThat(header.path("typ").asString()).isEqualTo("at+jwt");
    assertThat(header.path("kid").asString()).isNotEmpty();
    assertThat(claims.path("iss").asString()).isEqualTo(servers.issuerUri().toString());
    assertThat(claims.path("aud").asString()).isEqualTo(SampleServers.AUDIENCE);
    assertThat(claims.path("client_id").asString()).isEqualTo("orders-service");
    assertThat(claims.path("scope").asString()).isEqualTo("countries:read orders:write");
    assertThat(claims.path("exp").asLong() - claims.path("iat").asLong()).isEqualTo(TOKEN_TTL.toSeconds());
  }

  @Test
  void issuer_publishesItsMetadataAndPublicKeys() throws Exception {
    JsonNode metadata = json(get(servers.issuerUri().resolve("/.well-known/oauth-authorization-server")).body());
    assertThat(metadata.path("issuer").asString()).isEqualTo(servers.issuerUri().toString());
    assertThat(metadata.path("token_endpoint").asString()).isEqualTo(servers.tokenEndpoint().toString());

    JsonNode jwks = json(get(URI.create(metadata.path("jwks_uri").asString())).body());
    assertThat(jwks.path("keys")).hasSize(1);
    assertThat(jwks.path("keys").get(0).path("kty").asString()).isEqualTo("RSA");
    assertThat(jwks.path("keys").get(0).has("d")).as("private exponent published").isFalse();
  }

  @Test
  void wrongSecret_isRefusedByTheIssuer() {
    ClientCredentialsTokenSource tokens = tokens(
        new DemoClient("orders-service", "not-the-secret", DemoClients.ORDERS_SERVICE.scopes()));

    assertThatThrownBy(tokens::token)
        .isInstanceOf(TokenRequestException.class)
        .hasMessageContaining("token endpoint answered 401 invalid_client");
  }

  @Test
  void ordersService_readsCountries_placesAnOrder_andSeesItsOwnIdentity() {
    ApiClient api = api(tokens(DemoClients.ORDERS_SERVICE));

    HttpResponse<String> countries = api.get("/api/countries");
    assertThat(countries.statusCode()).isEqualTo(200);
    assertThat(json(countries.body()).findValuesAsString("code")).containsExactly("NL", "FR", "JP");

    HttpResponse<String> order = api.postJson("/api/orders", "{\"country\":\"NL\",\"quantity\":2}");
    assertThat(order.statusCode()).isEqualTo(201);
    assertThat(order.headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).startsWith("/api/orders/"));
    assertThat(json(order.body()).path("placedBy").asString()).isEqualTo("orders-service");

    HttpResponse<String> whoami = api.get("/api/whoami");
    assertThat(whoami.statusCode()).isEqualTo(200);
    assertThat(json(whoami.body()).path("clientId").asString()).isEqualTo("orders-service");
    assertThat(json(whoami.body()).path("scopes").valueStream().map(JsonNode::asString))
        .containsExactly("countries:read", "orders:write");
  }

  @Test
  void reportingService_readsCountries_butPlacingAnOrder_is403InsufficientScope() {
    ClientCredentialsTokenSource tokens = tokens(DemoClients.REPORTING_SERVICE);
    ApiClient api = api(tokens);

    assertThat(api.get("/api/countries").statusCode()).isEqualTo(200);
    HttpResponse<String> order = api.postJson("/api/orders", "{\"country\":\"FR\",\"quantity\":1}");

    assertThat(order.statusCode()).isEqualTo(403);
    assertThat(order.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(challenge)
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"orders:write\""));
    assertThat(tokens.fetchCount()).as("a 403 is not retried with a new token").isEqualTo(1);
  }

  @Test
  void tamperedToken_is401InvalidToken() throws Exception {
    String token = json(requestToken(DemoClients.REPORTING_SERVICE).body()).path("access_token").asString();
    String[] parts = token.split("\\.");
    String claims =
        new String(decode(parts[1]), UTF_8).replace("\"countries:read\"", "\"countries:read orders:write\"");
    assertThat(claims).as("the scope claim was rewritten").contains("orders:write");
    String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(UTF_8))
        + "." + parts[2];

    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(servers.apiUri().resolve("/api/orders"))
            .header("Authorization", "Bearer " + tampered)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"country\":\"FR\",\"quantity\":1}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(challenge -> assertThat(challenge).contains("error=\"invalid_token\""));
    assertThat(response.body()).doesNotContain(parts[2]);
  }

  @Test
  void noToken_is401_butHealthIsPublic() throws Exception {
    HttpResponse<String> countries = get(servers.apiUri().resolve("/api/countries"));
    assertThat(countries.statusCode()).isEqualTo(401);
    assertThat(countries.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");

    HttpResponse<String> health = get(servers.apiUri().resolve("/health"));
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health.body()).path("status").asString()).isEqualTo("UP");
  }

  @Test
  void token_isReused_thenRenewedBetween80And90PercentOfItsLifetime_beforeItExpires() {
    ClientCredentialsTokenSource tokens = tokens(DemoClients.ORDERS_SERVICE);
    ApiClient api = api(tokens);
    String first = tokens.token();

    // 76 %, not 79 %: the issuer truncates expires_in to whole seconds, and under load a 60 s token can arrive as
    // expires_in 58 or 59, which moves the earliest renewal point (80 %) down to about 77.3 % of the nominal 60 s.
    clientClock.advance(percentOfLifetime(76));
    assertThat(api.get("/api/countries").statusCode()).isEqualTo(200);
    assertThat(tokens.token()).isEqualTo(first);
    assertThat(tokens.fetchCount()).isEqualTo(1);

    clientClock.advance(percentOfLifetime(91 - 76));
    assertThat(api.get("/api/countries").statusCode()).isEqualTo(200);

    assertThat(tokens.fetchCount()).isEqualTo(2);
    assertThat(tokens.token()).isNotEqualTo(first);
    assertThat(events).anyMatch(event -> event.contains("% of its lifetime"));
    assertThat(events).noneMatch(event -> event.contains("401"));
  }

  @Test
  void concurrentCallers_shareOneTokenRequest() throws Exception {
    ClientCredentialsTokenSource tokens = tokens(DemoClients.ORDERS_SERVICE);
    int callers = 16;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return tokens.token();
        }));
      }
      start.countDown();
      Set<String> distinct = new HashSet<>();
      for (Future<String> result : results) {
        distinct.add(result.get(10, TimeUnit.SECONDS));
      }
      assertThat(distinct).hasSize(1);
      assertThat(tokens.fetchCount()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tokenRejectedAsInvalid_isRenewedOnce_andTheCallRetried() {
    ClientCredentialsTokenSource tokens = tokens(DemoClients.ORDERS_SERVICE);
    ApiClient api = api(tokens);
    // An issuer whose clock runs ten minutes late stamps a token that expired before it was sent; the client,
    // counting from expires_in, trusts it.
    issuerClock.skew(Duration.ofMinutes(-10));
    String stale = tokens.token();
    issuerClock.skew(Duration.ZERO);

    HttpResponse<String> response = api.get("/api/countries");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(tokens.fetchCount()).isEqualTo(2);
    assertThat(tokens.token()).isNotEqualTo(stale);
    assertThat(events).anyMatch(event -> event.contains("answered 401 invalid_token"));
  }

  @Test
  void tokenRejectedAgainAfterRenewal_isNotRetriedTwice() {
    ClientCredentialsTokenSource tokens = tokens(DemoClients.ORDERS_SERVICE);
    ApiClient api = api(tokens);
    issuerClock.skew(Duration.ofMinutes(-10));

    HttpResponse<String> response = api.get("/api/countries");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(challenge -> assertThat(challenge).contains("error=\"invalid_token\""));
    assertThat(tokens.fetchCount()).as("one token, one renewal, no loop").isEqualTo(2);
  }

  private static Duration percentOfLifetime(int percent) {
    return TOKEN_TTL.multipliedBy(percent).dividedBy(100);
  }

  private ClientCredentialsTokenSource tokens(DemoClient client) {
    return new ClientCredentialsTokenSource(http, servers.tokenEndpoint(), client.id(), client.secret(),
        client.scopeParameter(), clientClock, events::add);
  }

  private ApiClient api(ClientCredentialsTokenSource tokens) {
    return new ApiClient(http, servers.apiUri(), tokens, events::add);
  }

  /**
   * Interop: Spring Authorization Server issues a DPoP-bound client-credentials token (a real proof on the token
   * request), and the tokengate-protected API accepts it with the DPoP scheme and a proof, refuses it as Bearer and
   * refuses the proof a second time.
   */
  @Test
  void dpopBoundToken_fromSpringAuthorizationServer_passesWithAProof_andNotAsBearer() throws Exception {
    ECKey clientKey = new ECKeyGenerator(Curve.P_256).generate();
    DemoClient client = DemoClients.REPORTING_SERVICE;
    String basic = Base64.getEncoder().encodeToString((client.id() + ":" + client.secret()).getBytes(UTF_8));
    HttpResponse<String> tokenResponse = http.send(
        HttpRequest.newBuilder(servers.tokenEndpoint())
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("DPoP", proof(clientKey, "POST", servers.tokenEndpoint().toString(), null, null))
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope="
                + URLEncoder.encode(client.scopeParameter(), UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(tokenResponse.statusCode()).as(tokenResponse.body()).isEqualTo(200);
    JsonNode body = json(tokenResponse.body());
    String token = body.path("access_token").asString();
    assertThat(body.path("token_type").asString())
        .as(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), UTF_8)).isEqualTo("DPoP");
    assertThat(json(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), UTF_8))
        .path("cnf").path("jkt").asString()).isEqualTo(clientKey.computeThumbprint("SHA-256").toString());

    URI countries = servers.apiUri().resolve("/api/countries");
    // The sample API requires server-provided nonces (RFC 9449 §9): the first proof is answered with one.
    HttpResponse<String> withoutNonce = http.send(HttpRequest.newBuilder(countries)
        .header("Authorization", "DPoP " + token)
        .header("DPoP", proof(clientKey, "GET", countries.toString(), token, null)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(withoutNonce.statusCode()).isEqualTo(401);
    assertThat(withoutNonce.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge ->
        assertThat(challenge).startsWith("DPoP realm=\"api\", error=\"use_dpop_nonce\""));
    String nonce = withoutNonce.headers().firstValue("DPoP-Nonce").orElseThrow();
    String proof = proof(clientKey, "GET", countries.toString(), token, nonce);
    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(countries)
        .header("Authorization", "DPoP " + token).header("DPoP", proof).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);

    HttpResponse<String> replayed = http.send(HttpRequest.newBuilder(countries)
        .header("Authorization", "DPoP " + token).header("DPoP", proof).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(replayed.statusCode()).isEqualTo(401);
    assertThat(replayed.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(challenge -> assertThat(challenge)
        .startsWith("DPoP realm=\"api\", error=\"invalid_dpop_proof\""));

    HttpResponse<String> asBearer = http.send(HttpRequest.newBuilder(countries)
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(asBearer.statusCode()).isEqualTo(401);
    assertThat(asBearer.headers().allValues("WWW-Authenticate")).first().asString()
        .contains("error=\"invalid_token\"").contains("DPoP-bound");
  }

  /**
   * The demo as {@code java -jar} prints it (README's sample section says what it shows): every exchange, and the
   * DPoP client's token bound to its key, its call passing after the API's nonce, the replayed proof and the token
   * as Bearer refused.
   */
  @Test
  void demo_printsEachExchange_includingTheDpopClient() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.PrintStream out = new java.io.PrintStream(bytes, true, UTF_8)) {
      new dev.tokengate.sample.client.ClientDemo(http, servers.tokenEndpoint(), servers.apiUri(), out)
          .run(DemoClients.ORDERS_SERVICE, DemoClients.REPORTING_SERVICE);
    }
    String printed = bytes.toString(UTF_8);
    assertThat(printed)
        .contains("orders-service: GET /api/countries -> 200")
        .contains("orders-service: POST /api/orders -> 201")
        .contains("reporting-service: POST /api/orders (lacks orders:write) -> 403")
        .contains("anonymous: GET /api/countries without a token -> 401")
        .containsPattern("reporting-service: new token from the issuer \\(.*\\), expires in \\d+ s, scope"
            + " \"countries:read\", token_type DPoP, bound to key [A-Za-z0-9_-]{43}")
        .contains("reporting-service: /api/countries answered 401 use_dpop_nonce, signing a new proof with the API's"
            + " nonce and retrying once")
        .contains("reporting-service: GET /api/countries with a DPoP-bound token and a proof -> 200")
        .contains("reporting-service: GET /api/countries replaying that proof -> 401\n"
            + "      WWW-Authenticate: DPoP realm=\"api\", error=\"invalid_dpop_proof\","
            + " error_description=\"The DPoP proof was used before\"")
        .contains("reporting-service: GET /api/countries with the DPoP-bound token as Bearer -> 401\n"
            + "      WWW-Authenticate: Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access"
            + " token is DPoP-bound: send it with the DPoP scheme and a DPoP proof\"")
        .containsPattern("orders-service: 8 concurrent calls answered \\[200(, 200){7}\\] using 1 token request");
  }

  /** A DPoP proof signed by Nimbus; {@code ath} and {@code nonce} only when given. */
  private static String proof(ECKey key, String method, String uri, String token, String nonce) throws Exception {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString()).claim("htm", method).claim("htu", uri).issueTime(new Date());
    if (nonce != null) {
      claims.claim("nonce", nonce);
    }
    if (token != null) {
      claims.claim("ath", Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(token.getBytes(UTF_8)))
          .toString());
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt"))
        .jwk(key.toPublicJWK()).build(), claims.build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  private static HttpResponse<String> requestToken(DemoClient client) throws Exception {
    String basic = Base64.getEncoder().encodeToString((client.id() + ":" + client.secret()).getBytes(UTF_8));
    return http.send(
        HttpRequest.newBuilder(servers.tokenEndpoint())
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope="
                + URLEncoder.encode(client.scopeParameter(), UTF_8)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] decode(String base64url) {
    return Base64.getUrlDecoder().decode(base64url);
  }

  private static JsonNode json(byte[] bytes) {
    return JsonMapper.shared().readTree(bytes);
  }

  private static JsonNode json(String text) {
    return JsonMapper.shared().readTree(text);
  }
}
