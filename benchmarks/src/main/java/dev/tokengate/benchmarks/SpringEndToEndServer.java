package dev.tokengate.benchmarks;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server behind {@code benchmarks/e2e-spring.sh}: one Spring Boot application (embedded Tomcat on loopback) with
 * a {@code GET /hello} controller, protected either by the tokengate starter ({@code tokengate.issuer},
 * {@code tokengate.audiences}) or by Spring Security's resource server ({@code oauth2ResourceServer(jwt)} with a
 * {@link NimbusJwtDecoder} checking the same issuer and audience). Both read keys from the fixture's loopback JWKS.
 *
 * <p>Arguments: {@code tokengate} or {@code spring-security}, then a directory where it writes {@code port},
 * {@code token.txt}, {@code tokens-a.txt} and {@code tokens-b.txt} (10,000 distinct tokens each, reused while they have
 * an hour left). It exits
 * by itself after {@code bench.e2e.maxSeconds} (default 300).
 */
@SpringBootApplication
public class SpringEndToEndServer {
  static final String SPRING_SECURITY = "spring-security";
  static final String TOKENGATE = "tokengate";
  /** Spring Security's resource server with tokengate's JwtDecoder (the starter's, tokengate.filter.enabled=false). */
  static final String TOKENGATE_DECODER = "tokengate-decoder";
  /**
   * tokengate-decoder's configuration (the starter with its filter off, Spring Security's resource server) with a
   * decoder that does no work: each benchmark token's {@link Jwt} is built at start-up and found again by a map
   * lookup. What the same chain costs around any decoder, so its requests/s are the most that tokengate's decoder, or
   * any other, can reach behind {@code oauth2ResourceServer(jwt)} with the starter.
   */
  static final String CEILING = "spring-security-ceiling";

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : TOKENGATE;
    Path dir = Path.of(args.length > 1 ? args[1] : "benchmarks/target/e2e-spring");
    Fixture fixture = EndToEndServer.prepare(dir, "SpringEndToEndServer", 300);

