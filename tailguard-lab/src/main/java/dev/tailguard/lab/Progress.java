package dev.tailguard.lab;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress bar on stderr for long runs. It draws only on an interactive terminal, so logs and
 * CI output stay clean. Thread-safe.
 */
public final class Progress {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final boolean enabled;
  private final String label;
  private final long total;
  private final AtomicLong done = new AtomicLong();
  private volatile int lastPercent = -1;

  public Progress(String label, long total, boolean enabled) {
    this.out = System.err;
    this.label = label;
    this.total = Math.max(1, total);
    this.enabled = enabled;
  }

  /** A bar that draws only when stderr is a terminal. */
  public static Progress forTerminal(String label, long total) {
    return new Progress(label, total, System.console() != null);
  }

  public void step() {
    long now = done.incrementAndGet();
    int percent = (int) (100 * now / total);
    if (!enabled || percent == lastPercent) {
      return;
    }
    lastPercent = percent;
    int filled = WIDTH * percent / 100;
    synchronized (out) {
      out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "%");
      if (now >= total) {
        out.println();
      }
      out.flush();
    }
  }
}
