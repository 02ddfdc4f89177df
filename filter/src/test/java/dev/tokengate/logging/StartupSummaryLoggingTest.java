package dev.tokengate.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** With an SLF4J provider bound (logback here) the start-up summary goes there, and only there. */
class StartupSummaryLoggingTest {
  @Test
  void withProvider_startupSummary_goesToSlf4jOnly() {
    Logger logback = (Logger) LoggerFactory.getLogger(TokenGateFilter.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logback.addAppender(appender);
    try (JulCapture jul = JulCapture.on(TokenGateFilter.class);
        TestIssuer issuer = TestIssuer.start();
        ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build())) {
      assertThat(api.get("/whoami", null).statusCode()).isEqualTo(401);
      assertThat(appender.list).filteredOn(event -> event.getFormattedMessage().startsWith("tokengate protects '"))
          .singleElement()
          .satisfies(event -> assertThat(event.getFormattedMessage()).contains(issuer.issuer()));
      assertThat(jul.records).isEmpty();
    } finally {
      logback.detachAppender(appender);
    }
  }
}
