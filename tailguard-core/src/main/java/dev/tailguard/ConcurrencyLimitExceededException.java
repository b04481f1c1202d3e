package dev.tailguard;

/**
 * A concurrency limit refused an attempt: as many attempts as the limit allows were already
 * running (and none ended within the limit's {@code maxWait}). A {@link TailguardRejection}: never
 * retried by the {@linkplain Classifier#defaults() default classifier}, so a refused attempt is
 * not retried into the same limit.
 *
 * <p>Created on a hot path under overload, so it records no stack trace.
 *
 * @since 0.1
 */
public final class ConcurrencyLimitExceededException extends TailguardException implements TailguardRejection {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final int limit;
  private final int inFlight;

  /**
   * Creates the exception.
   *
   * @param name the limit's name
   * @param limit the limit when it refused
   * @param inFlight the attempts in flight when it refused
   */
  public ConcurrencyLimitExceededException(String name, int limit, int inFlight) {
    super("concurrency limit '" + name + "' refused the attempt: " + inFlight + " in flight, limit " + limit, null, false);
    this.name = name;
    this.limit = limit;
    this.inFlight = inFlight;
  }

  /** Returns the limit's name. */
  public String name() {
    return name;
  }

  /** Returns the limit when it refused. */
  public int limit() {
    return limit;
  }

  /** Returns the number of attempts in flight when it refused. */
  public int inFlight() {
    return inFlight;
  }
}
