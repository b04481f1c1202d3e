package dev.tailguard;

import dev.tailguard.internal.Checks;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * What a call answers instead of failing (the design notes' "degradation"), outermost in a
 * {@link Pipeline}: a constant, a function of the failure, or an alternate call.
 *
 * <pre>{@code
 * Fallback<Price> cached = Fallback.<Price>from(failure -> cache.last()).on(Fallback.Trigger.CIRCUIT_OPEN);
 * }</pre>
 *
 * <p>By default it applies to any failure except a call its caller killed (cancelled, or a
 * blocking caller interrupted) and an {@link Error}; a hedged call killed because its budget
 * refused a hedge ({@link HedgePolicy.RefusedHedge#KILL_CALL}) counts as {@link
 * Trigger#BUDGET_DENIED}. Instances are immutable and thread-safe when their functions are.
 *
 * @param <T> the result type
 * @since 0.1
 */
public final class Fallback<T> {
  /** Which failures a fallback answers. */
  public enum Trigger {
    /** The circuit breaker rejected the call ({@link CircuitOpenException}). */
    CIRCUIT_OPEN,
    /** Retries or hedges ran out ({@link RetriesExhaustedException}). */
    RETRIES_EXHAUSTED,
    /** A budget refused the call or its retry ({@link BudgetExhaustedException}, or a give-up for that reason). */
    BUDGET_DENIED,
    /** Any failure. */
    ANY_FAILURE
  }

  private final Function<Throwable, ? extends CompletionStage<T>> answer;
  private final Set<Trigger> triggers;

  private Fallback(Function<Throwable, ? extends CompletionStage<T>> answer, Set<Trigger> triggers) {
    this.answer = answer;
    this.triggers = triggers;
  }

  /** Answers a constant. */
  public static <T> Fallback<T> of(T value) {
    return new Fallback<>(failure -> CompletableFuture.completedFuture(value), EnumSet.of(Trigger.ANY_FAILURE));
  }

  /** Answers a function of the failure. */
  public static <T> Fallback<T> from(Function<Throwable, ? extends T> function) {
    Checks.notNull(function, "function");
    return new Fallback<>(failure -> CompletableFuture.completedFuture(function.apply(failure)), EnumSet.of(Trigger.ANY_FAILURE));
  }

  /** Answers with an alternate asynchronous call (another cluster, a cache). */
  public static <T> Fallback<T> call(Function<Throwable, ? extends CompletionStage<T>> alternate) {
    return new Fallback<>(Checks.notNull(alternate, "alternate"), EnumSet.of(Trigger.ANY_FAILURE));
  }

  /**
   * A copy that applies only to the given triggers.
   *
   * @throws IllegalArgumentException if none is given
   */
  public Fallback<T> on(Trigger first, Trigger... more) {
    return new Fallback<>(answer, EnumSet.of(Checks.notNull(first, "trigger"), more));
  }

  /** Whether this fallback answers {@code failure}. */
  public boolean appliesTo(Throwable failure) {
    // A hedged call killed by its budget (RefusedHedge.KILL_CALL) is a budget denial, not a caller's cancel.
    boolean killedByBudget = failure instanceof CallKilledException && failure.getCause() instanceof BudgetExhaustedException;
    // An interrupted synchronous caller gave up, as a cancelling one does.
    boolean interrupted = failure instanceof InterruptedException
        || (failure instanceof RetriesExhaustedException && ((RetriesExhaustedException) failure).reason() == GiveUpReason.INTERRUPTED);
    // A killed call was abandoned by its caller; an Error is the JVM in trouble: no fallback for either.
    if ((failure instanceof CancellationException && !killedByBudget) || interrupted || failure instanceof Error) {
      return false;
    }
    if (triggers.contains(Trigger.ANY_FAILURE)) {
      return true;
    }
    if (triggers.contains(Trigger.CIRCUIT_OPEN) && failure instanceof CircuitOpenException) {
      return true;
    }
    boolean exhausted = failure instanceof RetriesExhaustedException;
    if (triggers.contains(Trigger.RETRIES_EXHAUSTED) && exhausted) {
      return true;
    }
    boolean denied = failure instanceof BudgetExhaustedException
        || killedByBudget
        || (exhausted && ((RetriesExhaustedException) failure).reason() == GiveUpReason.ADMISSION_DENIED);
    return triggers.contains(Trigger.BUDGET_DENIED) && denied;
  }

  /** Produces the fallback answer for {@code failure}. */
  public CompletionStage<T> answer(Throwable failure) {
    return answer.apply(failure);
  }

  /** Returns the triggers this fallback answers. */
  public Set<Trigger> triggers() {
    return Set.copyOf(triggers);
  }
}