    SpringApplication app = start(mode, fixture.jwksUri(), dir);
    app.addListeners((WebServerInitializedEvent event) -> {
      try {
        Files.writeString(dir.resolve("port"), Integer.toString(event.getWebServer().getPort()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    app.run();
  }

  /** The application for {@code mode}, listening on a free loopback port, not yet run. */
  static SpringApplication start(String mode, String jwksUri) {
    return start(mode, jwksUri, null);
  }

  /** {@link #start(String, String)}; {@code dir} holds the token files, which the ceiling's decoder reads. */
  static SpringApplication start(String mode, String jwksUri, Path dir) {
    SpringApplication app = new SpringApplication(SpringEndToEndServer.class);
    Map<String, Object> properties = new java.util.HashMap<>(Map.of(
        "server.address", "127.0.0.1",
        "server.port", "0",
        "bench.jwks-uri", jwksUri,
        "logging.level.root", "WARN",
        "spring.main.banner-mode", "off"));
    if (dir != null) {
      properties.put("bench.dir", dir.toAbsolutePath().toString());
    }
    if (!mode.equals(SPRING_SECURITY)) {
      properties.put("tokengate.issuer", Fixture.ISSUER);
      properties.put("tokengate.jwks-uri", jwksUri);
      properties.put("tokengate.audiences", Fixture.AUDIENCE);
    }
    switch (mode) {
      case TOKENGATE -> { }
      case SPRING_SECURITY -> app.setAdditionalProfiles(SPRING_SECURITY);
      // The ceiling has tokengate-decoder's configuration, so the same chain (the starter's bearer-token resolver and
      // answers included), with the ceiling's JwtDecoder bean in place of the starter's, which backs off.
      case TOKENGATE_DECODER, CEILING -> {
        properties.put("tokengate.filter.enabled", "false");
        app.setAdditionalProfiles(mode);
      }
      default -> throw new IllegalArgumentException(
          "mode must be tokengate, tokengate-decoder, spring-security or spring-security-ceiling, not " + mode);
    }
    app.setDefaultProperties(properties);
    return app;
  }


  /** The endpoint both configurations protect; the same body as the plain Jetty benchmark's. */
  @RestController
  static class Hello {
    @GetMapping("/hello")
    String hello(HttpServletRequest request) {
      return "hello " + (request.getRemoteUser() == null ? "world" : request.getRemoteUser());
    }
  }

  /**
   * Spring Security's resource server as its reference documentation configures it: every request authenticated by a
   * bearer JWT, no session, the default validators (expiry with 60 s skew, not-before) plus issuer and audience.
   */
  @Configuration(proxyBeanMethods = false)
  @Profile({SPRING_SECURITY, TOKENGATE_DECODER, CEILING})
  @EnableWebSecurity
  static class ResourceServer {
    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
      http.authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
          .csrf(csrf -> csrf.disable())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(jwt -> { }));
      return http.build();
    }
  }

  /** Spring's own decoder, for the spring-security mode; in tokengate-decoder mode the starter's is used. */
  @Configuration(proxyBeanMethods = false)
  @Profile(SPRING_SECURITY)
  static class SpringDecoder {
    @Bean
    JwtDecoder jwtDecoder(org.springframework.core.env.Environment environment) {
      NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(environment.getRequiredProperty("bench.jwks-uri"))
          .build();
      OAuth2TokenValidator<Jwt> audience = jwt -> jwt.getAudience() != null
          && jwt.getAudience().contains(Fixture.AUDIENCE)
          ? OAuth2TokenValidatorResult.success()
          : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "wrong audience", null));
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
          JwtValidators.createDefaultWithIssuer(Fixture.ISSUER), audience));
      return decoder;
    }
  }

  /**
   * The ceiling's decoder: the {@link Jwt} of each benchmark token (the repeated one and set A), made once at start-up
   * exactly as Spring's decoder converts claims, then answered by a map lookup and one comparison; any other token is
   * refused. It checks
   * nothing, so it is a measuring device only: what Spring Security's chain costs with a decoder that costs nothing.
   */
  @Configuration(proxyBeanMethods = false)
  @Profile(CEILING)
  static class CeilingDecoder {
    @Bean
    JwtDecoder jwtDecoder(org.springframework.core.env.Environment environment) throws Exception {
      Path dir = Path.of(environment.getRequiredProperty("bench.dir"));
      org.springframework.core.convert.converter.Converter<Map<String, Object>, Map<String, Object>> claims =
          org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter.withDefaults(Map.of());
      Map<String, Jwt> jwts = new java.util.HashMap<>();
      for (String file : new String[] {"token.txt", "tokens-a.txt"}) {
        for (String token : Files.readAllLines(dir.resolve(file))) {
          if (token.isBlank()) {
            continue;
          }
          com.nimbusds.jwt.SignedJWT parsed = com.nimbusds.jwt.SignedJWT.parse(token);
          Map<String, Object> header = parsed.getHeader().toJSONObject();
          Map<String, Object> converted = claims.convert(parsed.getJWTClaimsSet().toJSONObject());
          jwts.put(suffix(token), Jwt.withTokenValue(token).headers(h -> h.putAll(header)).claims(c -> c.putAll(converted))
              .build());
        }
      }
      return token -> {
        // Found by the token's last characters (part of its signature), then compared whole: cheaper than hashing
        // the whole ~1.5 KB string that the container made fresh for this request, and just as exact.
        Jwt jwt = jwts.get(suffix(token));
        if (jwt == null || !jwt.getTokenValue().equals(token)) {
          throw new org.springframework.security.oauth2.jwt.BadJwtException("not one of the benchmark's tokens");
        }
        return jwt;
      };
    }

    private static String suffix(String token) {
      return token.substring(Math.max(0, token.length() - 32));
    }
  }
}
