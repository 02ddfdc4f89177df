package dev.tokengate.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spring.web.Http;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;

/**
 * An application that sets its own resource-server entry point and access-denied handler keeps them: tokengate
 * answers refusals in its own form only in place of Spring Security's defaults.
 */
@SpringBootTest(classes = WebFluxOwnRefusalHandlersTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.web-application-type=reactive", "server.address=127.0.0.1", "tokengate.audiences=api"})
class WebFluxOwnRefusalHandlersTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  AtomicInteger handled;

  @Test
  void ownEntryPoint_answersARefusedToken() {
    HttpResponse<String> forged = new Http(port)
        .get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.headers().firstValue("X-Answered-By")).hasValue("own entry point");
    assertThat(forged.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(handled.get()).isZero();
  }

  @Test
  void ownAccessDeniedHandler_answersAMissingScope() {
    HttpResponse<String> denied = new Http(port).get("/api/admin", issuer.token().scope("orders:write").sign());
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.headers().firstValue("X-Answered-By")).hasValue("own access-denied handler");
    assertThat(denied.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(handled.get()).isZero();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @EnableWebFluxSecurity
  @Import(WebFluxApi.Api.class)
  static class App {
    @Bean
    AtomicInteger handled() {
      return new AtomicInteger();
    }

    @Bean
    NettyReactiveWebServerFactory nettyReactiveWebServerFactory() {
      return new NettyReactiveWebServerFactory();
    }

    @Bean
    SecurityWebFilterChain api(ServerHttpSecurity http) {
      return http
          .authorizeExchange(exchanges -> exchanges
              .pathMatchers("/api/admin/**").hasAuthority("SCOPE_admin")
              .anyExchange().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults())
              .authenticationEntryPoint((exchange, e) -> answer(exchange.getResponse(), HttpStatus.UNAUTHORIZED,
                  "own entry point"))
              .accessDeniedHandler((exchange, e) -> answer(exchange.getResponse(), HttpStatus.FORBIDDEN,
                  "own access-denied handler")))
          .build();
    }

    private static Mono<Void> answer(org.springframework.http.server.reactive.ServerHttpResponse response,
        HttpStatus status, String by) {
      response.setStatusCode(status);
      response.getHeaders().set("X-Answered-By", by);
      return response.setComplete();
    }
  }
}
