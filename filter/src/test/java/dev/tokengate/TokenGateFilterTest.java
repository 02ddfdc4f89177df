package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The filter on a real Jetty, called over real HTTP, with keys from a real JWKS endpoint on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenGateFilterTest {
  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    api = ApiServer.start(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .publicPaths("/health")
        .scopeRule("GET /open/admin/*=admin")
        .clock(clock)
        .build());
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  private static String challenge(String error, String description) {
    return "Bearer realm=\"api\", error=\"" + error + "\", error_description=\"" + description + "\"";
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(challenge("invalid_token", description));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"" + description + "\"}");
  }

  @Nested
  class AcceptedTokens {
    @Test
    void validToken_reachesServlet_withClientPrincipal() {
      HttpResponse<String> response = api.get("/whoami", issuer.token().sign());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body())
          .contains("name=orders-service", "remoteUser=orders-service", "authType=Bearer",
              "scopes=[countries:read, orders:write]", "audiences=[api]", "subject=orders-service",
              "inRole(countries:read)=true", "inRole(admin)=false", "attribute=orders-service")
          .doesNotContain("eyJ");
    }

    @Test
    void lowercaseBearerScheme_isAccepted() {
      HttpResponse<String> response =
          api.send("GET", "/whoami", null, "Authorization", "bearer " + issuer.token().sign());
      assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void keycloakShapedToken_isAccepted() {
      // Keycloak: typ JWT, azp and no client_id, a string aud, an empty scope string.
      String token = issuer.token().type("JWT").clientId(null).claim("azp", "reporting-service")
          .subject("a1b2c3").audience("api").claim("scope", "").sign();
      HttpResponse<String> response = api.get("/whoami", token);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("name=reporting-service", "scopes=[]", "subject=a1b2c3");
    }

    @Test
    void arrayAudienceAndScpArray_areAccepted() {
      String token = issuer.token().audience(List.of("other", "api")).claim("scope", null)
          .claim("scp", List.of("countries:read", "x")).sign();
      HttpResponse<String> response = api.get("/whoami", token);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("scopes=[countries:read, x]", "audiences=[api, other]");
    }

    @Test
    void tokenWithoutTyp_isAcceptedByLenientPolicy() {
      assertThat(api.get("/whoami", issuer.token().type(null).sign()).statusCode()).isEqualTo(200);
    }

    @Test
    void expiryWithinClockSkew_isAccepted() {
      String token = issuer.token().expiresAt(clock.instant().minusSeconds(30)).sign();
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
    }

    @Test
    void publicPath_needsNoToken() {
      HttpResponse<String> response = api.get("/health", null);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("UP principal=null");
    }
  }

  @Nested
  class MissingOrMalformedRequests {
    @Test
    void noToken_is401WithBareChallenge() {
      HttpResponse<String> response = api.get("/whoami", null);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
      assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void basicScheme_is401WithBareChallenge() {
      HttpResponse<String> response = api.send("GET", "/whoami", null, "Authorization", "Basic dXNlcjpwYXNz");
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    }

    @Test
    void emptyBearer_is400InvalidRequest() {
      HttpResponse<String> response = api.send("GET", "/whoami", null, "Authorization", "Bearer ");
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue(challenge("invalid_request", "The Bearer credentials are empty"));
    }

    @Test
    void nonB64TokenCharacters_are400InvalidRequest() {
      HttpResponse<String> response = api.send("GET", "/whoami", null, "Authorization", "Bearer abc$def");
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue(challenge("invalid_request", "The Bearer credentials are not a valid b64token"));
    }

    @Test
    void twoAuthorizationHeaders_are400InvalidRequest() {
      String token = issuer.token().sign();
      HttpResponse<String> response = api.send("GET", "/whoami", null,
          "Authorization", "Bearer " + token, "Authorization", "Bearer " + token);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue(challenge("invalid_request", "The request has more than one Authorization header"));
    }

    @Test
    void queryToken_isIgnoredByDefault() {
      HttpResponse<String> response = api.get("/whoami?access_token=" + issuer.token().sign(), null);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    }

    @Test
    void tooLongToken_is401() {
      String token = issuer.token().claim("padding", "x".repeat(9000)).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token is too long");
    }

    @Test
    void garbageWithThreeSegments_is401Malformed() {
      assertInvalidToken(api.get("/whoami", "abc.def.ghi"), "The access token is malformed");
    }
  }

  @Nested
  class RejectedTokens {
    @Test
    void expiredToken_is401InvalidToken() {
      String token = issuer.token().expiresAt(clock.instant().minusSeconds(120)).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token expired");
    }

    @Test
    void tokenWithoutExpiry_is401() {
      assertInvalidToken(api.get("/whoami", issuer.token().claim("exp", null).sign()),
          "The access token has no expiry");
    }

    @Test
    void notYetValidToken_is401() {
      String token = issuer.token().notBefore(clock.instant().plusSeconds(300)).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token is not valid yet");
    }

    @Test
    void tokenIssuedInTheFuture_is401() {
      String token = issuer.token().issuedAt(clock.instant().plusSeconds(300)).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token was issued in the future");
    }

    @Test
    void wrongAudience_is401() {
      assertInvalidToken(api.get("/whoami", issuer.token().audience("billing-api").sign()),
          "The access token is for another audience");
    }

    @Test
    void wrongIssuer_is401_withoutFetchingAnything() {
      // Keys load in the background from start-up; let that settle so the count below only sees this request.
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      int before = issuer.server().jwksRequests();
      String token = issuer.token().issuer(issuer.issuer() + "/").sign();
      assertInvalidToken(api.get("/whoami", token), "The access token was issued by an untrusted issuer");
      assertThat(issuer.server().jwksRequests()).isEqualTo(before);
    }

    @Test
    void tokenSignedWithUnpublishedKeyUnderKnownKid_is401BadSignature() {
      String token = issuer.tokenSignedWith(SigningKey.rsa("key-1")).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token signature is invalid");
    }

    @Test
    void payloadChangedAfterSigning_is401BadSignature() {
      String[] parts = issuer.token().sign().split("\\.");
      String[] other = issuer.token().scope("admin").sign().split("\\.");
      assertInvalidToken(api.get("/whoami", parts[0] + "." + other[1] + "." + parts[2]),
          "The access token signature is invalid");
    }

    @Test
    void hmacTokenWithoutSharedSecret_is401AlgorithmNotAccepted() {
      String token = issuer.token().algorithm("HS256").kid("key-1")
          .signPayload("{\"iss\":\"x\"}", SigningKey.hmac(new byte[32], "HS256"));
      assertInvalidToken(api.get("/whoami", token), "The access token signing algorithm is not accepted");
    }

    @Test
    void foreignTyp_is401() {
      assertInvalidToken(api.get("/whoami", issuer.token().type("id_token+jwt").sign()),
          "The access token type is not accepted");
    }

    @Test
    void unknownCriticalHeader_is401() {
      String token = issuer.token().header("exp-policy", "x").critical(java.util.Set.of("exp-policy")).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token has an unsupported critical header");
    }

    @Test
    void expAsString_is401Malformed() {
      assertInvalidToken(api.get("/whoami", issuer.token().claim("exp", "tomorrow").sign()),
          "The access token is malformed");
    }

    @Test
    void nbfSoLargeItsMillisecondsWrap_is401Malformed_notTakenForLongPast() {
      // 2^63 / 1000 + 1 seconds: times 1000 it would wrap to a negative instant, an nbf long gone.
      assertInvalidToken(api.get("/whoami", issuer.token().claim("nbf", 9_223_372_036_854_776L).sign()),
          "The access token is malformed");
    }

    @Test
    void audAsNumber_is401Malformed() {
      assertInvalidToken(api.get("/whoami", issuer.token().audience(42).sign()), "The access token is malformed");
    }

    @Test
    void scopeAsObject_is401() {
      assertInvalidToken(api.get("/whoami", issuer.token().claim("scope", Map.of("a", "b")).sign()),
          "The access token claim scope is malformed");
    }

    @Test
    void tokenNamingNoClient_is401() {
      String token = issuer.token().clientId(null).subject(null).sign();
      assertInvalidToken(api.get("/whoami", token), "The access token does not name its client");
    }

    @Test
    void payloadNotJson_is401Malformed() {
      assertInvalidToken(api.get("/whoami", issuer.token().signPayload("not json")), "The access token is malformed");
    }
  }

  @Nested
  class Scopes {
    @Test
    void classLevelScope_present_is200() {
      assertThat(api.get("/countries/fr", issuer.token().scope("countries:read").sign()).statusCode()).isEqualTo(200);
    }

    @Test
    void classLevelScope_missing_is403InsufficientScope() {
      HttpResponse<String> response = api.get("/countries/fr", issuer.token().scope("orders:write").sign());
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
          "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"The access token lacks a scope"
              + " this request requires\", scope=\"countries:read\"");
    }

    @Test
    void similarScopeName_doesNotCount() {
      assertThat(api.get("/countries/fr", issuer.token().scope("countries:readonly").sign()).statusCode())
          .isEqualTo(403);
    }

    @Test
    void methodLevelScope_winsOverClass() {
      String readOnly = issuer.token().scope("orders:read").sign();
      assertThat(api.get("/orders/1", readOnly).statusCode()).isEqualTo(200);
      HttpResponse<String> post = api.send("POST", "/orders/1", "{}", "Authorization", "Bearer " + readOnly);
      assertThat(post.statusCode()).isEqualTo(403);
      assertThat(post.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          value -> assertThat(value).endsWith("scope=\"audit orders:write\""));
      String writer = issuer.token().scope("orders:write", "audit").sign();
      assertThat(api.send("POST", "/orders/1", "{}", "Authorization", "Bearer " + writer).statusCode())
          .isEqualTo(200);
    }

    @Test
    void headRequest_followsDoGetRequirement() {
      String readOnly = issuer.token().scope("countries:read").sign();
      assertThat(api.send("HEAD", "/orders/1", null, "Authorization", "Bearer " + readOnly).statusCode())
          .isEqualTo(403);
    }

    @Test
    void anyOfMode_acceptsEitherScope() {
      assertThat(api.get("/reports/q1", issuer.token().scope("admin").sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/reports/q1", issuer.token().scope("reports:read").sign()).statusCode()).isEqualTo(200);
      HttpResponse<String> none = api.get("/reports/q1", issuer.token().scope("countries:read").sign());
      assertThat(none.statusCode()).isEqualTo(403);
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          value -> assertThat(value).endsWith("scope=\"admin reports:read\""));
    }

    @Test
    void pathRule_requiresScope() {
      assertThat(api.get("/open/admin/x", issuer.token().sign()).statusCode()).isEqualTo(403);
      assertThat(api.get("/open/admin/x", issuer.token().scope("admin").sign()).statusCode()).isEqualTo(200);
      assertThat(api.get("/open/other", issuer.token().sign()).statusCode()).isEqualTo(200);
    }

    @Test
    void pathRule_cannotBeBypassedWithDotSegments() {
      HttpResponse<String> response = api.get("/open/x/../admin/x", issuer.token().sign());
      assertThat(response.statusCode()).isIn(400, 403);
    }
  }

  @Test
  void principalToString_neverContainsTheToken() {
    String token = issuer.token().sign();
    HttpResponse<String> response = api.get("/whoami", token);
    assertThat(response.body()).contains("toString=ClientPrincipal[clientId=orders-service");
    assertThat(response.body()).doesNotContain(token.split("\\.")[2]);
  }

  @Test
  void clockSkewBoundary_tokenRefusedOnceSkewPassed() {
    String token = issuer.token().expiresAt(clock.instant().plus(Duration.ofSeconds(10))).sign();
    assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofSeconds(71));
    try {
      assertInvalidToken(api.get("/whoami", token), "The access token expired");
    } finally {
      clock.advance(Duration.ofSeconds(-71));
    }
  }
}
