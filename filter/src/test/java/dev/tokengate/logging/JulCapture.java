package dev.tokengate.logging;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Records what reaches a {@code java.util.logging} logger, as a container's handler would receive it. */
final class JulCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  final List<LogRecord> records = new CopyOnWriteArrayList<>();

  private JulCapture(Logger logger) {
    this.logger = logger;
    logger.addHandler(this);
  }

  static JulCapture on(Class<?> type) {
    return new JulCapture(Logger.getLogger(type.getName()));
  }

  @Override
  public void publish(LogRecord record) {
    records.add(record);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
