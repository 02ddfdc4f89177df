package dev.tokengate.spring.webflux;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The WebFlux application of the fail-closed path matrix: an open {@code /public/**} and a protected {@code /api/**}
 * (its admin part needing {@code SCOPE_admin}), each answered by a catch-all handler that counts its calls, so that a
 * test can assert no handler ran. Every method is mapped, so that a refused method is refused by tokengate, not by a
 * missing mapping.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({WebFluxFirewallApi.Security.class, WebFluxFirewallApi.Handlers.class})
class WebFluxFirewallApi {
  @Bean
  HandlerCalls handlerCalls() {
    return new HandlerCalls();
  }

  @Bean
  NettyReactiveWebServerFactory nettyReactiveWebServerFactory() {
    return new NettyReactiveWebServerFactory();
  }

  /** Which handler ran how often. */
  static final class HandlerCalls {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    String record(String handler) {
      calls.computeIfAbsent(handler, name -> new AtomicInteger()).incrementAndGet();
      return handler;
    }

    Map<String, Integer> snapshot() {
      Map<String, Integer> snapshot = new TreeMap<>();
      calls.forEach((name, count) -> snapshot.put(name, count.get()));
      return snapshot;
    }

    void reset() {
      calls.clear();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFluxSecurity
  static class Security {
    @Bean
    SecurityWebFilterChain api(ServerHttpSecurity http) {
      return http
          .authorizeExchange(exchanges -> exchanges
              .pathMatchers("/public/**").permitAll()
              .pathMatchers("/api/admin/**").hasAuthority("SCOPE_admin")
              .anyExchange().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
    }
  }

  @RestController
  static class Handlers {
    private final HandlerCalls calls;

    Handlers(HandlerCalls calls) {
      this.calls = calls;
    }

    @RequestMapping("/public/**")
    Mono<String> open() {
      return Mono.just(calls.record("public"));
    }

    @RequestMapping("/api/admin/**")
    Mono<String> admin() {
      return Mono.just(calls.record("admin"));
    }

    @RequestMapping("/api/**")
    Mono<String> api() {
      return Mono.just(calls.record("api"));
    }
  }
}
