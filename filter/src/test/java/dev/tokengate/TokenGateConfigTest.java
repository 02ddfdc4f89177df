package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Each bad setting fails with a message that names it; good settings read as documented. */
class TokenGateConfigTest {
  private static Map<String, String> settings(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  private static TokenGateConfig read(String... pairs) {
    return TokenGateConfig.fromSettings(settings(pairs));
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    TokenGateConfig config = read("issuer", "https://login.example.com", "audiences", "api");
    assertThat(config.jwksUri()).isEmpty();
    assertThat(config.algorithms()).containsExactly(
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519");
    assertThat(config.clockSkew()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.typPolicy()).isEqualTo(TokenTypePolicy.LENIENT);
    assertThat(config.clientIdClaims()).containsExactly("client_id", "azp", "cid", "appid", "sub");
    assertThat(config.scopeClaims()).containsExactly("scope", "scp");
    assertThat(config.realm()).isEqualTo("api");
    assertThat(config.maxTokenLength()).isEqualTo(8192);
    assertThat(config.jwksConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.jwksReadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.allowQueryToken()).isFalse();
    assertThat(config.allowFormToken()).isFalse();
    assertThat(config.sharedSecret()).isEmpty();
  }

  @Test
  void everySetting_isRead() {
    TokenGateConfig config = read(
        "issuer", "https://login.example.com/realms/api",
        "jwks-uri", "https://login.example.com/keys",
        "audiences", "api, api2",
        "algorithms", "RS256,HS256",
        "shared-secret", "0123456789abcdef0123456789abcdef",
        "clock-skew", "PT30S",
        "typ-policy", "STRICT",
        "client-id-claims", "azp",
        "scope-claims", "scope scp roles",
        "public-paths", "/health /public/*",
        "scope-rules", "GET /api/countries/*=countries:read\n/api/admin/*=admin audit",
        "realm", "orders",
        "max-token-length", "4096",
        "jwks-connect-timeout", "500ms",
        "jwks-read-timeout", "1m",
        "allow-query-token", "true",
        "allow-form-token", "TRUE");
    assertThat(config.issuer()).isEqualTo("https://login.example.com/realms/api");
    assertThat(config.jwksUri()).contains(URI.create("https://login.example.com/keys"));
    assertThat(config.audiences()).containsExactly("api", "api2");
    assertThat(config.algorithms()).containsExactly("RS256", "HS256");
    assertThat(config.sharedSecret()).isPresent();
    assertThat(config.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.typPolicy()).isEqualTo(TokenTypePolicy.STRICT);
    assertThat(config.clientIdClaims()).containsExactly("azp");
    assertThat(config.scopeClaims()).containsExactly("scope", "scp", "roles");
    assertThat(config.publicPaths()).containsExactly("/health", "/public/*");
    assertThat(config.scopeRules()).containsExactly(
        new ScopeRule("GET", "/api/countries/*", Set.of("countries:read")),
        new ScopeRule(null, "/api/admin/*", Set.of("admin", "audit")));
    assertThat(config.realm()).isEqualTo("orders");
    assertThat(config.maxTokenLength()).isEqualTo(4096);
    assertThat(config.jwksConnectTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.jwksReadTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.allowQueryToken()).isTrue();
    assertThat(config.allowFormToken()).isTrue();
  }

  @Test
  void toString_masksTheSharedSecret() {
    TokenGateConfig config = read("issuer", "https://a.example", "audiences", "api", "algorithms", "HS256",
        "shared-secret", "0123456789abcdef0123456789abcdef");
    assertThat(config.toString()).contains("shared-secret=(set)").doesNotContain("0123456789abcdef");
  }

  @Test
  void noIssuer() {
    assertThatThrownBy(() -> read("audiences", "api"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Setting 'issuer' is required: set it to your authorization server's issuer URL, exactly as it"
            + " appears in the tokens' 'iss' claim, e.g. https://login.example.com/realms/api");
  }

  @Test
  void noAudience() {
    assertThatThrownBy(() -> read("issuer", "https://a.example"))
        .hasMessage("Setting 'audiences' is required: set it to the audience your issuer puts in tokens for this"
            + " API (the 'aud' claim), or set 'allow-any-audience' to true if this issuer issues tokens for this API"
            + " alone");
  }

  @Test
  void allowAnyAudience_replacesTheAudienceRequirement() {
    assertThat(read("issuer", "https://a.example", "allow-any-audience", "true").allowAnyAudience()).isTrue();
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "allow-any-audience", "true"))
        .hasMessage("Settings 'audiences' and 'allow-any-audience' contradict each other: remove one of them");
  }

  @Test
  void issuerNotAUrl() {
    assertThatThrownBy(() -> read("issuer", "ftp://a.example", "audiences", "api"))
        .hasMessage("Setting 'issuer' must be an absolute http(s) URL such as https://login.example.com, was"
            + " 'ftp://a.example'");
  }

  @Test
  void jwksUriNotHttp() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "jwks-uri", "file:///etc/keys"))
        .hasMessage("Setting 'jwks-uri' must be an absolute http(s) URL, was 'file:///etc/keys'");
  }

  @Test
  void unknownSetting() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "clockskew", "5s"))
        .hasMessageStartingWith("Unknown setting 'clockskew'; known settings are [")
        .hasMessageContaining("clock-skew");
  }

  @Test
  void unknownAlgorithm() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "algorithms", "none"))
        .hasMessageStartingWith("Setting 'algorithms' names unknown or unsupported algorithm 'none'; supported are");
  }

  @Test
  void hmacWithoutSecret() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "algorithms", "RS256 HS256"))
        .hasMessage("Setting 'algorithms' lists an HS* algorithm but 'shared-secret' is not set: set the secret"
            + " your issuer signs with, or remove HS256/HS384/HS512 from 'algorithms'");
  }

  @Test
  void secretWithoutHmacAlgorithm() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api",
            "shared-secret", "0123456789abcdef0123456789abcdef"))
        .hasMessage("Setting 'shared-secret' is set but 'algorithms' lists no HS256, HS384 or HS512 (the default"
            + " list is asymmetric only): add the HS algorithm your issuer signs with to 'algorithms'");
  }

  @Test
  void shortSecret() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "algorithms", "HS256",
            "shared-secret", "short"))
        .hasMessage("Setting 'shared-secret' must be at least 32 bytes (256 bits) long, was 5 bytes");
  }

  @Test
  void clockSkewOutOfRange() {
    assertThatThrownBy(() -> TokenGateConfig.builder().clockSkew(Duration.ofSeconds(-1)))
        .hasMessage("Setting 'clock-skew' must be between 0s and 5m, was PT-1S");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "clock-skew", "10m"))
        .hasMessage("Setting 'clock-skew' must be between 0s and 5m, was PT10M");
  }

  @Test
  void durationNotADuration() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "jwks-read-timeout", "soon"))
        .hasMessage("Setting 'jwks-read-timeout' must be a duration such as 30s, 500ms, 5m or PT30S, was 'soon'");
  }

  @Test
  void timeoutOutOfRange() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "jwks-connect-timeout", "0s"))
        .hasMessage("Setting 'jwks-connect-timeout' must be between 1ms and 1m, was PT0S");
  }

  @Test
  void typPolicyUnknown() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "typ-policy", "loose"))
        .hasMessage("Setting 'typ-policy' must be lenient or strict, was 'loose'");
  }

  @Test
  void booleanNotABoolean() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "allow-query-token", "yes"))
        .hasMessage("Setting 'allow-query-token' must be true or false, was 'yes'");
  }

  @Test
  void maxTokenLengthNotANumber() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "max-token-length", "8k"))
        .hasMessage("Setting 'max-token-length' must be a positive whole number, was '8k'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "max-token-length", "10"))
        .hasMessage("Setting 'max-token-length' must be between 64 and 1048576, was 10");
  }

  @Test
  void publicPathWithoutSlash() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "public-paths", "health"))
        .hasMessage("Setting 'public-paths' entries must start with '/' or '*.', was 'health'");
  }

  private static final String WILDCARD = "can never match: servlet url-patterns allow '*' only as a last '/*' (a"
      + " prefix, e.g. '/api/*', which also covers everything below it) or as a leading '*.' (an extension, e.g."
      + " '*.csv'); there are no wildcards inside a path";
  private static final String EXTENSION = "can never match: an extension pattern '*.ext' matches what follows the"
      + " last dot of the last segment, so it holds no '.', '/' or '*'; write e.g. '*.csv' or '*.gz'";

  private static String firewalled(String what) {
    return "can never match: it contains " + what + ", and the request firewall refuses every such request path"
        + " before matching; write the path decoded and normalized, as the application routes on it, e.g."
        + " '/files/report' rather than '/files/./report;v=1'";
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /api/*/x        | wildcard
      /api/**         | wildcard
      /a*             | wildcard
      /*.csv          | wildcard
      *.csv/x         | extension
      *.tar.gz        | extension
      *.              | extension
      *.*             | extension
      /api;v=1        | ';'
      /files/a%20b    | '%'
      /a#b            | '#'
      /api//x         | '//'
      /api/../x       | a segment ending in a dot
      /api/./*        | a segment ending in a dot
      /api/x.         | a segment ending in a dot
      """)
  void publicPathThatCanNeverMatch_failsNamingItAndTheFix(String pattern, String why) {
    String reason = switch (why) {
      case "wildcard" -> WILDCARD;
      case "extension" -> EXTENSION;
      default -> firewalled(why.length() <= 2 ? "'" + why + "'" : why); // CsvSource drops the quotes
    };
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "public-paths", pattern))
        .hasMessage("Setting 'public-paths' entry '" + pattern + "' " + reason);
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "scope-rules",
            "GET " + pattern + "=admin"))
        .hasMessage("Setting 'scope-rules' rule 'GET " + pattern + "' " + reason);
    assertThatThrownBy(() -> TokenGateConfig.builder().scopeRule(pattern + "=admin"))
        .hasMessage("Setting 'scope-rules' rule '" + pattern + "' " + reason);
  }

  @Test
  void servletPatternsThatCanMatch_areAccepted() {
    TokenGateConfig config = read("issuer", "https://a.example", "audiences", "api",
        "public-paths", "/* /health /public/* *.csv /.well-known/jwks.json /v1.0/x",
        "scope-rules", "GET /api/*=a\n*.gz=b\n/=c\npatch /x=d\nPROPFIND /dav/*=e");
    assertThat(config.publicPaths()).hasSize(6);
    assertThat(config.scopeRules()).hasSize(5);
  }

  @Test
  void publicPathSlash_wouldOpenEverything_andFailsNamingTheFix() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "public-paths", "/health /"))
        .hasMessage("Setting 'public-paths' entry '/' would make every path public (in servlet url-patterns '/' is"
            + " the default mapping, which matches everything); write '/*' to open every path on purpose, or name"
            + " the page, e.g. '/index.html'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GTE", "POTS", "TRACE", "CONNECT", "FOO"})
  void scopeRuleWithAnUnknownMethod_failsNamingTheMethods(String method) {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "scope-rules",
            method + " /api/*=admin"))
        .hasMessage("scope-rules: method must be one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, PROPFIND,"
            + " PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK, or left out for a rule on every method, was '" + method
            + "'");
  }

  @Test
  void scopeRuleWithoutScopes() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "scope-rules", "GET /api"))
        .hasMessage("scope-rules: expected '[METHOD] /path=scope1 scope2', e.g. 'GET /api/countries/*=countries:read',"
            + " was 'GET /api'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "scope-rules", "GET /api="))
        .hasMessage("scope-rules: rule for '/api' names no scope");
  }

  @Test
  void realmWithQuote() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "realm", "a\"b"))
        .hasMessage("Setting 'realm' must be printable ASCII without quotes or backslashes, was 'a\"b'");
  }

  @Test
  void emptyClaimList() {
    assertThatThrownBy(() -> TokenGateConfig.builder().scopeClaims(List.of()))
        .hasMessage("Setting 'scope-claims' must name at least one claim, was []");
  }

  @Test
  void blankValues_areTreatedAsUnset() {
    assertThat(read("issuer", "https://a.example", "audiences", "api", "realm", "  ").realm()).isEqualTo("api");
  }
}
