package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DPoP settings as web.xml init-params: read as documented, and each bad one fails naming itself. */
class DpopSettingsTest {
  private static TokenGateConfig read(String... pairs) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      settings.put(pairs[i], pairs[i + 1]);
    }
    return TokenGateConfig.fromSettings(settings);
  }

  @Test
  void defaults_areOff_withTheDocumentedValues() {
    TokenGateConfig config = read("issuer", "https://a.example", "audiences", "api");
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::dpopMode).containsExactly(DpopMode.OFF);
    assertThat(config.dpopAlgorithms())
        .containsExactly("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512");
    assertThat(config.dpopProofMaxAge()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.dpopExternalBaseUrl()).isEmpty();
    assertThat(config.dpopReplayStore()).as("no store when no issuer uses DPoP").isEmpty();
    assertThat(config.toString()).doesNotContain("dpop");
  }

  @Test
  void everyDpopSetting_isRead_perIssuer() {
    TokenGateConfig config = read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "Required",
        "issuers[0].issuer", "https://b.example", "issuers[0].dpop-mode", "allowed",
        "issuers[1].issuer", "https://c.example",
        "dpop-algorithms", "es256, PS256", "dpop-proof-max-age", "30s",
        "dpop-external-base-url", "https://api.example.com/orders", "dpop-replay-cache-size", "50");
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::dpopMode)
        .containsExactly(DpopMode.REQUIRED, DpopMode.ALLOWED, DpopMode.OFF);
    assertThat(config.dpopAlgorithms()).containsExactly("ES256", "PS256");
    assertThat(config.dpopProofMaxAge()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.dpopExternalBaseUrl()).hasValue(URI.create("https://api.example.com/orders"));
    assertThat(config.dpopReplayStore()).isPresent();
    assertThat(config.toString()).contains("dpop-modes={https://a.example=required, https://b.example=allowed,"
        + " https://c.example=off}");
  }

  @Test
  void badMode() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "on"))
        .hasMessage("Setting 'dpop-mode' must be off, allowed or required, was 'on'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api",
        "issuers[0].issuer", "https://b.example", "issuers[0].dpop-mode", "yes"))
        .hasMessage("Setting 'issuers[0].dpop-mode' must be off, allowed or required, was 'yes'");
  }

  @Test
  void topLevelMode_withoutTopLevelIssuer_fails() {
    assertThatThrownBy(() -> read("audiences", "api", "dpop-mode", "required",
        "issuers[0].issuer", "https://b.example"))
        .hasMessage("Setting 'dpop-mode' applies to the issuer set with 'issuer', which is not set: set"
            + " 'issuers[N].dpop-mode' for each issuer that uses DPoP");
  }

  @Test
  void dpopSetting_withoutAnyIssuerUsingDpop_fails() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-proof-max-age", "30s"))
        .hasMessage("Setting 'dpop-proof-max-age' is set but no issuer uses DPoP: set 'dpop-mode' (or"
            + " 'issuers[N].dpop-mode') to allowed or required, or remove 'dpop-proof-max-age'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api",
        "dpop-external-base-url", "https://api.example.com"))
        .hasMessageStartingWith("Setting 'dpop-external-base-url' is set but no issuer uses DPoP");
  }

  @Test
  void badAlgorithms() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-algorithms", "HS256"))
        .hasMessage("Setting 'dpop-algorithms' names unknown or unsupported algorithm 'HS256'; supported are"
            + " [ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA, Ed25519]");
    assertThatThrownBy(() -> TokenGateConfig.builder().dpopAlgorithms(List.of()))
        .hasMessage("Setting 'dpop-algorithms' must name at least one algorithm");
  }

  @Test
  void badMaxAge() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-proof-max-age", "11m"))
        .hasMessage("Setting 'dpop-proof-max-age' must be between PT1S and PT10M, was PT11M");
  }

  @Test
  void badExternalBaseUrl() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-external-base-url", "https://api.example.com/?x=1"))
        .hasMessage("Setting 'dpop-external-base-url' must be an absolute http(s) URL without user info, query or"
            + " fragment, such as https://api.example.com, was 'https://api.example.com/?x=1'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-external-base-url", "api.example.com"))
        .hasMessageStartingWith("Setting 'dpop-external-base-url' must be an absolute http(s) URL");
  }

  @Test
  void badReplayCacheSize() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-replay-cache-size", "0"))
        .hasMessage("Setting 'dpop-replay-cache-size' must be a positive whole number, was '0'");
  }

  @Test
  void unknownIssuerEntry_namesDpopModeAmongTheKnown() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "issuers[0].dpop", "x"))
        .hasMessageEndingWith("issuers[N].issuer, issuers[N].audiences, issuers[N].jwks-uri, issuers[N].dpop-mode,"
            + " issuers[N].dpop-nonce, issuers[N].mtls-required");
  }

  @Test
  void nonceSettings_areRead() {
    TokenGateConfig config = read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-nonce", "true", "issuers[0].issuer", "https://b.example", "issuers[0].dpop-mode", "required",
        "issuers[0].dpop-nonce", "false", "dpop-nonce-secret", "0123456789abcdef0123456789abcdef",
        "dpop-nonce-rotation", "2m");
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::dpopNonce).containsExactly(true, false);
    assertThat(config.dpopNonceRotation()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.toString()).contains("dpop-nonce-secret=(set)").doesNotContain("0123456789abcdef");
  }

  @Test
  void nonce_withoutSecret_fails() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-nonce", "true"))
        .hasMessage("Setting 'dpop-nonce-secret' is required when an issuer requires DPoP nonces: set a random secret"
            + " of at least 32 bytes, the same on every instance of the application");
  }

  @Test
  void shortSecret_fails() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-nonce", "true", "dpop-nonce-secret", "short"))
        .hasMessage("Setting 'dpop-nonce-secret' must be at least 32 bytes, was 5");
  }

  @Test
  void nonceSetting_withoutNonces_fails() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-nonce-secret", "0123456789abcdef0123456789abcdef"))
        .hasMessage("Setting 'dpop-nonce-secret' is set but no issuer requires DPoP nonces: set 'dpop-nonce' (or"
            + " 'issuers[N].dpop-nonce') to true, or remove 'dpop-nonce-secret'");
  }

  @Test
  void nonce_withModeOff_fails() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-nonce", "true"))
        .hasMessage("Setting 'dpop-nonce' is true but 'dpop-mode' is off: set 'dpop-mode' to allowed or required, or"
            + " remove 'dpop-nonce'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api",
        "issuers[0].issuer", "https://b.example", "issuers[0].dpop-nonce", "true"))
        .hasMessage("Setting 'issuers[0].dpop-nonce' is true but 'issuers[0].dpop-mode' is off: set it to allowed or"
            + " required, or remove 'issuers[0].dpop-nonce'");
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api",
        "issuers[0].issuer", "https://b.example", "issuers[0].dpop-nonce", "maybe"))
        .hasMessage("Setting 'issuers[0].dpop-nonce' must be true or false, was 'maybe'");
  }

  @Test
  void badRotation() {
    assertThatThrownBy(() -> read("issuer", "https://a.example", "audiences", "api", "dpop-mode", "allowed",
        "dpop-nonce", "true", "dpop-nonce-secret", "0123456789abcdef0123456789abcdef", "dpop-nonce-rotation", "5s"))
        .hasMessage("Setting 'dpop-nonce-rotation' must be between PT10S and PT1H, was PT5S");
  }
}
