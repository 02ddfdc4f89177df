package dev.tokengate.spring.webflux;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.method.configuration.EnableReactiveMethodSecurity;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A WebFlux API on Reactor Netty behind Spring Security's resource server with tokengate's ReactiveJwtDecoder. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({WebFluxApi.Security.class, WebFluxApi.Api.class})
class WebFluxApi {
  @Bean
  AtomicInteger handled() {
    return new AtomicInteger();
  }

  // Tomcat is on this module's test classpath too (the servlet tests): the reactive server here is Netty.
  @Bean
  NettyReactiveWebServerFactory nettyReactiveWebServerFactory() {
    return new NettyReactiveWebServerFactory();
  }

  /** The README's configuration: Spring Security's resource server, with tokengate's decoder bean. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebFluxSecurity
  @EnableReactiveMethodSecurity
  static class Security {
    @Bean
    SecurityWebFilterChain api(ServerHttpSecurity http) {
      return http
          .authorizeExchange(exchanges -> exchanges
              .pathMatchers("/api/admin/**").hasAuthority("SCOPE_admin")
              .anyExchange().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
    }
  }

  @RestController
  static class Api {
    private final AtomicInteger handled;

    Api(AtomicInteger handled) {
      this.handled = handled;
    }

    @GetMapping("/api/me")
    Mono<String> me(@AuthenticationPrincipal Jwt jwt) {
      handled.incrementAndGet();
      return Mono.just(jwt.getClaimAsString("client_id") + " " + jwt.getIssuer() + " " + jwt.getClaimAsString("scope"));
    }

    @GetMapping("/api/admin")
    Mono<String> admin() {
      handled.incrementAndGet();
      return Mono.just("admin");
    }

    @GetMapping("/api/reports")
    @PreAuthorize("hasAuthority('SCOPE_reports:read')")
    Mono<String> reports() {
      handled.incrementAndGet();
      return Mono.just("reports");
    }
  }
}
