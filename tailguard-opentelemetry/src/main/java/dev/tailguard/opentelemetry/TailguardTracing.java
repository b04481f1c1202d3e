package dev.tailguard.opentelemetry;

import dev.tailguard.AsyncAttempt;
import dev.tailguard.AttemptCallable;
import dev.tailguard.AttemptContext;
import dev.tailguard.BudgetExhaustedException;
import dev.tailguard.CircuitOpenException;
import dev.tailguard.ConcurrencyLimitExceededException;
import dev.tailguard.GiveUpReason;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.RetriesExhaustedException;
import dev.tailguard.Verdict;
import dev.tailguard.time.Clock;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * OpenTelemetry spans for Tailguard calls: one span for the logical call and a child span per
 * attempt, so a trace shows each retry and hedge, when it started, and which one won.
 *
 * <pre>{@code
 * TailguardTracing tracing = TailguardTracing.of(openTelemetry, "payments");
 * CompletableFuture<Price> price = tracing.traceAsync(a -> hedge.executeAsync(a, handler), attempt, handler);
 * }</pre>
 *
 * <p>Attempt span attributes: {@code tailguard.attempt} (from 1), {@code tailguard.attempt.kind}
 * (first, retry or hedge: a hedge starts while an earlier attempt still runs), {@code
 * tailguard.attempt.delay_ms} (since the previous attempt ended, for a retry; since it started,
 * for a hedge), {@code tailguard.attempt.won} and {@code tailguard.attempt.cancelled}. A breaker
 * rejection ({@code tailguard.circuit_open}), a concurrency limit's refusal ({@code
 * tailguard.concurrency_limited}, with the limit's {@code name}, {@code limit} and {@code
 * in_flight}) and a budget denial ({@code tailguard.budget_exhausted}) are events on the call span (and a rejection from a breaker inside the attempt, on the attempt's). Attempts start with their span
 * current, so client instrumentation nests below it. Thread-safe.
 */
public final class TailguardTracing {
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("tailguard.attempt");
  static final AttributeKey<String> KIND = AttributeKey.stringKey("tailguard.attempt.kind");
  static final AttributeKey<Double> DELAY_MS = AttributeKey.doubleKey("tailguard.attempt.delay_ms");
  static final AttributeKey<Boolean> WON = AttributeKey.booleanKey("tailguard.attempt.won");
  static final AttributeKey<Boolean> CANCELLED = AttributeKey.booleanKey("tailguard.attempt.cancelled");
  static final AttributeKey<String> GUARD = AttributeKey.stringKey("tailguard.name");

  private final Tracer tracer;
  private final String name;
  private final Clock clock;

  private TailguardTracing(Tracer tracer, String name, Clock clock) {
    this.tracer = tracer;
    this.name = name;
    this.clock = clock;
  }

  /** Traces calls of the guard {@code name} with the given OpenTelemetry instance. */
  public static TailguardTracing of(OpenTelemetry openTelemetry, String name) {
    return of(openTelemetry, name, Clock.system());
  }

  /** Like {@link #of(OpenTelemetry, String)}, measuring attempt delays on {@code clock}. */
  public static TailguardTracing of(OpenTelemetry openTelemetry, String name, Clock clock) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new TailguardTracing(openTelemetry.getTracer("dev.tailguard"), Objects.requireNonNull(name, "name"), Objects.requireNonNull(clock, "clock"));
  }

  /** An engine call: {@code attempt -> retry.executeAsync(attempt, handler)}. */
  @FunctionalInterface
  public interface AsyncEngine<T> extends Function<AsyncAttempt<T>, CompletableFuture<T>> {}

  /** A blocking engine call: {@code attempt -> retry.execute(attempt, handler)}. */
  @FunctionalInterface
  public interface SyncEngine<T> {
    T run(AttemptCallable<T> attempt) throws Exception;
  }

  /** Runs an asynchronous call under a call span, with a child span per attempt. */
  public <T> CompletableFuture<T> traceAsync(AsyncEngine<T> engine, AsyncAttempt<T> attempt, OutcomeHandler<? super T> handler) {
    Call call = new Call(handler);
    CompletableFuture<T> result;
    try (Scope ignored = call.span.makeCurrent()) {
      result = engine.apply(context -> {
        Attempt span = call.begin(context);
        CompletionStage<T> stage;
        try (Scope scope = span.span.makeCurrent()) {
          stage = attempt.start(context);
        } catch (RuntimeException | Error e) {
          call.end(span, null, e);
          throw e;
        }
        stage.whenComplete((r, e) -> call.end(span, r, unwrap(e)));
        return stage;
      });
    }
    result.whenComplete((r, e) -> call.finish(unwrap(e)));
    return result;
  }

  /** Runs a blocking call under a call span, with a child span per attempt. */
  public <T> T trace(SyncEngine<T> engine, AttemptCallable<T> attempt, OutcomeHandler<? super T> handler) throws Exception {
    Call call = new Call(handler);
    try (Scope ignored = call.span.makeCurrent()) {
      T result = engine.run(context -> {
        Attempt span = call.begin(context);
        try (Scope scope = span.span.makeCurrent()) {
          T value = attempt.call(context);
          call.end(span, value, null);
          return value;
        } catch (Exception | Error e) {
          call.end(span, null, e);
          throw e;
        }
      });
      call.finish(null);
      return result;
    } catch (Exception | Error e) {
      call.finish(e);
      throw e;
    }
  }

  private static Attributes limited(ConcurrencyLimitExceededException refusal) {
    return Attributes.of(AttributeKey.stringKey("name"), refusal.name(), AttributeKey.longKey("limit"), (long) refusal.limit(),
        AttributeKey.longKey("in_flight"), (long) refusal.inFlight());
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** One attempt's span and timing. */
  private static final class Attempt {
    final Span span;
    final long startNanos;
    volatile long endNanos = -1;
    boolean ended;

    Attempt(Span span, long startNanos) {
      this.span = span;
      this.startNanos = startNanos;
    }
  }

  /** One logical call. Guarded by its own monitor: attempts may end on several threads. */
  private final class Call {
    final Span span;
    final OutcomeHandler<?> handler;
    final List<Attempt> attempts = new ArrayList<>();
    boolean decided;

    Call(OutcomeHandler<?> handler) {
      this.handler = handler;
      this.span = tracer.spanBuilder("tailguard.call " + name).setAttribute(GUARD, name).startSpan();
    }

    synchronized Attempt begin(AttemptContext context) {
      long now = clock.nanoTime();
      Attempt previous = attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
      boolean overlapping = attempts.stream().anyMatch(a -> a.endNanos < 0);
      String kind = previous == null ? "first" : overlapping ? "hedge" : "retry";
      Span attemptSpan = tracer.spanBuilder("tailguard.attempt " + name)
          .setParent(Context.current().with(span))
          .setAttribute(GUARD, name)
          .setAttribute(ATTEMPT, (long) context.attempt())
          .setAttribute(KIND, kind)
          .startSpan();
      if (previous != null) {
        long since = overlapping ? previous.startNanos : previous.endNanos;
        attemptSpan.setAttribute(DELAY_MS, (now - since) / 1e6);
      }
      Attempt attempt = new Attempt(attemptSpan, now);
      attempts.add(attempt);
      context.onCancel(() -> cancelled(attempt));
      return attempt;
    }

    synchronized void cancelled(Attempt attempt) {
      if (attempt.ended) {
        return;
      }
      attempt.ended = true;
      attempt.endNanos = clock.nanoTime();
      attempt.span.setAttribute(CANCELLED, true).setAttribute(WON, false).end();
    }

    @SuppressWarnings("unchecked")
    void end(Attempt attempt, Object result, Throwable error) {
      Verdict verdict;
      if (error instanceof CancellationException) {
        cancelled(attempt);
        return;
      }
      try {
        verdict = ((OutcomeHandler<Object>) handler).classifier().classify(result, error);
      } catch (RuntimeException e) {
        verdict = Verdict.NON_RETRYABLE;
      }
      synchronized (this) {
        if (attempt.ended) {
          return;
        }
        attempt.ended = true;
        attempt.endNanos = clock.nanoTime();
        // The first success, or the first non-retryable outcome, is what the call returns.
        boolean won = !decided && verdict != Verdict.RETRYABLE;
        decided |= won;
        if (error instanceof CircuitOpenException) {
          attempt.span.addEvent("tailguard.circuit_open", Attributes.of(AttributeKey.stringKey("state"), ((CircuitOpenException) error).state().name()));
        }
        if (error instanceof ConcurrencyLimitExceededException) {
          attempt.span.addEvent("tailguard.concurrency_limited", limited((ConcurrencyLimitExceededException) error));
        }
        if (error != null) {
          attempt.span.recordException(error);
          attempt.span.setStatus(StatusCode.ERROR);
        }
        attempt.span.setAttribute(CANCELLED, false).setAttribute(WON, won).end();
      }
    }

    void finish(Throwable error) {
      // In a Pipeline the breaker guards the traced attempt from outside: its refusal ends the call.
      if (error instanceof CircuitOpenException) {
        span.addEvent("tailguard.circuit_open", Attributes.of(AttributeKey.stringKey("state"), ((CircuitOpenException) error).state().name()));
      }
      if (error instanceof ConcurrencyLimitExceededException) {
        span.addEvent("tailguard.concurrency_limited", limited((ConcurrencyLimitExceededException) error));
      }
      BudgetExhaustedException denial = denial(error);
      if (denial != null) {
        span.addEvent("tailguard.budget_exhausted", Attributes.of(AttributeKey.doubleKey("level"), denial.state().level(),
            AttributeKey.longKey("attempt"), (long) denial.attempt()));
      }
      if (error != null) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR);
      }
      synchronized (this) {
        span.setAttribute(AttributeKey.longKey("tailguard.attempts"), (long) attempts.size());
      }
      span.end();
    }

    private BudgetExhaustedException denial(Throwable error) {
      if (error instanceof BudgetExhaustedException) {
        return (BudgetExhaustedException) error;
      }
      if (error instanceof RetriesExhaustedException && ((RetriesExhaustedException) error).reason() == GiveUpReason.ADMISSION_DENIED) {
        for (Throwable suppressed : error.getSuppressed()) {
          if (suppressed instanceof BudgetExhaustedException) {
            return (BudgetExhaustedException) suppressed;
          }
        }
      }
      return null;
    }
  }
}
