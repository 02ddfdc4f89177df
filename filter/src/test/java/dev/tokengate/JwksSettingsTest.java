package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The JWKS and multi-issuer settings: defaults, the settings form, and one test per bad value. */
class JwksSettingsTest {
  private static final String ISSUER = "https://login.example.com";

  private static Map<String, String> settings(String... namesAndValues) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      settings.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return settings;
  }

  @Test
  void defaults() {
    TokenGateConfig config = TokenGateConfig.builder().issuer(ISSUER).audiences("api").build();

    assertThat(config.jwksCacheTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.jwksMinCacheTtl()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.jwksMaxCacheTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(config.jwksRefreshRateLimit()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.jwksMaxStaleness()).isEqualTo(Duration.ofHours(24));
    assertThat(config.jwksMaxBytes()).isEqualTo(512 * 1024);
    assertThat(config.jwksConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.jwksReadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.jwksRefreshBurst()).isEqualTo(2);
    assertThat(config.jwksSnapshotDirectory()).isEmpty();
    assertThat(config.jwksMaxWait()).isEqualTo(Duration.ofMillis(7250));
    assertThat(config.trustedIssuers()).containsExactly(new TrustedIssuer(ISSUER, List.of("api"), Optional.empty()));
  }

  @Test
  void jwksSettings_areRead() {
    TokenGateConfig config = TokenGateConfig.fromSettings(settings(
        "issuer", ISSUER, "audiences", "api",
        "jwks-cache-ttl", "10m", "jwks-min-cache-ttl", "30s", "jwks-max-cache-ttl", "2h",
        "jwks-refresh-rate-limit", "1m", "jwks-max-staleness", "PT12H", "jwks-max-bytes", "65536"));

    assertThat(config.jwksCacheTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.jwksMinCacheTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.jwksMaxCacheTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(config.jwksRefreshRateLimit()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.jwksMaxStaleness()).isEqualTo(Duration.ofHours(12));
    assertThat(config.jwksMaxBytes()).isEqualTo(65536);
  }

  @Test
  void issuerList_isRead_inIndexOrder_withTheTopLevelIssuerFirst() {
    TokenGateConfig config = TokenGateConfig.fromSettings(settings(
        "issuer", ISSUER, "audiences", "api",
        "issuers[1].issuer", "https://b.example.com", "issuers[1].jwks-uri", "https://b.example.com/keys",
        "issuers[0].issuer", "https://a.example.com", "issuers[0].audiences", "a-api, a-api-2"));

    assertThat(config.trustedIssuers()).containsExactly(
        new TrustedIssuer(ISSUER, List.of("api"), Optional.empty()),
        new TrustedIssuer("https://a.example.com", List.of("a-api", "a-api-2"), Optional.empty()),
        new TrustedIssuer("https://b.example.com", List.of("api"),
            Optional.of(URI.create("https://b.example.com/keys"))));
    assertThat(config.issuer()).isEqualTo(ISSUER);
  }

  @Test
  void issuerList_aloneIsEnough() {
    TokenGateConfig config = TokenGateConfig.builder()
        .trustedIssuer(TrustedIssuer.of("https://a.example.com", "a-api"))
        .trustedIssuer(TrustedIssuer.of("https://b.example.com", "b-api").withJwksUri(URI.create("https://b/keys")))
        .build();

    assertThat(config.issuer()).isEqualTo("https://a.example.com");
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::issuer)
        .containsExactly("https://a.example.com", "https://b.example.com");
  }

  @Test
  void issuerEntryWithoutAudiences_andNoTopLevelAudiences_failsNamingTheSetting() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuers[0].issuer", "https://a.example.com")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Setting 'issuers[0].audiences' is required: set it to the audience this issuer puts in tokens"
            + " for this API, or set 'audiences' for every issuer");
  }

  @Test
  void issuerEntryWithoutIssuer_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuer", ISSUER, "audiences", "api",
            "issuers[2].audiences", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Setting 'issuers[2].issuer' is required when other 'issuers[2].' settings are set: set it to"
            + " the issuer URL, exactly as in the tokens' 'iss' claim");
  }

  @Test
  void issuerEntryWithBadUrl_failsNamingTheSetting() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuers[0].issuer", "login.example.com",
            "issuers[0].audiences", "api")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Setting 'issuers[0].issuer' must be an absolute http(s) URL such as https://login.example.com,"
            + " was 'login.example.com'");
  }

  @Test
  void issuerEntryWithBadJwksUri_failsNamingTheSetting() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuers[0].issuer", ISSUER,
            "issuers[0].audiences", "api", "issuers[0].jwks-uri", "file:///keys")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Setting 'issuers[0].jwks-uri' must be an absolute http(s) URL, was 'file:///keys'");
  }

  @Test
  void unknownIssuerEntrySetting_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuer", ISSUER, "audiences", "api",
            "issuers[0].audience", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Unknown setting 'issuers[0].audience'; known settings are [")
        .hasMessageEndingWith(" and issuers[N].issuer, issuers[N].audiences, issuers[N].jwks-uri,"
            + " issuers[N].dpop-mode, issuers[N].dpop-nonce, issuers[N].mtls-required");
  }

  @Test
  void repeatedIssuer_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuer", ISSUER, "audiences", "api",
            "issuers[0].issuer", ISSUER)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Setting 'issuers[0].issuer' repeats the trusted issuer '" + ISSUER + "': list each issuer once");
  }

  @Test
  void minCacheTtlAboveMax_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("issuer", ISSUER, "audiences", "api",
            "jwks-min-cache-ttl", "2h")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Setting 'jwks-min-cache-ttl' (PT2H) is longer than 'jwks-max-cache-ttl' (PT1H): make the"
            + " minimum at most the maximum");
  }

  @Test
  void cacheTtlOutOfRange_fails() {
    assertThatThrownBy(() -> TokenGateConfig.builder().jwksCacheTtl(Duration.ofMillis(500)))
        .hasMessage("Setting 'jwks-cache-ttl' must be between PT1S and PT168H, was PT0.5S");
  }

  @Test
  void rateLimitOutOfRange_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-refresh-rate-limit", "2h")))
        .hasMessage("Setting 'jwks-refresh-rate-limit' must be between PT1S and PT1H, was PT2H");
  }

  @Test
  void maxStalenessOutOfRange_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-max-staleness", "31d")))
        .hasMessage("Setting 'jwks-max-staleness' must be between PT0S and PT720H, was PT744H");
  }

  @Test
  void maxBytesOutOfRange_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-max-bytes", "100")))
        .hasMessage("Setting 'jwks-max-bytes' must be between 1024 and 16777216, was 100");
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-max-bytes", "lots")))
        .hasMessage("Setting 'jwks-max-bytes' must be a positive whole number, was 'lots'");
  }

  @Test
  void refreshBurstAndSnapshotDirectory_areRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) {
    TokenGateConfig config = TokenGateConfig.fromSettings(settings("issuer", ISSUER, "audiences", "api",
        "jwks-refresh-burst", "5", "jwks-snapshot-directory", directory.resolve("keys").toString()));

    assertThat(config.jwksRefreshBurst()).isEqualTo(5);
    assertThat(config.jwksSnapshotDirectory()).hasValue(directory.resolve("keys"));
  }

  @Test
  void refreshBurstOutOfRange_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-refresh-burst", "11")))
        .hasMessage("Setting 'jwks-refresh-burst' must be between 1 and 10, was 11");
    assertThatThrownBy(() -> TokenGateConfig.builder().jwksRefreshBurst(0))
        .hasMessage("Setting 'jwks-refresh-burst' must be between 1 and 10, was 0");
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-refresh-burst", "two")))
        .hasMessage("Setting 'jwks-refresh-burst' must be a positive whole number, was 'two'");
  }

  @Test
  void snapshotDirectoryThatIsAFile_fails(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory)
      throws java.io.IOException {
    java.nio.file.Path file = java.nio.file.Files.writeString(directory.resolve("keys.json"), "{}");
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-snapshot-directory", file.toString())))
        .hasMessage("Setting 'jwks-snapshot-directory' must be a directory, was the file '" + file + "'");
  }

  @Test
  void snapshotDirectoryThatIsNoPath_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings("jwks-snapshot-directory", "keys\u0000dir")))
        .hasMessage("Setting 'jwks-snapshot-directory' must be a directory path, was 'keys\u0000dir'");
  }
}
