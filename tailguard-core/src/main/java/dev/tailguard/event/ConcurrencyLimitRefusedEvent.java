package dev.tailguard.event;

/**
 * A concurrency limit refused an attempt.
 *
 * @since 0.1
 */
public final class ConcurrencyLimitRefusedEvent {
  private final String name;
  private final int limit;
  private final int inFlight;
  private final boolean waited;

  /**
   * Creates the event.
   *
   * @param name the limit's name
   * @param limit the limit when it refused
   * @param inFlight the attempts in flight when it refused
   * @param waited whether the attempt waited its {@code maxWait} first
   */
  public ConcurrencyLimitRefusedEvent(String name, int limit, int inFlight, boolean waited) {
    this.name = name;
    this.limit = limit;
    this.inFlight = inFlight;
    this.waited = waited;
  }

  /** Returns the limit's name. */
  public String name() {
    return name;
  }

  /** Returns the limit when it refused. */
  public int limit() {
    return limit;
  }

  /** Returns the attempts in flight when it refused. */
  public int inFlight() {
    return inFlight;
  }

  /** Returns whether the attempt waited the limit's {@code maxWait} before it was refused. */
  public boolean waited() {
    return waited;
  }

  @Override
  public String toString() {
    return "ConcurrencyLimitRefusedEvent{" + name + ", limit=" + limit + ", inFlight=" + inFlight + ", waited=" + waited + "}";
  }
}
