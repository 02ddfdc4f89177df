package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.spi.ValidationListener;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Listeners never change an outcome: the first listener throws on every call, yet each answer is what it would be
 * without it (never a 500), and the second listener still hears every decision, from the filter and from {@code
 * RequiredScopeInterceptor} alike.
 */
@SpringBootTest(classes = {TestApi.class, ListenerIsolationWebTest.Listeners.class},
    webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "tokengate.audiences=api",
        "tokengate.public-paths=/public/*",
    })
class ListenerIsolationWebTest {
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
  List<String> heard;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
    heard.clear();
  }

  @Test
  void insufficientScopeFromTheInterceptor_staysA403() {
    HttpResponse<String> response = http.get("/api/countries", issuer.token().scope("orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"");
    assertThat(heard).containsExactly("accepted orders-service", "rejected insufficient_scope");
  }

  @Test
  void missingTokenOnAScopedPublicHandler_staysA401() {
    HttpResponse<String> response = http.get("/public/scoped", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(heard).containsExactly("missing");
  }

  @Test
  void filterDecisions_stayWhatTheyAre() {
    assertThat(http.get("/api/orders", null).statusCode()).isEqualTo(401);
    assertThat(http.get("/api/orders", issuer.token().audience("other").sign()).statusCode()).isEqualTo(401);
    HttpResponse<String> accepted = http.get("/api/orders", issuer.token().sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).isEqualTo("orders");
    assertThat(heard).containsExactly("missing", "rejected invalid_token", "accepted orders-service");
  }

  @Configuration(proxyBeanMethods = false)
  static class Listeners {
    @Bean
    List<String> heard() {
      return new CopyOnWriteArrayList<>();
    }

    @Bean
    @Order(1)
    ValidationListener throwingListener() {
      return new ValidationListener() {
        @Override
        public void onAccepted(ClientPrincipal principal) {
          throw new IllegalStateException("listener down");
        }

        @Override
        public void onRejected(BearerError error, String description) {
          throw new IllegalStateException("listener down");
        }

        @Override
        public void onTokenMissing() {
          throw new IllegalStateException("listener down");
        }

        @Override
        public void onKeysUnavailable() {
          throw new IllegalStateException("listener down");
        }
      };
    }

    @Bean
    @Order(2)
    ValidationListener recordingListener(List<String> heard) {
      return new ValidationListener() {
        @Override
        public void onAccepted(ClientPrincipal principal) {
          heard.add("accepted " + principal.clientId());
        }

        @Override
        public void onRejected(BearerError error, String description) {
          heard.add("rejected " + error.code());
        }

        @Override
        public void onTokenMissing() {
          heard.add("missing");
        }
      };
    }
  }
}
