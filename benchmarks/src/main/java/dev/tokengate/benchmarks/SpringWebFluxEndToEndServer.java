package dev.tokengate.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Profile;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The WebFlux server behind {@code benchmarks/e2e-spring-security.sh}: a Spring Boot application on Reactor Netty
 * with a {@code GET /hello} controller, behind Spring Security's WebFlux resource server ({@code
 * oauth2ResourceServer(jwt)}, stateless), whose {@link ReactiveJwtDecoder} is either Spring's {@link
 * NimbusReactiveJwtDecoder} (same issuer and audience checks as {@link SpringEndToEndServer}'s) or the tokengate
 * starter's {@code TokenGateReactiveJwtDecoder}. Keys from the fixture's loopback JWKS.
 *
 * <p>Arguments: {@code webflux-spring-security} or {@code webflux-tokengate-decoder}, then the directory where it
 * writes {@code port} and the tokens (see {@link SpringEndToEndServer}). Exits by itself after {@code
 * bench.e2e.maxSeconds} (default 300). Only active under its own profile, so that {@link SpringEndToEndServer}'s
 * component scan leaves it out.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Profile(SpringWebFluxEndToEndServer.PROFILE)
@Import({SpringWebFluxEndToEndServer.Hello.class, SpringWebFluxEndToEndServer.ResourceServer.class,
    SpringWebFluxEndToEndServer.SpringDecoder.class})
public class SpringWebFluxEndToEndServer {
  static final String PROFILE = "webflux";
  static final String SPRING_SECURITY = "webflux-spring-security";
  static final String TOKENGATE_DECODER = "webflux-tokengate-decoder";

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : TOKENGATE_DECODER;
    Path dir = Path.of(args.length > 1 ? args[1] : "benchmarks/target/e2e-spring-security");
    Fixture fixture = EndToEndServer.prepare(dir, "SpringWebFluxEndToEndServer", 300);

    SpringApplication app = new SpringApplication(SpringWebFluxEndToEndServer.class);
    app.setWebApplicationType(WebApplicationType.REACTIVE);
    Map<String, Object> properties = new HashMap<>(Map.of(
        "server.address", "127.0.0.1",
        "server.port", "0",
        "bench.jwks-uri", fixture.jwksUri(),
        "logging.level.root", "WARN",
        "spring.main.banner-mode", "off"));
    switch (mode) {
      case SPRING_SECURITY -> app.setAdditionalProfiles(PROFILE, SPRING_SECURITY);
      case TOKENGATE_DECODER -> {
        properties.put("tokengate.issuer", Fixture.ISSUER);
        properties.put("tokengate.jwks-uri", fixture.jwksUri());
        properties.put("tokengate.audiences", Fixture.AUDIENCE);
        app.setAdditionalProfiles(PROFILE);
      }
      default -> throw new IllegalArgumentException(
          "mode must be " + SPRING_SECURITY + " or " + TOKENGATE_DECODER + ", not " + mode);
    }
    app.setDefaultProperties(properties);
    app.addListeners((WebServerInitializedEvent event) -> {
      try {
        Files.writeString(dir.resolve("port"), Integer.toString(event.getWebServer().getPort()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    app.run();
  }

  /** The endpoint; the same body as the servlet benchmark's. */
  @RestController
  @Profile(PROFILE)
  static class Hello {
    @GetMapping("/hello")
    Mono<String> hello(ServerWebExchange exchange) {
      return exchange.getPrincipal().map(principal -> "hello " + principal.getName()).defaultIfEmpty("hello world");
    }
  }

  /** Spring Security's WebFlux resource server: every exchange authenticated by a bearer JWT, nothing stored. */
  @Configuration(proxyBeanMethods = false)
  @Profile(PROFILE)
  @EnableWebFluxSecurity
  static class ResourceServer {
    @Bean
    SecurityWebFilterChain api(ServerHttpSecurity http) {
      return http.authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
          .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
          .csrf(ServerHttpSecurity.CsrfSpec::disable)
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(jwt -> { }))
          .build();
    }
  }

  /** Spring's own reactive decoder, for the webflux-spring-security mode; otherwise the starter's is used. */
  @Configuration(proxyBeanMethods = false)
  @Profile(SPRING_SECURITY)
  static class SpringDecoder {
    @Bean
    ReactiveJwtDecoder reactiveJwtDecoder(org.springframework.core.env.Environment environment) {
      NimbusReactiveJwtDecoder decoder =
          NimbusReactiveJwtDecoder.withJwkSetUri(environment.getRequiredProperty("bench.jwks-uri")).build();
      OAuth2TokenValidator<Jwt> audience = jwt -> jwt.getAudience() != null
          && jwt.getAudience().contains(Fixture.AUDIENCE)
          ? OAuth2TokenValidatorResult.success()
          : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "wrong audience", null));
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
          JwtValidators.createDefaultWithIssuer(Fixture.ISSUER), audience));
      return decoder;
    }
  }
}
