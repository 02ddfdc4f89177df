package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The introspection settings as web.xml init-params: read as documented, and each bad one fails naming itself. */
class IntrospectionSettingsTest {
  private static TokenGateConfig read(String... pairs) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("issuer", "https://a.example");
    settings.put("audiences", "api");
    for (int i = 0; i < pairs.length; i += 2) {
      settings.put(pairs[i], pairs[i + 1]);
    }
    return TokenGateConfig.fromSettings(settings);
  }

  @Test
  void defaults_areOff_withTheDocumentedValues() {
    TokenGateConfig config = read();
    assertThat(config.introspection()).isEmpty();
    assertThat(config.introspectionDefaultIssuer()).isEmpty();
    assertThat(config.introspectJwts()).isFalse();
    assertThat(config.introspectionConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.introspectionReadTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.introspectionMaxBytes()).isEqualTo(65536);
    assertThat(config.introspectionCacheMaxTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.introspectionNegativeCacheTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.introspectionCacheSize()).isEqualTo(10_000);
    assertThat(config.introspectionMaxConcurrency()).isEqualTo(16);
    assertThat(config.toString()).doesNotContain("introspection");
  }

  @Test
  void everySetting_isRead_perIssuer_andTheSecretIsMasked() {
    TokenGateConfig config = read("introspection-client-id", "api", "introspection-client-secret", "s3cret",
        "introspection-endpoint", "https://a.example/introspect",
        "issuers[0].issuer", "https://b.example", "issuers[0].introspection-client-id", "api-b",
        "issuers[0].introspection-client-secret", "other", "issuers[0].introspection-client-authentication",
        "client_secret_post", "introspection-default-issuer", "https://b.example", "introspect-jwts", "true",
        "introspection-connect-timeout", "1s", "introspection-read-timeout", "2s", "introspection-max-bytes", "2048",
        "introspection-cache-max-ttl", "0s", "introspection-negative-cache-ttl", "1m",
        "introspection-cache-size", "0", "introspection-max-concurrency", "3");
    assertThat(config.introspection()).containsOnlyKeys("https://a.example", "https://b.example");
    Introspection a = config.introspection().get("https://a.example");
    assertThat(a.endpoint()).hasValue(URI.create("https://a.example/introspect"));
    assertThat(a.clientAuthentication()).isEqualTo(Introspection.ClientAuthentication.CLIENT_SECRET_BASIC);
    Introspection b = config.introspection().get("https://b.example");
    assertThat(b.endpoint()).isEmpty();
    assertThat(b.clientId()).isEqualTo("api-b");
    assertThat(b.clientAuthentication()).isEqualTo(Introspection.ClientAuthentication.CLIENT_SECRET_POST);
    assertThat(config.introspectionDefaultIssuer()).hasValue("https://b.example");
    assertThat(config.introspectJwts()).isTrue();
    assertThat(config.introspectionConnectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.introspectionReadTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.introspectionMaxBytes()).isEqualTo(2048);
    assertThat(config.introspectionCacheMaxTtl()).isZero();
    assertThat(config.introspectionNegativeCacheTtl()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.introspectionCacheSize()).isZero();
    assertThat(config.introspectionMaxConcurrency()).isEqualTo(3);
    assertThat(config.toString()).contains("client-secret=(set)").doesNotContain("s3cret", "other");
  }

  @Test
  void oneIntrospectionIssuer_isTheDefault() {
    TokenGateConfig config = read("issuers[0].issuer", "https://b.example", "issuers[0].introspection-client-id",
        "api", "issuers[0].introspection-client-secret", "s");
    assertThat(config.introspectionDefaultIssuer()).hasValue("https://b.example");
  }

  @Test
  void clientIdWithoutSecret() {
    assertThatThrownBy(() -> read("introspection-client-id", "api"))
        .hasMessage("Setting 'introspection-client-secret' is required when 'introspection-client-id' is set: set it"
            + " to that client's secret");
    assertThatThrownBy(() -> read("issuers[0].issuer", "https://b.example", "issuers[0].introspection-client-id",
        "api"))
        .hasMessage("Setting 'issuers[0].introspection-client-secret' is required when"
            + " 'issuers[0].introspection-client-id' is set: set it to that client's secret");
  }

  @Test
  void endpointWithoutClient() {
    assertThatThrownBy(() -> read("introspection-endpoint", "https://a.example/introspect"))
        .hasMessage("Setting 'introspection-client-id' is required when other 'introspection-' settings are set: set"
            + " it to the client id this API authenticates to the introspection endpoint with");
  }

  @Test
  void badEndpoint() {
    assertThatThrownBy(() -> read("introspection-client-id", "api", "introspection-client-secret", "s",
        "introspection-endpoint", "ftp://a.example/introspect"))
        .hasMessage("Setting 'introspection-endpoint' must be an absolute http(s) URL without user info or fragment,"
            + " such as https://login.example.com/oauth2/introspect, was 'ftp://a.example/introspect'");
    assertThatThrownBy(() -> read("issuers[0].issuer", "https://b.example", "issuers[0].introspection-client-id",
        "api", "issuers[0].introspection-client-secret", "s", "issuers[0].introspection-endpoint", "/relative"))
        .hasMessageStartingWith("Setting 'issuers[0].introspection-endpoint' must be an absolute http(s) URL");
  }

  @Test
  void badClientAuthentication() {
    assertThatThrownBy(() -> read("introspection-client-id", "api", "introspection-client-secret", "s",
        "introspection-client-authentication", "private_key_jwt"))
        .hasMessage("Setting 'introspection-client-authentication' must be client_secret_basic or client_secret_post,"
            + " was 'private_key_jwt'");
  }

  @Test
  void severalIntrospectionIssuers_needADefault() {
    assertThatThrownBy(() -> read("introspection-client-id", "api", "introspection-client-secret", "s",
        "issuers[0].issuer", "https://b.example", "issuers[0].introspection-client-id", "api",
        "issuers[0].introspection-client-secret", "s"))
        .hasMessage("Setting 'introspection-default-issuer' is required when several issuers have introspection (an"
            + " opaque token does not say who issued it): set it to one of [https://a.example, https://b.example]");
  }

  @Test
  void defaultIssuerWithoutIntrospection() {
    assertThatThrownBy(() -> read("introspection-client-id", "api", "introspection-client-secret", "s",
        "issuers[0].issuer", "https://b.example", "introspection-default-issuer", "https://b.example"))
        .hasMessage("Setting 'introspection-default-issuer' names 'https://b.example', which has no introspection:"
            + " set it to one of [https://a.example]");
  }

  @Test
  void introspectionSettingWithoutAnyIntrospection() {
    assertThatThrownBy(() -> read("introspection-cache-max-ttl", "30s"))
        .hasMessage("Setting 'introspection-cache-max-ttl' is set but no issuer has introspection: set"
            + " 'introspection-client-id' and 'introspection-client-secret' (or 'issuers[N].introspection-...'), or"
            + " remove 'introspection-cache-max-ttl'");
    assertThatThrownBy(() -> read("introspect-jwts", "true"))
        .hasMessageStartingWith("Setting 'introspect-jwts' is set but no issuer has introspection");
  }

  @Test
  void requireSigned_withoutAnAsymmetricAlgorithm_failsNamingAlgorithms() {
    assertThatThrownBy(() -> read("algorithms", "HS256", "shared-secret", "0123456789abcdef0123456789abcdef",
            "introspection-client-id", "api", "introspection-client-secret", "s",
            "introspection-endpoint", "https://a.example/introspect", "introspection-require-signed", "true"))
        .hasMessage("Introspection for issuer 'https://a.example' requires signed answers"
            + " (introspection-require-signed), but 'algorithms' lists no asymmetric algorithm, so no signing keys are"
            + " loaded to verify them: add the algorithm the issuer signs its introspection responses with (e.g."
            + " RS256) to 'algorithms', or remove 'introspection-require-signed'");
  }

  @Test
  void introspectionForAnUntrustedIssuer() {
    assertThatThrownBy(() -> TokenGateConfig.builder().issuer("https://a.example").audiences("api")
        .introspection("https://b.example", Introspection.withClient("api", "s")).build())
        .hasMessage("Introspection is set for 'https://b.example', which is not a trusted issuer: add it with"
            + " 'issuer' or 'issuers[N].issuer', or remove its introspection");
  }

  @Test
  void boundsOfEachSetting() {
    String[] base = {"introspection-client-id", "api", "introspection-client-secret", "s"};
    assertThatThrownBy(() -> read(concat(base, "introspection-cache-max-ttl", "2h")))
        .hasMessage("Setting 'introspection-cache-max-ttl' must be between PT0S and PT1H, was PT2H");
    assertThatThrownBy(() -> read(concat(base, "introspection-negative-cache-ttl", "6m")))
        .hasMessage("Setting 'introspection-negative-cache-ttl' must be between PT0S and PT5M, was PT6M");
    assertThatThrownBy(() -> read(concat(base, "introspection-max-concurrency", "1001")))
        .hasMessage("Setting 'introspection-max-concurrency' must be between 1 and 1000, was 1001");
    assertThatThrownBy(() -> read(concat(base, "introspection-max-bytes", "10")))
        .hasMessage("Setting 'introspection-max-bytes' must be between 1024 and 1048576, was 10");
    assertThatThrownBy(() -> read(concat(base, "introspection-read-timeout", "2m")))
        .hasMessage("Setting 'introspection-read-timeout' must be between 1ms and 1m, was PT2M");
  }

  private static String[] concat(String[] base, String... more) {
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }
}
