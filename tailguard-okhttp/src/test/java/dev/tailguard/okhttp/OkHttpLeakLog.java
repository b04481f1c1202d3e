package dev.tailguard.okhttp;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects OkHttp's "A connection to ... was leaked" warnings while open. OkHttp logs them on the
 * {@code java.util.logging} logger {@code okhttp3.OkHttpClient} when its pool finds that a call
 * holding a connection was garbage-collected without ending: a response body nobody closed, or a
 * call OkHttp never finished.
 */
final class OkHttpLeakLog extends Handler implements AutoCloseable {
  /** Held strongly: java.util.logging keeps loggers only weakly, and would drop the handler. */
  private final Logger logger = Logger.getLogger("okhttp3.OkHttpClient");
  private final List<String> warnings;

  private OkHttpLeakLog(List<String> warnings) {
    this.warnings = warnings;
  }

  /** Starts collecting into {@code warnings} (a thread-safe list). */
  static OkHttpLeakLog capture(List<String> warnings) {
    OkHttpLeakLog log = new OkHttpLeakLog(warnings);
    log.logger.addHandler(log);
    return log;
  }

  @Override
  public void publish(LogRecord record) {
    String message = record.getMessage();
    if (message != null && message.contains("leaked")) {
      warnings.add(message);
    }
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
