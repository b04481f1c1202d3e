package dev.tailguard;

import dev.tailguard.internal.AsyncRetryExecution;
import dev.tailguard.internal.Checks;
import dev.tailguard.internal.RetryRun;
import dev.tailguard.internal.SyncRetryLoop;
import dev.tailguard.internal.ThreadLocalRandomGenerator;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Runs calls under a {@link RetryPolicy}, synchronously or asynchronously. Both paths share one
 * decision function; only the waiting differs ({@link Clock#sleep} versus {@link Scheduler}).
 *
 * <pre>{@code
 * Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(3).build());
 * String body = retry.execute(() -> fetch(uri));                        // sync
 * CompletableFuture<String> f = retry.executeAsync(() -> fetchAsync(uri)); // async
 *
 * FakeClock clock = new FakeClock();                                    // in tests
 * Retry testRetry = Retry.of(policy, clock, clock);
 * }</pre>
 *
 * <h2>Outcomes</h2>
 *
 * <ul>
 *   <li>An attempt classified {@link Verdict#SUCCESS} ends the call with its result.
 *   <li>A {@link Verdict#NON_RETRYABLE} exception is thrown (or completes the future) unchanged,
 *       with earlier attempts' exceptions attached as suppressed. A non-retryable
 *       <em>result</em> is returned: the call commits to it. An {@link Error} is never retried.
 *   <li>When the call gives up on a {@link Verdict#RETRYABLE} outcome — attempts used up, deadline,
 *       server said stop, admission refused, interrupted — it throws {@link
 *       RetriesExhaustedException}, whose cause is the last exception and which carries every
 *       attempt's record. With {@link OutcomeHandler.Builder#returnLastResultOnGiveUp} a
 *       retryable last <em>result</em> is returned instead.
 *   <li>Every non-null result not returned (retried, late, or after the call ended) goes to the
 *       handler's {@code onDiscard} exactly once.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; one serves any number of concurrent calls.
 *
 * @since 0.1
 */
public final class Retry {
  private final RetryPolicy policy;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  /** Whether calls must read the clock before their first attempt; fixed by the immutable policy. */
  private final boolean timedFromStart;
  /**
   * Whether a first attempt that returns ends the call with nothing to decide or record: no clock
   * before it, and an admission that admits every call and counts nothing.
   */
  private final boolean bareFirstAttempt;

  private Retry(RetryPolicy policy, Clock clock, Scheduler scheduler, RandomGenerator random) {
    this.policy = Checks.notNull(policy, "policy");
    this.timedFromStart = RetryRun.needsClockBeforeFirstAttempt(policy);
    this.bareFirstAttempt = !timedFromStart && policy.admission() == RetryAdmission.always();
    this.clock = Checks.notNull(clock, "clock");
    this.scheduler = Checks.notNull(scheduler, "scheduler");
    this.random = Checks.notNull(random, "random");
  }

  /**
   * Returns a retry on the system clock, the shared system scheduler and {@code ThreadLocalRandom}.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public static Retry of(RetryPolicy policy) {
    return new Retry(policy, Clock.system(), Scheduler.system(), ThreadLocalRandomGenerator.INSTANCE);
  }

  /**
   * Returns a retry on the given time seams ({@code FakeClock} is both), with {@code
   * ThreadLocalRandom}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static Retry of(RetryPolicy policy, Clock clock, Scheduler scheduler) {
    return new Retry(policy, clock, scheduler, ThreadLocalRandomGenerator.INSTANCE);
  }

  /**
   * Returns a retry on the given time seams and randomness. A seeded generator makes jitter
   * reproducible; it must be safe for the threads that run the calls.
   *
   * @throws NullPointerException if an argument is null
   */
  public static Retry of(
      RetryPolicy policy, Clock clock, Scheduler scheduler, RandomGenerator random) {
    return new Retry(policy, clock, scheduler, random);
  }

  /** Returns the policy. */
  public RetryPolicy policy() {
    return policy;
  }

  /**
   * Runs {@code call} on the calling thread, retrying under the policy with the default {@link
   * OutcomeHandler}.
   *
   * @param call one attempt
   * @return the successful (or committed non-retryable) result
   * @throws RetriesExhaustedException if the call gave up; its cause is the last exception
   * @throws Exception the first non-retryable exception, unchanged
   */
  public <T> T execute(Callable<T> call) throws Exception {
    // The common case: the default classifier calls any returned value a success, so a bare
    // first attempt that returns is the answer, with nothing to classify, count or record.
    if (bareFirstAttempt && call != null) {
      T result;
      try {
        result = call.call();
      } catch (Throwable firstFailure) {
        return SyncRetryLoop.afterUntimedFirstAttempt(policy, clock, scheduler, random, call, null,
            OutcomeHandler.defaults(), null, null, null, firstFailure);
      }
      return result;
    }
    return execute(call, OutcomeHandler.defaults());
  }

  /**
   * Runs {@code call} on the calling thread, retrying under the policy.
   *
   * @param call one attempt
   * @param handler how outcomes are classified and discarded results released
   * @return the successful (or committed non-retryable) result
   * @throws RetriesExhaustedException if the call gave up; its cause is the last exception
   * @throws Exception the first non-retryable exception, unchanged
   */
  public <T> T execute(Callable<T> call, OutcomeHandler<? super T> handler) throws Exception {
    Checks.notNull(call, "call");
    Checks.notNull(handler, "handler");
    return SyncRetryLoop.execute(policy, timedFromStart, clock, scheduler, random, call, null, handler, null);
  }

  /**
   * Like {@link #execute(Callable, OutcomeHandler)} for an attempt that wants its {@link
   * AttemptContext} (number and time limit).
   */
  public <T> T execute(AttemptCallable<T> call, OutcomeHandler<? super T> handler) throws Exception {
    Checks.notNull(call, "call");
    Checks.notNull(handler, "handler");
    return SyncRetryLoop.execute(policy, timedFromStart, clock, scheduler, random, null, call, handler, null);
  }

  /** For {@link Pipeline}: each attempt guarded by {@code breaker} inside the loop, without a wrapper. */
  <T> T executeGuarded(Callable<T> call, CircuitBreaker breaker, OutcomeHandler<? super T> handler) throws Exception {
    return SyncRetryLoop.execute(policy, timedFromStart, clock, scheduler, random, call, null, handler, breaker);
  }

  /**
   * Starts {@code call} and retries it asynchronously with the default {@link OutcomeHandler}.
   * Cancelling the returned future cancels the pending retry timer and the attempt in flight.
   *
   * @param call starts one attempt
   * @return the call's future; it fails with the first non-retryable exception or with {@link
   *     RetriesExhaustedException}
   */
  public <T> CompletableFuture<T> executeAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(call, OutcomeHandler.defaults());
  }

  /**
   * Starts {@code call} and retries it asynchronously. The first attempt starts on the calling
   * thread; later ones on the scheduler's thread.
   *
   * @param call starts one attempt
   * @param handler how outcomes are classified and discarded results released
   * @return the call's future, as for {@link #executeAsync(Supplier)}
   */
  public <T> CompletableFuture<T> executeAsync(
      Supplier<? extends CompletionStage<T>> call, OutcomeHandler<? super T> handler) {
    Checks.notNull(call, "call");
    return executeAsync(context -> call.get(), handler);
  }

  /**
   * Like {@link #executeAsync(Supplier, OutcomeHandler)} for an attempt that wants its {@link
   * AttemptContext}.
   */
  public <T> CompletableFuture<T> executeAsync(
      AsyncAttempt<T> call, OutcomeHandler<? super T> handler) {
    Checks.notNull(call, "call");
    Checks.notNull(handler, "handler");
    return AsyncRetryExecution.start(policy, clock, scheduler, random, call, handler);
  }

  @Override
  public String toString() {
    return "Retry{" + policy + "}";
  }
}
