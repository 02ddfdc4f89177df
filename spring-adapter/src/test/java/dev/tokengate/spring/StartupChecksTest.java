package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.TokenValidator;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The starter never switches itself off silently: it protects the application, or start-up fails saying why. */
class StartupChecksTest {
  private static final String ISSUER = "https://login.example.com/realms/api";

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
          TokenGateAutoConfiguration.class));

  @Nested
  class UnknownProperties {
    @Test
    void misspelledName_failsNamingTheNearestKnownName() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
              "tokengate.typ-polciy=strict"),
          "tokengate.typ-polciy",
          "tokengate is misconfigured: Property 'tokengate.typ-polciy' is not a tokengate property: did you mean"
              + " 'tokengate.typ-policy'?",
          "Rename 'tokengate.typ-polciy' to 'tokengate.typ-policy', or remove it.");
    }

    @Test
    void singularOfAList_suggestsTheList() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
              "tokengate.public-path=/health"),
          "tokengate.public-path",
          "tokengate is misconfigured: Property 'tokengate.public-path' is not a tokengate property: did you mean"
              + " 'tokengate.public-paths'?", null);
    }

    @Test
    void nestedName_suggestsTheNestedName() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
              "tokengate.filter.url-pattern=/api/*"),
          "tokengate.filter.url-pattern",
          "tokengate is misconfigured: Property 'tokengate.filter.url-pattern' is not a tokengate property: did you"
              + " mean 'tokengate.filter.url-patterns'?", null);
    }

    @Test
    void nameInAListEntry_suggestsTheNameInTheSameEntry() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
              "tokengate.issuers[1].issuer=https://partner.example.net", "tokengate.issuers[1].audiance=partner"),
          "tokengate.issuers[1].audiance",
          "tokengate is misconfigured: Property 'tokengate.issuers[1].audiance' is not a tokengate property: did you"
              + " mean 'tokengate.issuers[1].audiences'?", null);
    }

    @Test
    void misspelledIssuer_nextToAudiences_failsNamingTheIssuer() {
      assertFailure(runner.withPropertyValues("tokengate.isuer=" + ISSUER, "tokengate.audiences=api"),
          "tokengate.isuer",
          "tokengate is misconfigured: Property 'tokengate.isuer' is not a tokengate property: did you mean"
              + " 'tokengate.issuer'?", null);
    }

    @Test
    void nameFarFromAnyKnownOne_listsTheKnownNames() {
      runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.colour=blue")
          .run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription())
                .isEqualTo("tokengate is misconfigured: Property 'tokengate.colour' is not a tokengate property");
            assertThat(analysis.getAction()).startsWith("Remove 'tokengate.colour' or correct its name. The tokengate"
                + " properties are: ").contains("tokengate.typ-policy", "tokengate.issuers[].audiences",
                "tokengate.filter.url-patterns", "tokengate.management.protect");
          });
    }

    @Test
    void valueUnderAScalar_isUnknown() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
              "tokengate.realm.name=x"),
          "tokengate.realm.name",
          "tokengate is misconfigured: Property 'tokengate.realm.name' is not a tokengate property", null);
    }

    @Test
    void relaxedSpellingsOfKnownNames_bind() {
      runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences[0]=api",
          "tokengate.typPolicy=strict", "tokengate.CLOCK_SKEW=10s", "tokengate.filter.urlPatterns=/api/*",
          "tokengate.issuers[0].jwksUri=https://partner.example.net/keys",
          "tokengate.issuers[0].issuer=https://partner.example.net").run(context -> {
            assertThat(context).hasNotFailed();
            TokenGateConfig config = context.getBean(TokenGateConfig.class);
            assertThat(config.typPolicy()).isEqualTo(TokenTypePolicy.STRICT);
            assertThat(config.clockSkew()).hasSeconds(10);
            assertThat(config.trustedIssuers()).hasSize(2);
          });
    }

    @Test
    void environmentVariables_ofKnownNames_bind() {
      runner.withInitializer(variables(Map.of("TOKENGATE_ISSUER", ISSUER, "TOKENGATE_AUDIENCES", "api",
          "TOKENGATE_TYPPOLICY", "strict", "TOKENGATE_ISSUERS_0_ISSUER", "https://partner.example.net",
          "TOKENGATE_FILTER_URLPATTERNS", "/api/*"))).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(TokenGateConfig.class).typPolicy()).isEqualTo(TokenTypePolicy.STRICT);
            assertThat(context.getBean(TokenGateConfig.class).trustedIssuers()).hasSize(2);
          });
    }

    // TOKENGATE_TYP_POLICY is tokengate.typ.policy to Spring Boot, and would be ignored: refused, with the spelling
    // that binds.
    @Test
    void environmentVariable_ofAnUnknownName_failsNamingTheVariableThatBinds() {
      assertFailure(runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api")
              .withInitializer(variables(Map.of("TOKENGATE_TYP_POLICY", "strict"))),
          "tokengate.typ.policy",
          "tokengate is misconfigured: Property 'tokengate.typ.policy' (environment variable TOKENGATE_TYP_POLICY) is"
              + " not a tokengate property: did you mean 'tokengate.typ-policy'?",
          "Rename 'tokengate.typ.policy' (environment variable TOKENGATE_TYP_POLICY) to 'tokengate.typ-policy'"
              + " (environment variable TOKENGATE_TYPPOLICY), or remove it.");
    }

    @Test
    void kubernetesServiceLinkVariables_ofAServiceNamedTokengate_areNotProperties() {
      runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api")
          .withInitializer(variables(Map.of("TOKENGATE_SERVICE_HOST", "10.0.0.7", "TOKENGATE_SERVICE_PORT", "80",
              "TOKENGATE_SERVICE_PORT_HTTP", "80", "TOKENGATE_PORT", "tcp://10.0.0.7:80",
              "TOKENGATE_PORT_80_TCP", "tcp://10.0.0.7:80", "TOKENGATE_PORT_80_TCP_ADDR", "10.0.0.7",
              "TOKENGATE_API_SERVICE_HOST", "10.0.0.8")))
          .run(context -> assertThat(context).hasNotFailed().hasSingleBean(TokenValidator.class));
    }
  }

  @Nested
  class SwitchedOn {
    @Test
    void byAUsersConfigBean_withoutAnyProperty() {
      runner.withUserConfiguration(OwnConfig.class).run(context -> {
        assertThat(context).hasNotFailed().hasSingleBean(TokenValidator.class)
            .hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
        assertThat(context.getBean(TokenValidator.class).config().audiences()).containsExactly("own");
      });
    }

    @Test
    void byAUsersValidatorBean_withoutAnyProperty() {
      runner.withUserConfiguration(OwnValidator.class).run(context ->
          assertThat(context).hasNotFailed().hasBean("ownValidator").doesNotHaveBean(TokenGateConfig.class)
              .hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME));
    }

    @Test
    @SuppressWarnings("unchecked") // the raw FilterRegistrationBean's url patterns
    void byAUsersConfigBean_whichTheFilterPropertiesStillMap() {
      runner.withUserConfiguration(OwnConfig.class).withPropertyValues("tokengate.filter.url-patterns=/api/*")
          .run(context -> assertThat(context).hasNotFailed()
              .getBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME,
                  org.springframework.boot.web.servlet.FilterRegistrationBean.class)
              .extracting(registration -> List.copyOf(registration.getUrlPatterns()))
              .isEqualTo(List.of("/api/*")));
    }

    @Test
    void aUsersConfigBean_nextToPropertiesItWouldIgnore_fails() {
      assertFailure(runner.withUserConfiguration(OwnConfig.class)
              .withPropertyValues("tokengate.scope-rules=GET /api/*=admin", "tokengate.filter.order=3"),
          "tokengate.scope-rules",
          "tokengate is misconfigured: Properties ['tokengate.scope-rules'] are set, but the application's own"
              + " [TokenGateConfig 'ownConfig'] replaces them, so they would be ignored",
          "Build these settings into [TokenGateConfig 'ownConfig'] and remove the properties, or remove the bean and"
              + " configure tokengate with the properties alone. Next to your own TokenGateConfig or TokenValidator"
              + " bean only tokengate.filter.*, tokengate.management.* and tokengate.security.* are read.");
    }

    @Test
    void aUsersValidatorBean_nextToAnIssuerProperty_fails() {
      assertFailure(runner.withUserConfiguration(OwnValidator.class).withPropertyValues("tokengate.issuer=" + ISSUER),
          "tokengate.issuer",
          "tokengate is misconfigured: Properties ['tokengate.issuer'] are set, but the application's own"
              + " [TokenValidator 'ownValidator'] replaces them, so they would be ignored", null);
    }
  }

  @Nested
  class SwitchedOff {
    @Test
    void noTokengateAtAll_startsWithoutIt() {
      runner.withUserConfiguration(Unannotated.class).run(context ->
          assertThat(context).hasNotFailed().doesNotHaveBean(TokenValidator.class));
    }

    @Test
    void propertiesWithoutAnIssuer_fail() {
      assertFailure(runner.withPropertyValues("tokengate.audiences=api", "tokengate.public-paths=/health"),
          "tokengate.issuer",
          "tokengate is misconfigured: Properties ['tokengate.audiences', 'tokengate.public-paths'] are set but"
              + " tokengate is not switched on: neither 'tokengate.issuer' nor 'tokengate.issuers[N].issuer' is set"
              + " and there is no TokenGateConfig or TokenValidator bean, so no request would be checked",
          "Set 'tokengate.issuer' to your authorization server's issuer URL and 'tokengate.audiences' to this API's"
              + " audience (or list issuers under 'tokengate.issuers[N].issuer', or define a TokenGateConfig bean);"
              + " or remove the tokengate.* properties if this application is not to be protected.");
    }

    @Test
    void onlyTheFilterMapping_fails() {
      assertFailure(runner.withPropertyValues("tokengate.filter.url-patterns=/api/*"), "tokengate.issuer",
          "tokengate is misconfigured: Properties ['tokengate.filter.url-patterns'] are set but tokengate is not"
              + " switched on: neither 'tokengate.issuer' nor 'tokengate.issuers[N].issuer' is set and there is no"
              + " TokenGateConfig or TokenValidator bean, so no request would be checked", null);
    }

    @Test
    void requiredScopeOnAController_fails() {
      assertFailure(runner.withUserConfiguration(ScopedController.class), "tokengate.issuer",
          "tokengate is misconfigured: @RequiredScope is on [" + ScopedController.class.getName() + "] but tokengate"
              + " is not switched on: neither 'tokengate.issuer' nor 'tokengate.issuers[N].issuer' is set and there"
              + " is no TokenGateConfig or TokenValidator bean, so these handlers would answer without any token"
              + " check",
          "Set 'tokengate.issuer' to your authorization server's issuer URL and 'tokengate.audiences' to this API's"
              + " audience (or list issuers under 'tokengate.issuers[N].issuer', or define a TokenGateConfig"
              + " bean).");
    }

    @Test
    void metaAnnotatedHandlerMethod_fails() {
      runner.withUserConfiguration(MetaAnnotatedHandler.class).run(context ->
          assertThat(analysis(context).getDescription())
              .contains("@RequiredScope is on [" + MetaAnnotatedHandler.class.getName() + ".delete()]"));
    }

    @Test
    void requiredScopeOnAControllerDeclaredAsABeanMethod_fails() {
      runner.withUserConfiguration(ControllerBeanMethod.class).run(context ->
          assertThat(analysis(context).getDescription())
              .contains("@RequiredScope is on [" + ScopedController.class.getName() + "]"));
    }

    @Test
    void tokengateAutoConfigurationExcluded_withItsProperties_fails() {
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class))
          .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api")
          .run(context -> assertThat(analysis(context).getDescription())
              .startsWith("tokengate is misconfigured: Properties ['tokengate.issuer', 'tokengate.audiences'] are set"
                  + " but tokengate is not switched on"));
    }
  }

  @Nested
  class NotAServletApplication {
    // Without Spring Security's reactive resource server, where tokengate could be the ReactiveJwtDecoder.
    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
        .withClassLoader(new FilteredClassLoader(
            org.springframework.security.config.web.server.ServerHttpSecurity.class))
        .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
            TokenGateAutoConfiguration.class));

    @Test
    void reactiveApplication_withProperties_failsSayingServletIsRequired() {
      assertFailure(reactive.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api"),
          "tokengate",
          "tokengate is misconfigured: tokengate needs a servlet web application (Spring MVC), or, in a reactive web"
              + " application (WebFlux), Spring Security's resource server, where tokengate is its ReactiveJwtDecoder;"
              + " this is a reactive web application without Spring Security's resource server, where no request"
              + " would be checked; the application uses tokengate through properties ['tokengate.issuer',"
              + " 'tokengate.audiences']",
          "Add spring-boot-starter-security and spring-security-oauth2-resource-server and configure"
              + " oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults())) in a SecurityWebFilterChain; or run the"
              + " application as a servlet web application (spring-boot-starter-webmvc, or"
              + " spring.main.web-application-type=servlet); or remove the tokengate starter and its properties,"
              + " beans and annotations from this application.");
    }

    @Test
    void reactiveApplication_withAConfigBean_fails() {
      reactive.withUserConfiguration(OwnConfig.class).run(context ->
          assertThat(analysis(context).getDescription())
              .endsWith("the application uses tokengate through beans [TokenGateConfig 'ownConfig']"));
    }

    @Test
    void reactiveApplication_withRequiredScope_fails() {
      reactive.withUserConfiguration(ScopedController.class).run(context ->
          assertThat(analysis(context).getDescription())
              .endsWith("through @RequiredScope on [" + ScopedController.class.getName() + "]"));
    }

    @Test
    void reactiveApplication_withoutTokengate_starts() {
      reactive.run(context -> assertThat(context).hasNotFailed());
    }

    // Not a web application: nothing listens for requests, so there is nothing to protect.
    @Test
    void nonWebApplication_withProperties_startsWithoutTokengate() {
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
              TokenGateAutoConfiguration.class))
          .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api")
          .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(TokenValidator.class));
    }
  }

  static ApplicationContextInitializer<ConfigurableApplicationContext> variables(Map<String, Object> variables) {
    return context -> context.getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
        "test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
  }

  private static FailureAnalysis analysis(ApplicationContextAssertProvider<?> context) {
    assertThat(context).hasFailed();
    FailureAnalysis analysis = new TokenGateFailureAnalyzer().analyze(context.getStartupFailure());
    assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
    return analysis;
  }

  private static void assertFailure(WebApplicationContextRunner runner, String property, String description,
      String action) {
    runner.run(context -> assertAnalysis(context, property, description, action));
  }

  private static void assertFailure(ReactiveWebApplicationContextRunner runner, String property, String description,
      String action) {
    runner.run(context -> assertAnalysis(context, property, description, action));
  }

  private static void assertAnalysis(ApplicationContextAssertProvider<?> context, String property, String description,
      String action) {
    FailureAnalysis analysis = analysis(context);
    assertThat(analysis.getDescription()).isEqualTo(description);
    assertThat(((InvalidTokenGatePropertyException) analysis.getCause()).property()).isEqualTo(property);
    if (action != null) {
      assertThat(analysis.getAction()).isEqualTo(action);
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnConfig {
    @Bean
    TokenGateConfig ownConfig() {
      return TokenGateConfig.builder().issuer(ISSUER).audiences("own").build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnValidator {
    @Bean(destroyMethod = "close")
    TokenValidator ownValidator() {
      return TokenValidator.create(TokenGateConfig.builder().issuer(ISSUER).audiences("own").build());
    }
  }

  @RestController
  static class Unannotated {
    @GetMapping("/x")
    String x() {
      return "x";
    }
  }

  @RestController
  @RequiredScope("admin")
  static class ScopedController {
    @GetMapping("/admin")
    String admin() {
      return "admin";
    }
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RequiredScope("orders:delete")
  @interface CanDelete {}

  @RestController
  static class MetaAnnotatedHandler {
    @GetMapping("/list")
    String list() {
      return "list";
    }

    @CanDelete
    @GetMapping("/delete")
    String delete() {
      return "deleted";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class ControllerBeanMethod {
    @Bean
    ScopedController scopedController() {
      return new ScopedController();
    }
  }
}
