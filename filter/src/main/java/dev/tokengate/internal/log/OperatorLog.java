package dev.tokengate.internal.log;

import java.util.logging.Level;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLoggerFactory;

/**
 * A logger for what an operator must see. A war on a stock servlet container often has {@code slf4j-api} and no
 * provider: SLF4J then prints one warning and discards everything, and a wrong issuer would show only as 401s. In
 * that case (and with {@code slf4j-nop}, which discards alike) these messages go to {@code java.util.logging} under the
 * same logger name, which Tomcat writes to its {@code catalina} log and Jetty to its console log. Where a provider is
 * bound they go to SLF4J only, never twice. DEBUG details go to SLF4J only.
 */
public final class OperatorLog {
  private final Logger slf4j;
  private final java.util.logging.Logger jul;

  private OperatorLog(Class<?> type) {
    this.slf4j = LoggerFactory.getLogger(type);
    this.jul = java.util.logging.Logger.getLogger(type.getName());
  }

  /** The operator log named after {@code type}, as its SLF4J logger is. */
  public static OperatorLog forClass(Class<?> type) {
    return new OperatorLog(type);
  }

  /** Whether SLF4J has a provider that does not discard: false with none bound and with {@code slf4j-nop}. */
  public static boolean slf4jDelivers() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    return !(factory instanceof NOPLoggerFactory);
  }

  /** Logs at INFO; {@code format} takes SLF4J's {@code {}} placeholders. */
  public void info(String format, Object... arguments) {
    if (slf4jDelivers()) {
      slf4j.info(format, arguments);
    } else {
      fallback(Level.INFO, format, arguments);
    }
  }

  /** Logs at WARN (java.util.logging's WARNING); a trailing {@link Throwable} argument is logged as the cause. */
  public void warn(String format, Object... arguments) {
    if (slf4jDelivers()) {
      slf4j.warn(format, arguments);
    } else {
      fallback(Level.WARNING, format, arguments);
    }
  }

  /** Logs at DEBUG through SLF4J only: details for whoever has configured a provider to see them. */
  public void debug(String format, Object... arguments) {
    slf4j.debug(format, arguments);
  }

  private void fallback(Level level, String format, Object[] arguments) {
    if (!jul.isLoggable(level)) {
      return;
    }
    var message = MessageFormatter.arrayFormat(format, arguments);
    jul.logp(level, jul.getName(), null, message.getMessage(), message.getThrowable());
  }
}
