package dev.tailguard.testing;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Assumptions;

/**
 * Gates tests that need a real server (PostgreSQL, Redis). When the server does not answer, the
 * test is skipped with a message saying how to start it; when the environment variable {@code
 * TAILGUARD_REQUIRE_SERVERS} is {@code true} (CI sets it), it fails instead, so CI never skips
 * real-server tests silently.
 *
 * @since 0.1
 */
public final class RealServers {
  /** The environment variable that turns a missing server into a failure. */
  public static final String REQUIRE = "TAILGUARD_REQUIRE_SERVERS";

  private RealServers() {}

  /**
   * Skips or fails the calling test unless {@code probe} answers true without throwing.
   *
   * @param server what is needed, e.g. "PostgreSQL on 127.0.0.1:5432 (database test)"
   * @param howToStart the command that starts it
   */
  public static void require(String server, Callable<Boolean> probe, String howToStart) {
    Throwable failure = null;
    boolean up = false;
    try {
      up = Boolean.TRUE.equals(probe.call());
    } catch (Exception | LinkageError unreachable) {
      failure = unreachable;
    }
    if (up) {
      return;
    }
    String message = server + " is not answering" + (failure == null ? "" : " (" + failure + ")")
        + ". Start it with: " + howToStart;
    String required = System.getenv(REQUIRE);
    if (required != null && (required.equals("1") || required.toLowerCase(Locale.ROOT).equals("true"))) {
      throw new AssertionError(REQUIRE + " is set: " + message, failure);
    }
    Assumptions.abort("skipped: " + message);
  }
}
