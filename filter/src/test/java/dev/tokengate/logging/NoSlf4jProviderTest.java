package dev.tokengate.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.log.OperatorLog;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestIssuer;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * A war on a stock container: {@code slf4j-api} without a provider. The filter module's build runs this class in a
 * surefire execution of its own, with logback off the class path (see filter/pom.xml); the default execution skips
 * it.
 */
class NoSlf4jProviderTest {
  @Test
  void withoutProvider_startupSummary_reachesJavaUtilLogging() {
    // Else the test would pass without proving anything: SLF4J must really be discarding here.
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(NOPLoggerFactory.class);

    try (JulCapture jul = JulCapture.on(TokenGateFilter.class);
        TestIssuer issuer = TestIssuer.start();
        ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build())) {
      assertThat(api.get("/health", null).statusCode()).isEqualTo(401);
      assertThat(jul.records).singleElement().satisfies(record -> {
        assertThat(record.getLevel()).isEqualTo(Level.INFO);
        assertThat(record.getLoggerName()).isEqualTo("dev.tokengate.TokenGateFilter");
        assertThat(record.getMessage()).startsWith("tokengate protects '").contains(issuer.issuer());
      });
    }
  }

  @Test
  void withoutProvider_keyServerTrouble_reachesJavaUtilLogging() {
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(NOPLoggerFactory.class);

    try (JulCapture jul = JulCapture.on(IssuerKeys.class); TestIssuer issuer = TestIssuer.start()) {
      issuer.failJwks(500);
      ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build());
      try (api) {
        assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(503);
      }
      Poll.until("a key-server warning in java.util.logging", () -> !jul.records.isEmpty());
      assertThat(jul.records).anySatisfy(record -> {
        assertThat(record.getLevel()).isEqualTo(Level.WARNING);
        assertThat(record.getMessage()).startsWith("Cannot load the signing keys of issuer " + issuer.issuer());
      });
    }
  }

  @Test
  void withoutProvider_aWarningKeepsItsCause() {
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(NOPLoggerFactory.class);
    IllegalStateException cause = new IllegalStateException("connection refused");
    try (JulCapture jul = JulCapture.on(NoSlf4jProviderTest.class)) {
      OperatorLog.forClass(NoSlf4jProviderTest.class)
          .warn("Cannot fetch the keys of {}", "https://issuer.example", cause);
      LogRecord record = jul.records.get(0);
      assertThat(record.getLevel()).isEqualTo(Level.WARNING);
      assertThat(record.getMessage()).isEqualTo("Cannot fetch the keys of https://issuer.example");
      assertThat(record.getThrown()).isSameAs(cause);
    }
  }
}
