package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Actuator on its own port ({@code management.server.port}), a child context with its own Tomcat: the same filter
 * guards it as the application's port, public paths included, unless {@code tokengate.management.protect=false}
 * opens it on purpose.
 */
class ManagementPortWebTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @Nested
  @SpringBootTest(classes = TestApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
      "server.address=127.0.0.1",
      "management.server.port=0",
      "management.server.address=127.0.0.1",
      "management.endpoints.web.exposure.include=health,env,beans",
      "tokengate.audiences=api",
      "tokengate.public-paths=/actuator/health,/actuator/health/*",
  })
  class Protected {
    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
      registry.add("tokengate.issuer", issuer::issuer);
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Test
    void sensitiveEndpoints_needAToken_onTheManagementPort() {
      assertThat(managementPort).isNotEqualTo(port);
      Http management = new Http(managementPort);
      for (String path : new String[] {"/actuator/env", "/actuator/beans", "/actuator"}) {
        HttpResponse<String> response = management.get(path, null);
        assertThat(response.statusCode()).as(path).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).as(path).hasValue("Bearer realm=\"api\"");
        assertThat(response.body()).as(path).doesNotContain("propertySources").doesNotContain("contexts");
      }
    }

    @Test
    void aValidToken_opensThem() {
      HttpResponse<String> response = new Http(managementPort).get("/actuator/env", issuer.token().sign());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("propertySources");
    }

    @Test
    void aBadToken_isRefusedAsOnTheApplicationPort() {
      HttpResponse<String> response = new Http(managementPort).get("/actuator/beans",
          issuer.token().audience("other").sign());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
          .contains("error=\"invalid_token\"");
    }

    // Kubernetes probes carry no token: health is public only because tokengate.public-paths lists it.
    @Test
    void health_isPublic_becauseThePublicPathsSaySo() {
      HttpResponse<String> response = new Http(managementPort).get("/actuator/health", null);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"status\"");
      assertThat(new Http(managementPort).get("/actuator/health/liveness", null).statusCode())
          .isNotEqualTo(401);
    }

    @Test
    void hostilePath_isRefusedByTheFirewall_onTheManagementPort() {
      RawHttp.Response response = new RawHttp(managementPort).get("/actuator/health/..;/env", null);
      assertThat(response.status()).isEqualTo(400);
      assertThat(response.body()).doesNotContain("propertySources");
    }

    @Test
    void theApplicationPort_isProtectedAsBefore() {
      assertThat(new Http(port).get("/api/orders", null).statusCode()).isEqualTo(401);
    }
  }

  @Nested
  @ExtendWith(OutputCaptureExtension.class)
  class Opened {
    @Test
    void protectFalse_opensTheManagementPort_withAWarning(CapturedOutput output) {
      SpringApplication application = new SpringApplication(TestApi.class);
      try (ConfigurableApplicationContext context = application.run("--server.port=0",
          "--server.address=127.0.0.1", "--management.server.port=0", "--management.server.address=127.0.0.1",
          "--management.endpoints.web.exposure.include=health,env", "--tokengate.issuer=" + issuer.issuer(),
          "--tokengate.audiences=api", "--tokengate.management.protect=false")) {
        int managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        assertThat(new Http(managementPort).get("/actuator/env", null).statusCode()).isEqualTo(200);
        assertThat(new Http(port).get("/api/orders", null).statusCode()).isEqualTo(401);
        assertThat(output.getAll()).contains("WARN").contains("tokengate does not protect the management server on"
            + " its own port: tokengate.management.protect is false, so every Actuator endpoint exposed there"
            + " answers anyone who can reach the port");
      }
    }
  }
}
