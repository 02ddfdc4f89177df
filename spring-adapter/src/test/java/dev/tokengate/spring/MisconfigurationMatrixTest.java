package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Every configuration, right or wrong, ends in one of two ways: tokengate protects the application (its validator and
 * its filter on every path the mapping names), or start-up fails with a message naming the property. No case starts
 * unprotected. Each case is a real context start of the starter's auto-configuration.
 */
class MisconfigurationMatrixTest {
  private static final String ISSUER = "https://login.example.com/realms/api";

  private static final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      // Spring MVC as in an application: its handler mappings are what @RequiredScope is checked against.
      .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
          TokenGateAutoConfiguration.class, DispatcherServletAutoConfiguration.class, WebMvcAutoConfiguration.class));

  /** A start: its properties and user beans, and the property a failure must name (null: it must protect). */
  record Case(String name, List<String> properties, List<Class<?>> beans, String failsNaming) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        protects("issuer and audiences", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api"),
        protects("issuers list alone", "tokengate.issuers[0].issuer=" + ISSUER, "tokengate.issuers[0].audiences=api"),
        protects("allow-any-audience", "tokengate.issuer=" + ISSUER, "tokengate.allow-any-audience=true"),
        protects("narrower url-patterns", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.filter.url-patterns=/api/*"),
        protects("camelCase names", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.typPolicy=strict", "tokengate.publicPaths=/health"),
        protectsWith("a TokenGateConfig bean, no properties", List.of(OwnConfig.class)),
        protectsWith("a TokenValidator bean, no properties", List.of(OwnValidator.class)),
        protectsWith("a TokenGateConfig bean and @RequiredScope", List.of(OwnConfig.class, Scoped.class)),
        protectsWith("a TokenGateConfig bean and filter properties", List.of(OwnConfig.class),
            "tokengate.filter.url-patterns=/api/*", "tokengate.management.protect=true"),
        protects("dpop required, with every dpop property", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.dpop-mode=required", "tokengate.dpop-algorithms=ES256,PS256", "tokengate.dpop-proof-max-age=30s",
            "tokengate.dpop-external-base-url=https://api.example.com", "tokengate.dpop-replay-cache-size=1000",
            "tokengate.issuers[0].issuer=https://b.example.com", "tokengate.issuers[0].dpop-mode=allowed"),
        protects("dpop nonces", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.dpop-mode=allowed",
            "tokengate.dpop-nonce=true", "tokengate.dpop-nonce-secret=0123456789abcdef0123456789abcdef",
            "tokengate.dpop-nonce-rotation=2m"),
        fails("dpop nonce without a secret", "tokengate.dpop-nonce-secret", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-mode=allowed", "tokengate.dpop-nonce=true"),
        protects("dpop-replay-store in-process, named", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.dpop-mode=required", "tokengate.dpop-replay-store=in-process",
            "tokengate.dpop-replay-cache-size=1000"),
        // This module's tests have no tokengate-redis on the class path: start-up names the property and the module.
        fails("dpop-replay-store redis without tokengate-redis", "tokengate.dpop-replay-store",
            "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.dpop-mode=required",
            "tokengate.dpop-replay-store=redis", "tokengate.redis.uri=redis://127.0.0.1:6379"),
        fails("redis.uri without dpop-replay-store", "tokengate.redis.uri", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-mode=required", "tokengate.redis.uri=redis://127.0.0.1:6379"),
        fails("misspelled redis property", "tokengate.redis.url", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-mode=required", "tokengate.redis.url=redis://127.0.0.1"),
        fails("misspelled dpop-mode", "tokengate.dpop-mdoe", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.dpop-mdoe=required"),
        fails("unknown dpop-mode value", "tokengate.dpop-mode", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-mode=on"),
        fails("dpop property while dpop is off", "tokengate.dpop-proof-max-age", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-proof-max-age=30s"),
        fails("dpop-mode without tokengate.issuer", "tokengate.dpop-mode", "tokengate.dpop-mode=allowed",
            "tokengate.issuers[0].issuer=" + ISSUER, "tokengate.issuers[0].audiences=api"),
        fails("unknown dpop algorithm", "tokengate.dpop-algorithms", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.dpop-mode=allowed", "tokengate.dpop-algorithms=HS256"),
        fails("issuer without audiences", "tokengate.audiences", "tokengate.issuer=" + ISSUER),
        fails("blank issuer", "tokengate.issuer", "tokengate.issuer=", "tokengate.audiences=api"),
        fails("relative issuer", "tokengate.issuer", "tokengate.issuer=login.example.com", "tokengate.audiences=api"),
        fails("misspelled issuer", "tokengate.isuer", "tokengate.isuer=" + ISSUER, "tokengate.audiences=api"),
        fails("audiences without issuer", "tokengate.issuer", "tokengate.audiences=api"),
        fails("only public paths", "tokengate.issuer", "tokengate.public-paths=/health"),
        fails("only management.protect", "tokengate.issuer", "tokengate.management.protect=false"),
        fails("misspelled typ-policy", "tokengate.typ-polciy", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.typ-polciy=strict"),
        fails("singular public-path", "tokengate.public-path", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.public-path=/health"),
        fails("singular url-pattern", "tokengate.filter.url-pattern", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.filter.url-pattern=/api/*"),
        fails("misspelled name in an issuers entry", "tokengate.issuers[0].audiance", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.issuers[0].issuer=https://b.example.com",
            "tokengate.issuers[0].audiance=b"),
        fails("an off switch that does not exist", "tokengate.enabled", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.enabled=false"),
        fails("issuers entry without issuer", "tokengate.issuers[0].issuer", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.issuers[0].audiences=b"),
        fails("empty url-patterns", "tokengate.filter.url-patterns", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.filter.url-patterns="),
        fails("relative url-pattern", "tokengate.filter.url-patterns", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.filter.url-patterns=api/*"),
        fails("clock skew too long", "tokengate.clock-skew", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.clock-skew=10m"),
        fails("unknown typ-policy value", "tokengate.typ-policy", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.typ-policy=strcit"),
        fails("unparseable filter order", "tokengate.filter.order", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.filter.order=first"),
        fails("HS256 without a secret", "tokengate.algorithms", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.algorithms=HS256"),
        protects("introspection", "tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.introspection-client-id=api", "tokengate.introspection-client-secret=s3cret",
            "tokengate.introspection-endpoint=https://login.example.com/introspect",
            "tokengate.introspection-client-authentication=client_secret_post",
            "tokengate.introspection-cache-max-ttl=10s", "tokengate.introspection-max-concurrency=4"),
        protects("introspection per issuer", "tokengate.issuers[0].issuer=" + ISSUER,
            "tokengate.issuers[0].audiences=api", "tokengate.issuers[0].introspection-client-id=api",
            "tokengate.issuers[0].introspection-client-secret=s3cret"),
        fails("introspection client id without a secret", "tokengate.introspection-client-secret",
            "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.introspection-client-id=api"),
        fails("issuers[0] introspection without a client id", "tokengate.issuers[0].introspection-client-id",
            "tokengate.issuers[0].issuer=" + ISSUER, "tokengate.issuers[0].audiences=api",
            "tokengate.issuers[0].introspection-client-secret=s3cret"),
        fails("introspection property without introspection", "tokengate.introspection-cache-max-ttl",
            "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.introspection-cache-max-ttl=10s"),
        fails("introspection cache ttl too long", "tokengate.introspection-cache-max-ttl", "tokengate.issuer=" + ISSUER,
            "tokengate.audiences=api", "tokengate.introspection-client-id=api",
            "tokengate.introspection-client-secret=s3cret", "tokengate.introspection-cache-max-ttl=2h"),
        fails("unknown introspection client authentication", "tokengate.introspection-client-authentication",
            "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.introspection-client-id=api",
            "tokengate.introspection-client-secret=s3cret",
            "tokengate.introspection-client-authentication=private_key_jwt"),
        fails("misspelled introspection property", "tokengate.introspection-client-secert",
            "tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.introspection-client-id=api",
            "tokengate.introspection-client-secert=s3cret"),
        failsWith("@RequiredScope without tokengate", "tokengate.issuer", List.of(Scoped.class)),
        failsWith("a TokenGateConfig bean and config properties", "tokengate.audiences", List.of(OwnConfig.class),
            "tokengate.audiences=api"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eitherProtectsOrFailsNamingTheProperty(Case c) {
    WebApplicationContextRunner start = runner.withPropertyValues(c.properties().toArray(String[]::new))
        .withUserConfiguration(c.beans().toArray(Class<?>[]::new));
    start.run(context -> {
      if (c.failsNaming() == null) {
        assertProtected(context);
      } else {
        assertFailsNaming(context, c.failsNaming());
      }
    });
  }

  @SuppressWarnings("rawtypes")
  private static void assertProtected(AssertableWebApplicationContext context) {
    assertThat(context).hasNotFailed().hasSingleBean(TokenValidator.class).hasSingleBean(RequiredScopeInterceptor.class);
    Map<String, FilterRegistrationBean> registrations = context.getBeansOfType(FilterRegistrationBean.class);
    assertThat(registrations.values()).filteredOn(registration -> registration.getFilter() instanceof TokenGateFilter)
        .singleElement().satisfies(registration -> assertThat(registration.isEnabled()).isTrue());
  }

  private static void assertFailsNaming(AssertableWebApplicationContext context, String property) {
    assertThat(context).hasFailed();
    Throwable failure = context.getStartupFailure();
    FailureAnalysis ours = new TokenGateFailureAnalyzer().analyze(failure);
    if (ours != null) {
      assertThat(((InvalidTokenGatePropertyException) ours.getCause()).property()).isEqualTo(property);
      assertThat(ours.getDescription()).contains("'" + property + "'");
    } else {
      // A value Spring Boot cannot convert: its own bind failure, whose analysis names the property too
      // ("Failed to bind properties under 'tokengate.typ-policy' to dev.tokengate.TokenTypePolicy").
      Throwable cause = failure;
      while (cause != null && !(cause instanceof BindException)) {
        cause = cause.getCause();
      }
      assertThat(cause).as("failure %s", failure).isInstanceOf(BindException.class);
      assertThat(((BindException) cause).getName()).hasToString(property);
    }
  }

  private static Case protects(String name, String... properties) {
    return new Case(name, Arrays.asList(properties), List.of(), null);
  }

  private static Case protectsWith(String name, List<Class<?>> beans, String... properties) {
    return new Case(name, Arrays.asList(properties), beans, null);
  }

  private static Case fails(String name, String property, String... properties) {
    return new Case(name, Arrays.asList(properties), List.of(), property);
  }

  private static Case failsWith(String name, String property, List<Class<?>> beans, String... properties) {
    return new Case(name, Arrays.asList(properties), beans, property);
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
  @RequiredScope("admin")
  static class Scoped {
    @GetMapping("/admin")
    String admin() {
      return "admin";
    }
  }
}
