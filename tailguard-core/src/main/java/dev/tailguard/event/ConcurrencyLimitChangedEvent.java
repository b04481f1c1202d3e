package dev.tailguard.event;

/**
 * An adaptive concurrency limit changed its limit.
 *
 * @since 0.1
 */
public final class ConcurrencyLimitChangedEvent {
  private final String name;
  private final int from;
  private final int to;

  /**
   * Creates the event.
   *
   * @param name the limit's name
   * @param from the limit before
   * @param to the limit after
   */
  public ConcurrencyLimitChangedEvent(String name, int from, int to) {
    this.name = name;
    this.from = from;
    this.to = to;
  }

  /** Returns the limit's name. */
  public String name() {
    return name;
  }

  /** Returns the limit before the change. */
  public int from() {
    return from;
  }

  /** Returns the limit after the change. */
  public int to() {
    return to;
  }

  @Override
  public String toString() {
    return "ConcurrencyLimitChangedEvent{" + name + ", " + from + " -> " + to + "}";
  }
}
