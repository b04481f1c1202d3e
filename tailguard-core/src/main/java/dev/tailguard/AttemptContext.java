package dev.tailguard;

import dev.tailguard.internal.Listeners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What one attempt knows about itself: its number, how long it may take, and whether it has been
 * cancelled. Adapters use it to set a per-attempt timeout on the request, to tell the server which
 * attempt this is, and to abort the exchange when Tailguard cancels the attempt (a hedge that
 * lost, a timeout, the caller giving up).
 *
 * <p>Thread-safe.
 *
 * @since 0.1
 */
public class AttemptContext {
  private static final Object CANCELLED = new Object();

  private final int attempt;
  private final long timeoutNanos;
  /** The registered cancel hooks (an immutable list), or {@link #CANCELLED} once fired. */
  private final AtomicReference<Object> hooks = new AtomicReference<>(List.of());

  /**
   * Creates a context.
   *
   * @param attempt the attempt number, starting at 1
   * @param timeoutNanos the time this attempt may take, or a negative value for no limit
   */
  public AttemptContext(int attempt, long timeoutNanos) {
    this.attempt = attempt;
    this.timeoutNanos = timeoutNanos;
  }

  /** Returns the attempt number: 1 for the first attempt. */
  public int attempt() {
    return attempt;
  }

  /**
   * Returns how long this attempt may take: the smaller of the per-attempt timeout and the time
   * left before the call's deadline, or empty when neither is set.
   */
  public Optional<Duration> timeout() {
    return timeoutNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(timeoutNanos));
  }

  /**
   * Registers a hook that runs once if Tailguard cancels this attempt; it runs at once if the
   * attempt is already cancelled. Hooks run on the cancelling thread; exceptions are logged.
   *
   * @param hook what to do, for example abort the HTTP exchange
   */
  @SuppressWarnings("unchecked")
  public void onCancel(Runnable hook) {
    while (true) {
      Object current = hooks.get();
      if (current == CANCELLED) {
        runQuietly(hook);
        return;
      }
      List<Runnable> next = new ArrayList<>((List<Runnable>) current);
      next.add(hook);
      if (hooks.compareAndSet(current, List.copyOf(next))) {
        return;
      }
    }
  }

  /** Returns whether Tailguard has cancelled this attempt. */
  public boolean isCancelled() {
    return hooks.get() == CANCELLED;
  }

  /**
   * Marks the attempt cancelled and runs its hooks, once. For Tailguard's engines; a subclass
   * exposes it to them.
   */
  @SuppressWarnings("unchecked")
  protected final void fireCancel() {
    Object previous = hooks.getAndSet(CANCELLED);
    if (previous != CANCELLED) {
      for (Runnable hook : (List<Runnable>) previous) {
        runQuietly(hook);
      }
    }
  }

  private static void runQuietly(Runnable hook) {
    Listeners.call(ignored -> hook.run(), null, "onCancel");
  }

  @Override
  public String toString() {
    return "AttemptContext{attempt=" + attempt + ", timeout=" + timeout().orElse(null) + "}";
  }
}
