package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import dev.tokengate.spring.security.TokenGateJwtDecoder;
import dev.tokengate.spring.security.TokenGateReactiveJwtDecoder;
import dev.tokengate.spring.security.TokenGateSecurityAutoConfiguration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Combinations of tokengate and Spring Security that cannot work fail start-up, naming the fix. */
class SpringSecurityStartupChecksTest {
  private static final String ISSUER = "https://login.example.com/realms/api";

  private static final AutoConfigurations ALL = AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
      TokenGateAutoConfiguration.class, TokenGateSecurityAutoConfiguration.class,
      TokenGateReactiveSecurityAutoConfiguration.class);

  @Nested
  class Servlet {
    private final WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(ALL)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api");

    @Test
    void resourceServerChain_nextToTokengatesFilter_failsSayingTokensWouldBeValidatedTwice() {
      runner.withUserConfiguration(ResourceServerChain.class).run(context -> {
        FailureAnalysis analysis = analysis(context);
        assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: Spring Security filter chains"
            + " [resourceServer] validate bearer tokens (oauth2ResourceServer()), and so does tokengate's filter in"
            + " front of them: every token would be validated twice, and a refusal answered by whichever comes first");
        assertThat(analysis.getAction()).startsWith("Pick one: set 'tokengate.filter.enabled' to false");
      });
    }

    @Test
    void filterDisabled_withoutAResourceServerChain_failsSayingNothingWouldBeChecked() {
      runner.withPropertyValues("tokengate.filter.enabled=false").withUserConfiguration(PlainChain.class)
          .run(context -> assertThat(analysis(context).getDescription()).isEqualTo("tokengate is misconfigured:"
              + " Property 'tokengate.filter.enabled' is false, but no Spring Security filter chain validates bearer"
              + " tokens, so no request would have its token checked"));
    }

    @Test
    void filterDisabled_withoutSpringSecuritysResourceServer_fails() {
      runner.withPropertyValues("tokengate.filter.enabled=false")
          .withClassLoader(new FilteredClassLoader(BearerTokenAuthenticationFilter.class))
          .run(context -> assertThat(analysis(context).getDescription()).isEqualTo("tokengate is misconfigured:"
              + " Property 'tokengate.filter.enabled' is false, but Spring Security's resource server"
              + " (spring-security-oauth2-resource-server) is not on the classpath, so no request would have its"
              + " token checked"));
    }

    @Test
    void filterDisabled_withDpop_failsSayingTheDecoderCannotCheckProofs() {
      runner.withPropertyValues("tokengate.filter.enabled=false", "tokengate.dpop-mode=required")
          .withUserConfiguration(ResourceServerChain.class).run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: DPoP mode 'required' is set"
                + " for issuer " + ISSUER + ", but 'tokengate.filter.enabled' is false, so Spring Security's"
                + " oauth2ResourceServer() validates tokens with tokengate's JwtDecoder, which is handed the token"
                + " alone and cannot check a DPoP proof: bound tokens sent as Bearer would pass");
            assertThat(analysis.getAction()).contains("tokengate.filter.enabled", "dpop-mode to off");
          });
    }

    @Test
    void filterDisabled_withMtlsRequired_failsSayingTheDecoderCannotSeeCertificates() {
      runner.withPropertyValues("tokengate.filter.enabled=false", "tokengate.mtls-required=true")
          .withUserConfiguration(ResourceServerChain.class).run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: Certificate-bound tokens"
                + " are required for issuer " + ISSUER + " (tokengate.mtls-required or"
                + " tokengate.issuers[N].mtls-required), but 'tokengate.filter.enabled' is false, so Spring"
                + " Security's oauth2ResourceServer() validates tokens with tokengate's JwtDecoder, which is handed"
                + " the token alone and cannot see the client certificate");
            assertThat(analysis.getAction()).contains("tokengate.filter.enabled");
          });
    }

    @Test
    void filterDisabled_withTheCertificateHeader_fails() {
      runner.withPropertyValues("tokengate.filter.enabled=false", "tokengate.mtls-client-certificate-header=X-Cert")
          .withUserConfiguration(ResourceServerChain.class).run(context -> assertThat(analysis(context)
              .getDescription()).startsWith("tokengate is misconfigured: Property"
                  + " 'tokengate.mtls-client-certificate-header' is set, but 'tokengate.filter.enabled' is false"));
    }

    @Test
    void filterDisabled_withAResourceIdentifier_failsSayingOnlyTheFilterServesMetadata() {
      runner.withPropertyValues("tokengate.filter.enabled=false",
              "tokengate.resource-identifier=https://api.example.com")
          .withUserConfiguration(ResourceServerChain.class).run(context -> assertThat(analysis(context)
              .getDescription()).isEqualTo("tokengate is misconfigured: Property 'tokengate.resource-identifier' is"
                  + " set, but 'tokengate.filter.enabled' is false, so Spring Security's oauth2ResourceServer()"
                  + " validates tokens with tokengate's JwtDecoder: tokengate serves protected-resource metadata"
                  + " (RFC 9728) and names it in its challenges in its servlet filter only"));
    }

    @Test
    void filterDisabled_withIntrospection_failsSayingOpaqueTokensCannotPass() {
      runner.withPropertyValues("tokengate.filter.enabled=false", "tokengate.introspection-client-id=api",
              "tokengate.introspection-client-secret=s3cret",
              "tokengate.introspection-endpoint=https://login.example.com/introspect")
          .withUserConfiguration(ResourceServerChain.class).run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: Token introspection is set"
                + " for issuer " + ISSUER + " (tokengate.introspection-client-id or"
                + " tokengate.issuers[N].introspection-client-id), but 'tokengate.filter.enabled' is false, so Spring"
                + " Security's oauth2ResourceServer() validates tokens with tokengate's JwtDecoder, which hands"
                + " Spring Security a Jwt: opaque tokens cannot pass there; tokengate introspects them in its servlet"
                + " filter only");
            assertThat(analysis.getAction()).contains("tokengate.filter.enabled", "tokengate.introspect-jwts");
          });
    }

    @Test
    void filterDisabled_withIntrospectionOfJwts_starts() {
      runner.withPropertyValues("tokengate.filter.enabled=false", "tokengate.introspection-client-id=api",
              "tokengate.introspection-client-secret=s3cret",
              "tokengate.introspection-endpoint=https://login.example.com/introspect", "tokengate.introspect-jwts=true")
          .withUserConfiguration(ResourceServerChain.class).run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void withTokengatesFilter_andMtls_starts() {
      runner.withPropertyValues("tokengate.mtls-required=true", "tokengate.mtls-client-certificate-header=X-Cert")
          .withUserConfiguration(PlainChain.class).run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void withTokengatesFilter_andDpop_starts() {
      runner.withPropertyValues("tokengate.dpop-mode=required").withUserConfiguration(PlainChain.class)
          .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void filterDisabled_withAResourceServerChain_startsWithTokengatesDecoder_andTheFirewallOnEveryPath() {
      runner.withPropertyValues("tokengate.filter.enabled=false").withUserConfiguration(ResourceServerChain.class)
          .run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(JwtDecoder.class)).isInstanceOf(TokenGateJwtDecoder.class);
            assertThat(context.getBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME,
                FilterRegistrationBean.class).isEnabled()).isFalse();
            FilterRegistrationBean<?> firewall = context.getBean(
                TokenGateAutoConfiguration.FIREWALL_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class);
            assertThat(firewall.isEnabled()).isTrue();
            assertThat(firewall.getUrlPatterns()).containsExactly("/*");
          });
    }

    @Test
    void withTokengatesFilter_andAPlainChain_starts() {
      runner.withUserConfiguration(PlainChain.class).run(context -> assertThat(context).hasNotFailed()
          .hasBean(TokenGateSecurityAutoConfiguration.HTTP_SECURITY_CUSTOMIZER_BEAN_NAME));
    }

    @Test
    void withoutSpringSecurity_theStarterStartsWithoutItsSpringSecurityParts() {
      runner.withClassLoader(new FilteredClassLoader("org.springframework.security"))
          .run(context -> assertThat(context).hasNotFailed()
              .doesNotHaveBean(TokenGateSecurityAutoConfiguration.HTTP_SECURITY_CUSTOMIZER_BEAN_NAME)
              .hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME));
    }
  }

  @Nested
  class Reactive {
    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
        .withConfiguration(ALL).withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api");

    @Test
    void resourceServerChain_startsWithTokengatesReactiveDecoder() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class).run(context -> {
        assertThat(context).hasNotFailed();
        assertThat(context.getBean(ReactiveJwtDecoder.class)).isInstanceOf(TokenGateReactiveJwtDecoder.class);
      });
    }

    @Test
    void chainWithoutResourceServer_failsSayingNoRequestWouldBeChecked() {
      runner.withUserConfiguration(ReactivePlainChain.class).run(context -> {
        FailureAnalysis analysis = analysis(context);
        assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: tokengate is configured in this"
            + " reactive (WebFlux) application, but none of its Spring Security filter chains [plain] validates"
            + " bearer tokens, so tokengate's ReactiveJwtDecoder would check no request");
        assertThat(analysis.getAction()).startsWith("Add oauth2ResourceServer(resourceServer ->");
      });
    }

    @Test
    void requiredScope_failsSayingNothingEnforcesIt() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class, ScopedController.class)
          .run(context -> assertThat(analysis(context).getDescription()).isEqualTo("tokengate is misconfigured:"
              + " @RequiredScope is on [" + ScopedController.class.getName() + ".scoped()], but in a reactive (WebFlux)"
              + " application nothing enforces it, so these handlers would answer callers without the scope"));
    }

    @Test
    void dpop_failsSayingOnlyTheServletFilterChecksProofs() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class)
          .withPropertyValues("tokengate.issuers[0].issuer=https://other.example.com",
              "tokengate.issuers[0].dpop-mode=allowed")
          .run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: DPoP mode 'allowed' is set"
                + " for issuer https://other.example.com, but this is a reactive (WebFlux) application, where"
                + " tokengate validates tokens with its ReactiveJwtDecoder, which is handed the token alone and"
                + " cannot check a DPoP proof: bound tokens sent as Bearer would pass");
            assertThat(analysis.getAction()).contains("dpop-mode to off");
          });
    }

    @Test
    void mtlsRequired_failsSayingOnlyTheServletFilterChecksCertificates() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class)
          .withPropertyValues("tokengate.issuers[0].issuer=https://other.example.com",
              "tokengate.issuers[0].mtls-required=true")
          .run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).isEqualTo("tokengate is misconfigured: Certificate-bound tokens"
                + " are required for issuer https://other.example.com (tokengate.mtls-required or"
                + " tokengate.issuers[N].mtls-required), but this is a reactive (WebFlux) application, where"
                + " tokengate validates tokens with its ReactiveJwtDecoder, which is handed the token alone and"
                + " cannot see the client certificate");
            assertThat(analysis.getAction()).contains("servlet filter only");
          });
    }

    @Test
    void introspection_failsSayingOpaqueTokensCannotPass() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class)
          .withPropertyValues("tokengate.introspection-client-id=api", "tokengate.introspection-client-secret=s3cret",
              "tokengate.introspection-endpoint=https://login.example.com/introspect")
          .run(context -> assertThat(analysis(context).getDescription()).startsWith("tokengate is misconfigured:"
              + " Token introspection is set for issuer " + ISSUER + " (tokengate.introspection-client-id or"
              + " tokengate.issuers[N].introspection-client-id), but this is a reactive (WebFlux) application"));
    }

    @Test
    void resourceIdentifier_failsSayingOnlyTheServletFilterServesMetadata() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class)
          .withPropertyValues("tokengate.resource-identifier=https://api.example.com")
          .run(context -> assertThat(analysis(context).getDescription()).startsWith("tokengate is misconfigured:"
              + " Property 'tokengate.resource-identifier' is set, but this is a reactive (WebFlux) application"));
    }

    @Test
    void scopeRules_failSayingOnlyTheServletFilterReadsThem() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class)
          .withPropertyValues("tokengate.scope-rules[0]=GET /api/**=orders:read")
          .run(context -> assertThat(analysis(context).getDescription()).isEqualTo("tokengate is misconfigured:"
              + " Properties ['tokengate.scope-rules[0]'] are set, but only tokengate's servlet filter reads them,"
              + " and a reactive (WebFlux) application has none: they would be ignored, and scope-rules would go"
              + " unenforced"));
    }

    @Test
    void propertiesWithoutIssuer_failSayingTokengateIsOff() {
      new ReactiveWebApplicationContextRunner().withConfiguration(ALL)
          .withUserConfiguration(ReactiveResourceServerChain.class).withPropertyValues("tokengate.audiences=api")
          .run(context -> assertThat(analysis(context).getDescription()).startsWith("tokengate is misconfigured:"
              + " Properties ['tokengate.audiences'] are set but tokengate is not switched on"));
    }

    @Test
    void ownValidator_nextToPropertiesItWouldIgnore_fails() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class, OwnValidator.class)
          .run(context -> assertThat(analysis(context).getDescription()).startsWith("tokengate is misconfigured:"
              + " Properties ['tokengate.issuer', 'tokengate.audiences'] are set, but the application's own"
              + " [TokenValidator 'ownValidator'] replaces them"));
    }

    @Test
    void misspelledProperty_stillFails() {
      runner.withUserConfiguration(ReactiveResourceServerChain.class).withPropertyValues("tokengate.audience=api")
          .run(context -> assertThat(analysis(context).getDescription())
              .startsWith("tokengate is misconfigured: Property 'tokengate.audience' is not a tokengate property"));
    }
  }

  private static FailureAnalysis analysis(ApplicationContextAssertProvider<?> context) {
    assertThat(context).hasFailed();
    FailureAnalysis analysis = new TokenGateFailureAnalyzer().analyze(context.getStartupFailure());
    assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
    return analysis;
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  static class ResourceServerChain {
    @Bean
    SecurityFilterChain resourceServer(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  static class PlainChain {
    @Bean
    SecurityFilterChain plain(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated()).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFluxSecurity
  static class ReactiveResourceServerChain {
    @Bean
    SecurityWebFilterChain resourceServer(ServerHttpSecurity http) {
      return http.authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFluxSecurity
  static class ReactivePlainChain {
    @Bean
    SecurityWebFilterChain plain(ServerHttpSecurity http) {
      return http.authorizeExchange(exchanges -> exchanges.anyExchange().authenticated()).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnValidator {
    @Bean(destroyMethod = "close")
    dev.tokengate.TokenValidator ownValidator() {
      return dev.tokengate.TokenValidator.create(
          dev.tokengate.TokenGateConfig.builder().issuer(ISSUER).audiences("own").build());
    }
  }

  @RestController
  static class ScopedController {
    @GetMapping("/scoped")
    @RequiredScope("orders:read")
    String scoped() {
      return "scoped";
    }
  }
}
