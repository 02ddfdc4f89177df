package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mTLS settings as web.xml init-params: read as documented, and each bad one fails naming itself. */
class MtlsSettingsTest {
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
  void defaults_requireNothing_andReadNoHeader() {
    TokenGateConfig config = read();
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::mtlsRequired).containsExactly(false);
    assertThat(config.mtlsClientCertificateHeader()).isEmpty();
    assertThat(config.toString()).doesNotContain("mtls");
  }

  @Test
  void everySetting_isRead_perIssuer() {
    TokenGateConfig config = read("mtls-required", "true", "mtls-client-certificate-header", " X-Client-Cert ",
        "issuers[0].issuer", "https://b.example", "issuers[0].mtls-required", "TRUE",
        "issuers[1].issuer", "https://c.example");
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::mtlsRequired).containsExactly(true, true, false);
    assertThat(config.mtlsClientCertificateHeader()).hasValue("X-Client-Cert");
    assertThat(config.toString()).contains("mtls-required=[https://a.example, https://b.example]")
        .contains("mtls-client-certificate-header=X-Client-Cert");
    assertThat(TokenGateConfig.settingNames()).contains("mtls-required", "mtls-client-certificate-header");
  }

  @Test
  void builder_andTrustedIssuer_carryTheSetting() {
    TokenGateConfig config = TokenGateConfig.builder().issuer("https://a.example").audiences("api")
        .trustedIssuer(TrustedIssuer.of("https://b.example", "api").withMtlsRequired(true).withDpopMode(DpopMode.ALLOWED)
            .withJwksUri(java.net.URI.create("https://b.example/keys")).withAudiences(java.util.List.of("b")))
        .build();
    assertThat(config.trustedIssuers()).extracting(TrustedIssuer::mtlsRequired).containsExactly(false, true);
    assertThat(new TrustedIssuer("https://c.example", java.util.List.of(), java.util.Optional.empty(), DpopMode.OFF,
        false).mtlsRequired()).isFalse();
  }

  @Test
  void badBoolean_namesTheSetting() {
    assertThatThrownBy(() -> read("mtls-required", "yes"))
        .hasMessageContaining("'mtls-required'").hasMessageContaining("yes");
    assertThatThrownBy(() -> read("issuers[0].issuer", "https://b.example", "issuers[0].mtls-required", "on"))
        .hasMessageContaining("'issuers[0].mtls-required'").hasMessageContaining("on");
  }

  @Test
  void mtlsRequired_withoutTheSingleIssuer_failsNamingThePerIssuerSetting() {
    assertThatThrownBy(() -> TokenGateConfig.builder().audiences("api").mtlsRequired(true)
        .trustedIssuer(TrustedIssuer.of("https://b.example")).build())
        .hasMessage("Setting 'mtls-required' applies to the issuer set with 'issuer', which is not set: set"
            + " 'issuers[N].mtls-required' for each issuer whose tokens must be certificate-bound");
  }

  @ParameterizedTest
  @ValueSource(strings = {"X Client Cert", "X-Client-Cert:", "X-Client\nCert", "(cert)"})
  void headerName_thatIsNoHeaderName_fails(String name) {
    assertThatThrownBy(() -> TokenGateConfig.builder().mtlsClientCertificateHeader(name))
        .hasMessage("Setting 'mtls-client-certificate-header' must be an HTTP header name such as X-Client-Cert,"
            + " was '" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Authorization", "dpop", "Cookie", "Host"})
  void headerName_ofAHeaderThatCarriesSomethingElse_fails(String name) {
    assertThatThrownBy(() -> read("mtls-client-certificate-header", name))
        .hasMessage("Setting 'mtls-client-certificate-header' must name a header of its own, set by the"
            + " TLS-terminating proxy, such as X-Client-Cert; '" + name + "' carries something else");
  }

  @Test
  void unknownPerIssuerSetting_listsTheMtlsOne() {
    assertThatThrownBy(() -> read("mtls-requird", "true")).hasMessageContaining("issuers[N].mtls-required")
        .hasMessageContaining("mtls-required");
  }
}
