package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of a test class (all loggers, at the levels {@code logback-test.xml} enables: DEBUG for
 * tokengate) and checks after each test that none of the registered secrets (tokens, their segments, shared
 * secrets) appears in a message, an argument or a stack trace.
 *
 * <p>Register with {@code @RegisterExtension static final LogCapture logs = new LogCapture();} and pass every token a
 * test sends through {@link #secret(String)}.
 */
final class LogCapture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  /** Segments shorter than this (e.g. an empty signature, "AA") could occur in any text by chance. */
  private static final int MIN_SECRET_LENGTH = 12;

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();

  @Override
  public void beforeAll(ExtensionContext context) {
    appender.setName("security-log-capture");
    appender.start();
    root().addAppender(appender);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertNoSecretLogged();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    root().detachAppender(appender);
    appender.stop();
  }

  /** Registers a token (or secret text) that must never be logged: the whole of it and each dot-separated part. */
  <T extends CharSequence> T secret(T value) {
    String text = value.toString();
    if (text.length() >= MIN_SECRET_LENGTH) {
      secrets.add(text);
    }
    for (String part : text.split("\\.")) {
      if (part.length() >= MIN_SECRET_LENGTH) {
        secrets.add(part);
      }
    }
    return value;
  }

  /** Removes a secret registered on purpose, e.g. a canary the test logged itself to prove the check works. */
  void forget(String value) {
    secrets.remove(value);
  }

  /** Every captured event rendered as text: level, logger, formatted message, raw arguments and stack trace. */
  List<String> lines() {
    List<ILoggingEvent> events;
    synchronized (appender) {
      events = new ArrayList<>(appender.list);
    }
    List<String> lines = new ArrayList<>(events.size());
    for (ILoggingEvent event : events) {
      StringBuilder line = new StringBuilder()
          .append(event.getLevel()).append(' ').append(event.getLoggerName()).append(" - ")
          .append(event.getFormattedMessage());
      if (event.getArgumentArray() != null) {
        for (Object argument : event.getArgumentArray()) {
          line.append(" | ").append(argument);
        }
      }
      if (event.getThrowableProxy() != null) {
        line.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
      }
      lines.add(line.toString());
    }
    return lines;
  }

  /** The captured lines that contain a registered secret. */
  List<String> leaks() {
    List<String> leaks = new ArrayList<>();
    for (String line : lines()) {
      for (String secret : secrets) {
        if (line.contains(secret)) {
          leaks.add(line);
          break;
        }
      }
    }
    return leaks;
  }

  void assertNoSecretLogged() {
    assertThat(leaks()).as("log lines containing a token, signature or secret").isEmpty();
  }

  int secretCount() {
    return secrets.size();
  }

  private static Logger root() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
