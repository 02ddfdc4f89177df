package dev.tokengate.spring.web;

import dev.tokengate.testing.TestCertificates;
import dev.tokengate.testing.TestIssuer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.catalina.connector.Connector;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the mTLS tests: one controller that records each request it handles, on embedded Tomcat with
 * TLS (from {@code server.ssl.*}) and a second, plain HTTP connector on another loopback port.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(MtlsApi.Files.class)
public class MtlsApi {
  /** Every request a handler ran for. */
  static final List<String> HANDLED = new CopyOnWriteArrayList<>();

  /** The test's key pairs and issuer, shared by the mTLS test classes for the whole JVM (each has its context). */
  static final TestIssuer ISSUER = TestIssuer.start();
  static final TestCertificates CERTIFICATES = TestCertificates.create();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      ISSUER.close();
      CERTIFICATES.close();
    }));
  }

  @Bean
  PlainConnector plainConnector() {
    return new PlainConnector();
  }

  /** Adds a plain HTTP connector on another loopback port, and tells its port once Tomcat started. */
  static final class PlainConnector implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
    private final Connector connector = new Connector();

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      factory.addAdditionalConnectors(connector);
    }

    int port() {
      return connector.getLocalPort();
    }
  }

  @RestController
  static class Files {
    @GetMapping("/api/files")
    String files(java.security.Principal caller) {
      HANDLED.add("/api/files");
      return "files for " + caller.getName();
    }
  }
}
