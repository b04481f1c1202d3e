package dev.tailguard;

import dev.tailguard.internal.Checks;
import dev.tailguard.internal.HedgeExecution;
import dev.tailguard.internal.ThreadLocalRandomGenerator;
import dev.tailguard.time.Clock;
import dev.tailguard.time.Scheduler;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Runs calls under a {@link HedgePolicy}: when a call has not answered after the hedge delay, a
 * backup attempt starts; the first acceptable outcome wins and the rest are cancelled.
 *
 * <pre>{@code
 * Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build());
 * CompletableFuture<String> fast = hedge.executeAsync(() -> client.getAsync(uri));
 * }</pre>
 *
 * <h2>Outcomes</h2>
 *
 * <ul>
 *   <li>The first attempt classified {@link Verdict#SUCCESS} ends the call with its result.
 *   <li>A {@link Verdict#NON_RETRYABLE} outcome commits: its exception (with the earlier attempts'
 *       exceptions suppressed) or its result.
 *   <li>A {@link Verdict#RETRYABLE} failure starts the next hedge at once, if attempts remain and
 *       the budget agrees. When every attempt has failed, the call fails with {@link
 *       RetriesExhaustedException} holding all of their errors, not just the first.
 *   <li>Losers are cancelled for real: their future is cancelled and each attempt's {@link
 *       AttemptContext#onCancel} hooks run, so adapters can abort the exchange. A result a loser
 *       still delivers through its stage goes to the handler's {@code onDiscard}; so does a value
 *       a blocking attempt of {@link #execute(AttemptCallable, OutcomeHandler)} returns late. An
 *       async attempt whose own {@code CompletableFuture} Tailguard cancelled cannot carry a later
 *       value: when {@code complete(value)} returns false, the attempt's code holds the only
 *       reference and must release it, with the handler's {@code onDiscard} (as the HTTP
 *       adapter does).
 *   <li>Cancelling the returned future kills the call: every attempt is cancelled ({@link
 *       #isKilled(Throwable)}).
 * </ul>
 *
 * <p>Only hedge requests that are safe to send twice (idempotent, or carrying an idempotency key).
 * Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Hedge {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService DEFAULT_EXECUTOR =
      Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "tailguard-hedge-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });

  private final HedgePolicy policy;
  private final Clock clock;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final Executor executor;

  private Hedge(HedgePolicy policy, Clock clock, Scheduler scheduler, RandomGenerator random, Executor executor) {
    this.policy = policy;
    this.clock = clock;
    this.scheduler = scheduler;
    this.random = random;
    this.executor = executor;
  }

  /** Returns a hedge on the system clock and scheduler, with {@code ThreadLocalRandom}. */
  public static Hedge of(HedgePolicy policy) {
    return builder(policy).build();
  }

  /** Returns a hedge on the given time seams ({@code FakeClock} is both). */
  public static Hedge of(HedgePolicy policy, Clock clock, Scheduler scheduler) {
    return builder(policy).clock(clock).scheduler(scheduler).build();
  }

  /** Starts a builder for the less common settings. */
  public static Builder builder(HedgePolicy policy) {
    return new Builder(policy);
  }

  /** Returns the policy. */
  public HedgePolicy policy() {
    return policy;
  }

  /**
   * Whether a call's failure means the caller killed it (cancelled its future or interrupted the
   * thread waiting on it), as opposed to the attempts failing.
   */
  public static boolean isKilled(Throwable failure) {
    return failure instanceof CancellationException;
  }

  /** Starts a hedged call with the default {@link OutcomeHandler}. */
  public <T> CompletableFuture<T> executeAsync(Supplier<? extends CompletionStage<T>> call) {
    return executeAsync(call, OutcomeHandler.defaults());
  }

  /** Starts a hedged call. The first attempt starts on the calling thread, hedges on the timer's. */
  public <T> CompletableFuture<T> executeAsync(Supplier<? extends CompletionStage<T>> call, OutcomeHandler<? super T> handler) {
    Checks.notNull(call, "call");
    return executeAsync(context -> call.get(), handler);
  }

  /** Starts a hedged call whose attempts want their {@link AttemptContext}. */
  public <T> CompletableFuture<T> executeAsync(AsyncAttempt<T> call, OutcomeHandler<? super T> handler) {
    Checks.notNull(call, "call");
    Checks.notNull(handler, "handler");
    return HedgeExecution.start(policy, clock, scheduler, random, call, handler);
  }

  /**
   * Runs a hedged call of blocking attempts and waits for its outcome. Each attempt runs on the
   * hedge's executor (by default a shared cached pool of daemon threads; pass {@code
   * Executors.newVirtualThreadPerTaskExecutor()} on JDK 21+); no thread is used beyond the
   * attempts themselves. A losing attempt's thread is interrupted; a value it still returns goes
   * to the handler's {@code onDiscard} exactly once.
   *
   * @throws RetriesExhaustedException when every attempt failed retryably
   * @throws CallKilledException when the waiting thread is interrupted (its flag stays set)
   * @throws Exception the committed non-retryable exception, unchanged
   */
  public <T> T execute(AttemptCallable<T> call, OutcomeHandler<? super T> handler) throws Exception {
    Checks.notNull(call, "call");
    Checks.notNull(handler, "handler");
    CompletableFuture<T> outcome = executeAsync(context -> runOnExecutor(call, context, handler), handler);
    try {
      return outcome.get();
    } catch (InterruptedException interrupted) {
      outcome.cancel(true);
      Thread.currentThread().interrupt();
      throw HedgeExecution.killedByInterrupt(interrupted);
    } catch (ExecutionException failed) {
      Throwable cause = failed.getCause();
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw cause instanceof Exception ? (Exception) cause : failed;
    }
  }

  /** Like {@link #execute(AttemptCallable, OutcomeHandler)} with the default handler. */
  public <T> T execute(AttemptCallable<T> call) throws Exception {
    return execute(call, OutcomeHandler.defaults());
  }

  private <T> CompletableFuture<T> runOnExecutor(AttemptCallable<T> call, AttemptContext context, OutcomeHandler<? super T> handler) {
    CompletableFuture<T> result = new CompletableFuture<>();
    FutureTask<Void> task = new FutureTask<>(() -> {
      try {
        T value = call.call(context);
        // The engine cancelled this attempt's future before the value came: only we hold it now.
        if (!result.complete(value)) {
          HedgeExecution.discardLate(policy, handler, context.attempt(), value);
        }
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
      return null;
    });
    try {
      executor.execute(task);
    } catch (RejectedExecutionException rejected) {
      result.completeExceptionally(rejected);
      return result;
    }
    // A losing attempt's thread is interrupted, so blocking I/O that honours interrupts stops.
    context.onCancel(() -> task.cancel(true));
    return result;
  }

  @Override
  public String toString() {
    return "Hedge{" + policy + "}";
  }

  /** Builds a {@link Hedge}. Not thread-safe. */
  public static final class Builder {
    private final HedgePolicy policy;
    private Clock clock = Clock.system();
    private Scheduler scheduler = Scheduler.system();
    private RandomGenerator random = ThreadLocalRandomGenerator.INSTANCE;
    private Executor executor = DEFAULT_EXECUTOR;

    private Builder(HedgePolicy policy) {
      this.policy = Checks.notNull(policy, "policy");
    }

    /** Sets the clock. Default {@link Clock#system()}. */
    public Builder clock(Clock clock) {
      this.clock = Checks.notNull(clock, "clock");
      return this;
    }

    /** Sets the scheduler for hedge timers. Default {@link Scheduler#system()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Checks.notNull(scheduler, "scheduler");
      return this;
    }

    /** Sets the random (jittered and randomized delays). Default {@code ThreadLocalRandom}. */
    public Builder random(RandomGenerator random) {
      this.random = Checks.notNull(random, "random");
      return this;
    }

    /**
     * Sets where blocking attempts of {@code execute} run. Default: a shared cached pool of daemon
     * threads. Tailguard never shuts a caller's executor down.
     */
    public Builder executor(Executor executor) {
      this.executor = Checks.notNull(executor, "executor");
      return this;
    }

    /** Builds the hedge. */
    public Hedge build() {
      return new Hedge(policy, clock, scheduler, random, executor);
    }
  }
}
