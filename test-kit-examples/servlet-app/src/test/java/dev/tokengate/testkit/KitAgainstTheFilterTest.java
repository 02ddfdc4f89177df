package dev.tokengate.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.orders.OrdersServlet;
import dev.tokengate.testing.IdpPreset;
import dev.tokengate.testing.ServletApp;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.testing.TokenBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kit's tokens as the real filter judges them: each hostile variant is refused for the reason it stands for,
 * each IdP preset is accepted by the configuration the README gives for that IdP, and ServletApp runs the filter as
 * configured (programmatic and web.xml, misconfiguration failing start-up).
 */
class KitAgainstTheFilterTest {
  @RegisterExtension static final TestIssuer issuer = TestIssuer.builder().audience("orders-api").extension();

  static ServletApp app;

  @BeforeAll
  static void deploy() {
    app = ServletApp.filter(Map.of("audiences", "orders-api")).servlet("/orders", OrdersServlet.class)
        .start(issuer);
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  static Stream<Arguments> hostileVariants() {
    return Stream.of(
        Arguments.of("expired", (UnaryOperator<TokenBuilder>) TokenBuilder::expired, "The access token expired"),
        Arguments.of("notYetValid", (UnaryOperator<TokenBuilder>) TokenBuilder::notYetValid,
            "The access token is not valid yet"),
        Arguments.of("wrongAudience", (UnaryOperator<TokenBuilder>) TokenBuilder::wrongAudience,
            "The access token is for another audience"),
        Arguments.of("wrongIssuer", (UnaryOperator<TokenBuilder>) TokenBuilder::wrongIssuer,
            "The access token was issued by an untrusted issuer"),
        Arguments.of("signedWithForeignKey", (UnaryOperator<TokenBuilder>) TokenBuilder::signedWithForeignKey,
            "The access token signature is invalid"),
        Arguments.of("tamperedPayload", (UnaryOperator<TokenBuilder>) TokenBuilder::tamperedPayload,
            "The access token signature is invalid"),
        // An unsecured JWS has an empty third part, which the filter refuses before looking at alg.
        Arguments.of("algNone", (UnaryOperator<TokenBuilder>) TokenBuilder::algNone, "The access token is malformed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileVariants")
  void eachHostileVariant_is401_forItsOwnReason(String name, UnaryOperator<TokenBuilder> variant, String reason) {
    assertThat(app.get("/orders", issuer.token().scope("orders:read").sign()).statusCode()).isEqualTo(200);
    HttpResponse<String> response = app.get("/orders", variant.apply(issuer.token().scope("orders:read")).sign());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + reason + "\"");
  }

  @ParameterizedTest
  @EnumSource(IdpPreset.class)
  void eachPreset_isAccepted_byTheSettingsTheReadmeGivesForThatIdp(IdpPreset preset) {
    Map<String, String> settings = switch (preset) {
      case ENTRA_ID -> Map.of("audiences", "orders-api", "scope-claims", "scope scp roles");
      case COGNITO -> Map.of("allow-any-audience", "true");
      default -> Map.of("audiences", "orders-api");
    };
    try (ServletApp configured = ServletApp.filter(settings).servlet("/orders", OrdersServlet.class).start(issuer)) {
      String token = issuer.token(preset).clientId("billing").scope("orders:read").sign();
      HttpResponse<String> response = configured.get("/orders", token);
      assertThat(response.statusCode()).as(response.headers().map().toString()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("orders for billing");
      String withoutScope = issuer.token(preset).clientId("billing").scope("orders:write").sign();
      assertThat(configured.get("/orders", withoutScope).statusCode()).isEqualTo(403);
    }
  }

  @Test
  void entraTokens_withoutRolesInScopeClaims_areRefusedForScope_notLetThrough() {
    String entra = issuer.token(IdpPreset.ENTRA_ID).scope("orders:read").sign();
    assertThat(app.get("/orders", entra).statusCode()).isEqualTo(403);
  }

  @Test
  void webXml_isDeployedWithItsIssuerReplaced(@TempDir Path dir) throws Exception {
    Path webXml = Files.writeString(dir.resolve("web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter>
            <filter-name>gate</filter-name>
            <filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <init-param><param-name>issuer</param-name><param-value>https://login.example.com</param-value></init-param>
            <init-param><param-name>audiences</param-name><param-value>orders-api</param-value></init-param>
            <init-param><param-name>public-paths</param-name><param-value>/health</param-value></init-param>
          </filter>
          <filter-mapping><filter-name>gate</filter-name><url-pattern>/*</url-pattern></filter-mapping>
          <servlet><servlet-name>orders</servlet-name><servlet-class>com.example.orders.OrdersServlet</servlet-class></servlet>
          <servlet-mapping><servlet-name>orders</servlet-name><url-pattern>/orders</url-pattern></servlet-mapping>
        </web-app>
        """);
    try (ServletApp deployed = ServletApp.webXml(webXml).contextPath("").start(issuer)) {
      assertThat(deployed.baseUrl()).doesNotEndWith("/");
      assertThat(deployed.get("/orders", issuer.token().scope("orders:read").sign()).statusCode()).isEqualTo(200);
      assertThat(deployed.get("/orders", null).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void aMisconfiguredFilter_failsStartUp_namingTheSetting() {
    assertThatThrownBy(() -> ServletApp.filter(Map.of()).servlet("/orders", OrdersServlet.class).start(issuer))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("The application did not start")
        .hasStackTraceContaining("Setting 'audiences' is required");
  }
}
