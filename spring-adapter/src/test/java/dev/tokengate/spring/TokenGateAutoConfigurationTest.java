package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.ScopeRule;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.TokenValidator;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

class TokenGateAutoConfigurationTest {
  private static final String ISSUER = "https://login.example.com/realms/api";

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TokenGateSafetyAutoConfiguration.class,
          TokenGateAutoConfiguration.class));

  // With tokengate.* properties but no issuer it fails instead: StartupChecksTest.
  @Test
  void withoutAnyTokengateProperty_backsOff() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(TokenValidator.class);
      assertThat(context).doesNotHaveBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
    });
  }

  @Test
  void dpopProperties_reachTheConfig_andADpopReplayStoreBeanReplacesTheInProcessOne() {
    dev.tokengate.spi.DpopReplayStore shared = (proofId, lifetime) -> true;
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.dpop-mode=required",
            "tokengate.dpop-proof-max-age=30s", "tokengate.dpop-external-base-url=https://api.example.com")
        .withBean(dev.tokengate.spi.DpopReplayStore.class, () -> shared)
        .run(context -> {
          TokenGateConfig config = context.getBean(TokenGateConfig.class);
          assertThat(config.trustedIssuers().get(0).dpopMode()).isEqualTo(dev.tokengate.DpopMode.REQUIRED);
          assertThat(config.dpopProofMaxAge()).isEqualTo(java.time.Duration.ofSeconds(30));
          assertThat(config.dpopExternalBaseUrl()).hasValue(java.net.URI.create("https://api.example.com"));
          assertThat(config.dpopReplayStore()).containsSame(shared);
        });
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.dpop-mode=allowed")
        .run(context -> assertThat(context.getBean(TokenGateConfig.class).dpopReplayStore()).isPresent());
  }

  @Test
  void outsideAServletWebApplication_backsOff() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(TokenGateAutoConfiguration.class))
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(TokenValidator.class));
  }

  @Test
  void withIssuerAndAudience_registersTheFilterOnEveryPathAheadOfSpringSecurity() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(TokenGateConfig.class).hasSingleBean(TokenValidator.class);
      FilterRegistrationBean<?> registration = registration(context.getBean(
          TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class));
      assertThat(registration.getFilter()).isInstanceOf(TokenGateFilter.class);
      assertThat(registration.getUrlPatterns()).containsExactly("/*");
      assertThat(registration.getOrder()).isEqualTo(-110);
      assertThat(registration.getFilterName()).isEqualTo("tokengate");
      assertThat(registration.determineDispatcherTypes()).containsExactlyInAnyOrder(DispatcherType.REQUEST,
          DispatcherType.ASYNC, DispatcherType.FORWARD, DispatcherType.INCLUDE, DispatcherType.ERROR);
      assertThat(registration.isAsyncSupported()).isTrue();
      assertThat(context).doesNotHaveBean(TokenGateAutoConfiguration.FIREWALL_REGISTRATION_BEAN_NAME);
      assertThat(context.getBean(TokenValidator.class).config().issuer()).isEqualTo(ISSUER);
    });
  }

  @Test
  void theValidator_isClosedWithTheContext_stoppingItsKeyRefreshThreads() throws InterruptedException {
    Set<Thread> before = refreshThreads();
    try (TestIssuer issuer = TestIssuer.start()) {
      runner.withPropertyValues("tokengate.issuer=" + issuer.issuer(), "tokengate.audiences=api").run(context -> {
        assertThat(context).hasNotFailed();
        // The validator loads the keys in the background from creation; wait until it has.
        assertThat(poll(() -> context.getBean(TokenValidator.class).health().get(0).keysLoaded() > 0)).isTrue();
        assertThat(refreshThreads()).isNotEqualTo(before);
      });
      assertThat(poll(() -> before.containsAll(refreshThreads()))).as("refresh threads stopped").isTrue();
    }
  }

  private static Set<Thread> refreshThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().startsWith("tokengate-jwks-") && thread.isAlive())
        .collect(Collectors.toSet());
  }

  // A bounded wait for a background thread to act; never a fixed sleep.
  private static boolean poll(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  @Test
  void issuersList_alone_switchesItOn() {
    runner.withPropertyValues("tokengate.issuers[0].issuer=" + ISSUER, "tokengate.issuers[0].audiences=api")
        .run(context -> {
          assertThat(context).hasNotFailed().hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
          assertThat(context.getBean(TokenGateConfig.class).trustedIssuers())
              .containsExactly(TrustedIssuer.of(ISSUER, "api"));
        });
  }

  @Test
  void issuersList_isMappedAfterTheSingleIssuer() {
    runner.withPropertyValues(
        "tokengate.issuer=" + ISSUER,
        "tokengate.audiences=api",
        "tokengate.issuers[0].issuer=https://partner.example.net",
        "tokengate.issuers[0].audiences=api,partner-gateway",
        "tokengate.issuers[0].jwks-uri=https://partner.example.net/keys",
        "tokengate.issuers[1].issuer=https://third.example.org").run(context ->
            assertThat(context.getBean(TokenGateConfig.class).trustedIssuers()).containsExactly(
                TrustedIssuer.of(ISSUER, "api"),
                TrustedIssuer.of("https://partner.example.net", "api", "partner-gateway")
                    .withJwksUri(URI.create("https://partner.example.net/keys")),
                TrustedIssuer.of("https://third.example.org", "api")));
  }

  @Test
  void filterMapping_comesFromProperties() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "tokengate.filter.url-patterns=/api/*,/admin/*", "tokengate.filter.order=5").run(context -> {
          FilterRegistrationBean<?> registration = context.getBean(
              TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class);
          assertThat(registration.getUrlPatterns()).containsExactly("/api/*", "/admin/*");
          assertThat(registration.getOrder()).isEqualTo(5);
          FilterRegistrationBean<?> firewall = context.getBean(
              TokenGateAutoConfiguration.FIREWALL_REGISTRATION_BEAN_NAME, FilterRegistrationBean.class);
          assertThat(firewall.getUrlPatterns()).containsExactly("/*");
          assertThat(firewall.getOrder()).isEqualTo(5);
        });
  }

  @Test
  void everySetting_isBoundAndMappedOntoTheConfig() {
    runner.withPropertyValues(
        "tokengate.issuer=" + ISSUER,
        "tokengate.jwks-uri=https://login.example.com/keys",
        "tokengate.audiences=orders-api, billing-api",
        "tokengate.algorithms=RS256,HS256",
        "tokengate.shared-secret=0123456789abcdef0123456789abcdef",
        "tokengate.clock-skew=30s",
        "tokengate.typ-policy=strict",
        "tokengate.client-id-claims=azp,client_id",
        "tokengate.scope-claims=scope,roles",
        "tokengate.public-paths=/health,/public/*",
        "tokengate.scope-rules[0]=GET /api/countries/*=countries:read",
        "tokengate.scope-rules[1]=/api/orders/*=orders:write audit",
        "tokengate.realm=orders",
        "tokengate.max-token-length=4096",
        "tokengate.jwks-connect-timeout=500ms",
        "tokengate.jwks-read-timeout=PT3S",
        "tokengate.jwks-max-bytes=2048",
        "tokengate.jwks-cache-ttl=10m",
        "tokengate.jwks-min-cache-ttl=2m",
        "tokengate.jwks-max-cache-ttl=2h",
        "tokengate.jwks-refresh-rate-limit=1m",
        "tokengate.jwks-max-staleness=1d",
        "tokengate.allow-query-token=true",
        "tokengate.allow-form-token=true").run(context -> {
          TokenGateConfig config = context.getBean(TokenGateConfig.class);
          assertThat(config.issuer()).isEqualTo(ISSUER);
          assertThat(config.jwksUri()).contains(URI.create("https://login.example.com/keys"));
          assertThat(config.audiences()).containsExactly("orders-api", "billing-api");
          assertThat(config.algorithms()).containsExactly("RS256", "HS256");
          assertThat(config.sharedSecret()).isPresent();
          assertThat(config.clockSkew()).isEqualTo(Duration.ofSeconds(30));
          assertThat(config.typPolicy()).isEqualTo(TokenTypePolicy.STRICT);
          assertThat(config.clientIdClaims()).containsExactly("azp", "client_id");
          assertThat(config.scopeClaims()).containsExactly("scope", "roles");
          assertThat(config.publicPaths()).containsExactly("/health", "/public/*");
          assertThat(config.scopeRules()).containsExactly(
              new ScopeRule("GET", "/api/countries/*", Set.of("countries:read")),
              new ScopeRule(null, "/api/orders/*", Set.of("orders:write", "audit")));
          assertThat(config.realm()).isEqualTo("orders");
          assertThat(config.maxTokenLength()).isEqualTo(4096);
          assertThat(config.jwksConnectTimeout()).isEqualTo(Duration.ofMillis(500));
          assertThat(config.jwksReadTimeout()).isEqualTo(Duration.ofSeconds(3));
          assertThat(config.jwksMaxBytes()).isEqualTo(2048);
          assertThat(config.jwksCacheTtl()).isEqualTo(Duration.ofMinutes(10));
          assertThat(config.jwksMinCacheTtl()).isEqualTo(Duration.ofMinutes(2));
          assertThat(config.jwksMaxCacheTtl()).isEqualTo(Duration.ofHours(2));
          assertThat(config.jwksRefreshRateLimit()).isEqualTo(Duration.ofMinutes(1));
          assertThat(config.jwksMaxStaleness()).isEqualTo(Duration.ofDays(1));
          assertThat(config.allowQueryToken()).isTrue();
          assertThat(config.allowFormToken()).isTrue();
        });
  }

  @Test
  void defaults_areTheFilterModulesDefaults() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
      TokenGateConfig bound = context.getBean(TokenGateConfig.class);
      TokenGateConfig plain = TokenGateConfig.builder().issuer(ISSUER).audiences("api").build();
      assertThat(bound.toString()).isEqualTo(plain.toString());
      assertThat(bound.algorithms()).isEqualTo(plain.algorithms());
      assertThat(bound.clientIdClaims()).isEqualTo(plain.clientIdClaims());
      assertThat(bound.scopeClaims()).isEqualTo(plain.scopeClaims());
      assertThat(bound.maxTokenLength()).isEqualTo(plain.maxTokenLength());
      assertThat(bound.jwksConnectTimeout()).isEqualTo(plain.jwksConnectTimeout());
      assertThat(bound.jwksReadTimeout()).isEqualTo(plain.jwksReadTimeout());
      assertThat(bound.realm()).isEqualTo(plain.realm());
      assertThat(bound.jwksMaxBytes()).isEqualTo(plain.jwksMaxBytes());
      assertThat(bound.jwksCacheTtl()).isEqualTo(plain.jwksCacheTtl());
      assertThat(bound.jwksMinCacheTtl()).isEqualTo(plain.jwksMinCacheTtl());
      assertThat(bound.jwksMaxCacheTtl()).isEqualTo(plain.jwksMaxCacheTtl());
      assertThat(bound.jwksRefreshRateLimit()).isEqualTo(plain.jwksRefreshRateLimit());
      assertThat(bound.jwksMaxStaleness()).isEqualTo(plain.jwksMaxStaleness());
    });
  }

  @Test
  void aUsersConfig_replacesTheProperties() {
    runner.withUserConfiguration(OwnConfig.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(TokenValidator.class).config().audiences()).containsExactly("own");
    });
  }

  @Test
  void aUsersValidator_isUsedAndLeftToTheUser() {
    runner.withUserConfiguration(OwnValidator.class).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(TokenValidator.class).hasBean("ownValidator");
      assertThat(context).doesNotHaveBean(TokenGateConfig.class.getName());
    });
  }

  @Test
  void aUsersFilterRegistration_replacesOurs() {
    runner.withUserConfiguration(OwnRegistration.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasNotFailed().hasBean("ownRegistration");
          assertThat(context).doesNotHaveBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
        });
  }

  @Test
  void aUsersInterceptorAndResolver_replaceOurs() {
    runner.withUserConfiguration(OwnMvcBeans.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).getBean(RequiredScopeInterceptor.class).isSameAs(OwnMvcBeans.INTERCEPTOR);
          assertThat(context).getBean(ClientPrincipalArgumentResolver.class).isSameAs(OwnMvcBeans.RESOLVER);
        });
  }

  @Test
  void withSpringMvc_enforcesRequiredScopeAndResolvesThePrincipal() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context ->
        assertThat(context).hasSingleBean(RequiredScopeInterceptor.class)
            .hasSingleBean(ClientPrincipalArgumentResolver.class).hasBean("tokenGateWebMvcConfigurer"));
  }

  @Test
  void withoutSpringMvc_stillRegistersTheFilter() {
    runner.withClassLoader(new FilteredClassLoader(WebMvcConfigurer.class))
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasNotFailed().hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
          assertThat(context).doesNotHaveBean(RequiredScopeInterceptor.class);
        });
  }

  // --- failures: one per bad setting, asserting the exact message a user reads

  @Test
  void missingAudiences_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER),
        "tokengate.audiences",
        "tokengate is misconfigured: Property 'tokengate.audiences' is required: set it to the audience your issuer"
            + " puts in tokens for this API (the 'aud' claim), or set 'tokengate.allow-any-audience' to true if this"
            + " issuer issues tokens for this API alone");
  }

  @Test
  void blankIssuer_failsRatherThanRunningUnprotected() {
    assertFailure(List.of("tokengate.issuer=", "tokengate.audiences=api"),
        "tokengate.issuer",
        "tokengate is misconfigured: Property 'tokengate.issuer' is required: set it to your authorization server's"
            + " issuer URL, exactly as it appears in the tokens' 'iss' claim, e.g. https://login.example.com/realms/api");
  }

  @Test
  void relativeIssuer_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=login.example.com", "tokengate.audiences=api"),
        "tokengate.issuer",
        "tokengate is misconfigured: Property 'tokengate.issuer' must be an absolute http(s) URL such as"
            + " https://login.example.com, was 'login.example.com'");
  }

  @Test
  void audiencesAndAllowAnyAudience_contradict() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.allow-any-audience=true"),
        "tokengate.audiences",
        "tokengate is misconfigured: Properties 'tokengate.audiences' and 'tokengate.allow-any-audience' contradict"
            + " each other: remove one of them");
  }

  @Test
  void tooLargeClockSkew_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.clock-skew=10m"),
        "tokengate.clock-skew",
        "tokengate is misconfigured: Property 'tokengate.clock-skew' must be between 0s and 5m, was PT10M");
  }

  @Test
  void refreshBurstAndSnapshotDirectory_areBound() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "tokengate.jwks-refresh-burst=4", "tokengate.jwks-snapshot-directory=target/tokengate-keys").run(context -> {
          TokenGateConfig config = context.getBean(TokenGateConfig.class);
          assertThat(config.jwksRefreshBurst()).isEqualTo(4);
          assertThat(config.jwksSnapshotDirectory()).hasValue(java.nio.file.Path.of("target/tokengate-keys"));
        });
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context ->
        assertThat(context.getBean(TokenGateConfig.class).jwksSnapshotDirectory()).isEmpty());
  }

  @Test
  void tooLargeRefreshBurst_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.jwks-refresh-burst=11"),
        "tokengate.jwks-refresh-burst",
        "tokengate is misconfigured: Property 'tokengate.jwks-refresh-burst' must be between 1 and 10, was 11");
  }

  @Test
  void unknownAlgorithm_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.algorithms=none"),
        "tokengate.algorithms",
        "tokengate is misconfigured: Property 'tokengate.algorithms' names unknown or unsupported algorithm 'none';"
            + " supported are [ES256, ES384, ES512, Ed25519, EdDSA, PS256, PS384, PS512, RS256, RS384, RS512] and,"
            + " with 'tokengate.shared-secret', [HS256, HS384, HS512]");
  }

  @Test
  void hmacWithoutSecret_failsNamingBothProperties() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.algorithms=HS256"),
        "tokengate.algorithms",
        "tokengate is misconfigured: Property 'tokengate.algorithms' lists an HS* algorithm but"
            + " 'tokengate.shared-secret' is not set: set the secret your issuer signs with, or remove"
            + " HS256/HS384/HS512 from 'tokengate.algorithms'");
  }

  @Test
  void badScopeRule_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.scope-rules=/api/x"),
        "tokengate.scope-rules",
        "tokengate is misconfigured: Property 'tokengate.scope-rules': expected '[METHOD] /path=scope1 scope2', e.g."
            + " 'GET /api/countries/*=countries:read', was '/api/x'");
  }

  @Test
  void badPublicPath_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.public-paths=health"),
        "tokengate.public-paths",
        "tokengate is misconfigured: Property 'tokengate.public-paths' entries must start with '/' or '*.', was"
            + " 'health'");
  }

  @Test
  void emptyUrlPatterns_failNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api", "tokengate.filter.url-patterns="),
        "tokengate.filter.url-patterns",
        "tokengate is misconfigured: Property 'tokengate.filter.url-patterns' must name at least one servlet"
            + " url-pattern, e.g. /*");
  }

  @Test
  void issuersEntryWithoutIssuer_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.issuers[0].audiences=partner"),
        "tokengate.issuers[0].issuer",
        "tokengate is misconfigured: Property 'tokengate.issuers[0].issuer' is required when other"
            + " 'tokengate.issuers[0].' properties are set: set it to the issuer URL, exactly as in the tokens' 'iss'"
            + " claim");
  }

  @Test
  void issuersEntryWithARelativeIssuer_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.audiences=api", "tokengate.issuers[0].issuer=partner.example.net"),
        "tokengate.issuers[0].issuer",
        "tokengate is misconfigured: Property 'tokengate.issuers[0].issuer' must be an absolute http(s) URL such as"
            + " https://login.example.com, was 'partner.example.net'");
  }

  @Test
  void issuersEntryWithoutAnyAudience_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuers[0].issuer=" + ISSUER),
        "tokengate.issuers[0].audiences",
        "tokengate is misconfigured: Property 'tokengate.issuers[0].audiences' is required: set it to the audience"
            + " this issuer puts in tokens for this API, or set 'tokengate.audiences' for every issuer");
  }

  @Test
  void repeatedIssuer_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.issuers[0].issuer=" + ISSUER),
        "tokengate.issuers[0].issuer",
        "tokengate is misconfigured: Property 'tokengate.issuers[0].issuer' repeats the trusted issuer '" + ISSUER
            + "': list each issuer once");
  }

  @Test
  void jwksMinCacheTtlAboveMax_failsNamingTheProperty() {
    assertFailure(List.of("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
            "tokengate.jwks-min-cache-ttl=2h"),
        "tokengate.jwks-min-cache-ttl",
        "tokengate is misconfigured: Property 'tokengate.jwks-min-cache-ttl' (PT2H) is longer than"
            + " 'tokengate.jwks-max-cache-ttl' (PT1H): make the minimum at most the maximum");
  }

  @Test
  void failureAnalysis_saysWhatToDo() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER).run(context -> {
      FailureAnalysis analysis = new TokenGateFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis.getAction()).isEqualTo("Correct the property 'tokengate.audiences' in your application"
          + " configuration (application.properties, application.yaml or the environment). Every tokengate.*"
          + " property is listed in the tokengate README.");
    });
  }

  private void assertFailure(List<String> properties, String property, String description) {
    runner.withPropertyValues(properties.toArray(String[]::new)).run(context -> {
      assertThat(context).hasFailed();
      FailureAnalysis analysis = new TokenGateFailureAnalyzer().analyze(context.getStartupFailure());
      assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
      assertThat(analysis.getDescription()).isEqualTo(description);
      assertThat(analysis.getAction()).contains("'" + property + "'");
    });
  }

  private static FilterRegistrationBean<?> registration(FilterRegistrationBean<?> bean) {
    return bean;
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

  @Configuration(proxyBeanMethods = false)
  static class OwnRegistration {
    @Bean
    FilterRegistrationBean<TokenGateFilter> ownRegistration(TokenValidator validator) {
      return new FilterRegistrationBean<>(new TokenGateFilter(validator));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMvcBeans {
    static final RequiredScopeInterceptor INTERCEPTOR =
        new RequiredScopeInterceptor("own", new TokenGateAutoConfiguration.CompositeListener(List.of()));
    static final ClientPrincipalArgumentResolver RESOLVER = new ClientPrincipalArgumentResolver();

    @Bean
    RequiredScopeInterceptor ownInterceptor() {
      return INTERCEPTOR;
    }

    @Bean
    ClientPrincipalArgumentResolver ownResolver() {
      return RESOLVER;
    }
  }
}
