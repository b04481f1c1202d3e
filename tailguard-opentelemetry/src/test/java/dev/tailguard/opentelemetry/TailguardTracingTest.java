package dev.tailguard.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.Backoff;
import dev.tailguard.CircuitBreaker;
import dev.tailguard.CircuitBreakerConfig;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.Hedge;
import dev.tailguard.HedgeDelay;
import dev.tailguard.HedgePolicy;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Pipeline;
import dev.tailguard.Retry;
import dev.tailguard.RetryBudget;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TailguardTracingTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
  private final FakeClock clock = new FakeClock();
  private final TailguardTracing tracing = TailguardTracing.of(otel, "backend", clock);

  @AfterEach
  void close() {
    provider.close();
  }

  private List<SpanData> attempts() {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("tailguard.attempt"))
        .sorted(Comparator.comparing(s -> s.getAttributes().get(TailguardTracing.ATTEMPT))).collect(Collectors.toList());
  }

  private SpanData call() {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("tailguard.call")).findFirst().orElseThrow();
  }

  @Test
  void aHedgedCallHasOneChildSpanPerAttemptAndMarksTheWinner() {
    Hedge hedge = Hedge.of(HedgePolicy.builder(HedgeDelay.fixed(Duration.ofMillis(10))).build(), clock, clock);
    int[] n = {0};
    CompletableFuture<String> result = tracing.traceAsync(a -> hedge.executeAsync(a, OutcomeHandler.defaults()), context -> {
      CompletableFuture<String> f = new CompletableFuture<>();
      clock.schedule(() -> f.complete("ok"), Duration.ofMillis(n[0]++ == 0 ? 100 : 5));
      return f;
    }, OutcomeHandler.defaults());
    clock.runUntilIdle();
    assertThat(result).isCompletedWithValue("ok");
    List<SpanData> attempts = attempts();
    assertThat(attempts).hasSize(2);
    assertThat(attempts).allSatisfy(a -> assertThat(a.getParentSpanId()).isEqualTo(call().getSpanId()));
    assertThat(attempts.get(0).getAttributes().get(TailguardTracing.KIND)).isEqualTo("first");
    assertThat(attempts.get(0).getAttributes().get(TailguardTracing.CANCELLED)).isTrue();
    assertThat(attempts.get(0).getAttributes().get(TailguardTracing.WON)).isFalse();
    assertThat(attempts.get(1).getAttributes().get(TailguardTracing.KIND)).isEqualTo("hedge");
    assertThat(attempts.get(1).getAttributes().get(TailguardTracing.DELAY_MS)).isEqualTo(10.0);
    assertThat(attempts.get(1).getAttributes().get(TailguardTracing.WON)).isTrue();
  }

  @Test
  void aRetriedCallRecordsTheWaitBeforeEachRetry() throws Exception {
    Retry retry = Retry.of(RetryPolicy.builder().backoff(Backoff.fixed(Duration.ofMillis(20))).build(), clock, clock);
    AtomicInteger n = new AtomicInteger();
    String result = tracing.trace(a -> retry.execute(a, OutcomeHandler.defaults()), context -> {
      clock.sleep(Duration.ofMillis(5));
      if (n.incrementAndGet() == 1) {
        throw new IOException("reset");
      }
      return "ok";
    }, OutcomeHandler.defaults());
    assertThat(result).isEqualTo("ok");
    List<SpanData> attempts = attempts();
    assertThat(attempts).extracting(a -> a.getAttributes().get(TailguardTracing.KIND)).containsExactly("first", "retry");
    assertThat(attempts.get(1).getAttributes().get(TailguardTracing.DELAY_MS)).isEqualTo(20.0);
    assertThat(attempts).extracting(a -> a.getAttributes().get(TailguardTracing.WON)).containsExactly(false, true);
    assertThat(call().getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("tailguard.attempts"))).isEqualTo(2);
  }

  @Test
  void aBudgetDenialIsAnEventOnTheCallSpan() {
    RetryBudget empty = RetryBudget.tokenBucket().maxTokens(2).build();
    empty.record(Verdict.RETRYABLE);
    Retry retry = Retry.of(RetryPolicy.builder().admission(empty).build(), clock, clock);
    CompletableFuture<String> result = tracing.traceAsync(a -> retry.executeAsync(a, OutcomeHandler.defaults()),
        context -> CompletableFuture.failedFuture(new IOException("down")), OutcomeHandler.defaults());
    clock.runUntilIdle();
    assertThat(result).isCompletedExceptionally();
    assertThat(call().getEvents()).extracting(e -> e.getName()).contains("tailguard.budget_exhausted");
  }

  @Test
  void aBreakerRejectionIsAnEventOnTheCallSpan() {
    CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerConfig.builder("backend").build(), clock);
    breaker.transitionToForcedOpen();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).circuitBreaker(breaker).build();
    CompletableFuture<String> result = tracing.traceAsync(a -> pipeline.executeAsync(a, OutcomeHandler.defaults()),
        context -> CompletableFuture.completedFuture("unreached"), OutcomeHandler.defaults());
    assertThat(result).isCompletedExceptionally();
    // In a Pipeline the breaker guards the traced attempt from outside: no attempt ran.
    assertThat(attempts()).isEmpty();
    assertThat(call().getEvents()).extracting(e -> e.getName()).contains("tailguard.circuit_open");
  }

  @Test
  void aConcurrencyLimitRefusalIsAnEventOnTheCallSpan() {
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("backend-limit").clock(clock).scheduler(clock).build();
    long held = limit.tryAcquire();
    Pipeline pipeline = Pipeline.builder().clock(clock).scheduler(clock).concurrencyLimit(limit).build();
    CompletableFuture<String> result = tracing.traceAsync(a -> pipeline.executeAsync(a, OutcomeHandler.defaults()),
        context -> CompletableFuture.completedFuture("unreached"), OutcomeHandler.defaults());
    assertThat(result).isCompletedExceptionally();
    // Like the breaker, the limit guards the traced attempt from outside: no attempt ran.
    assertThat(attempts()).isEmpty();
    assertThat(call().getEvents()).filteredOn(e -> e.getName().equals("tailguard.concurrency_limited")).singleElement()
        .satisfies(e -> {
          assertThat(e.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("name"))).isEqualTo("backend-limit");
          assertThat(e.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("limit"))).isEqualTo(1);
          assertThat(e.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("in_flight"))).isEqualTo(1);
        });
    limit.onIgnored(held);
  }

  @Test
  void attemptsStartWithTheirSpanCurrent() {
    Retry retry = Retry.of(RetryPolicy.builder().maxAttempts(1).build(), clock, clock);
    String[] seen = new String[1];
    tracing.traceAsync(a -> retry.executeAsync(a, OutcomeHandler.defaults()), context -> {
      seen[0] = Span.current().getSpanContext().getSpanId();
      return CompletableFuture.completedFuture("ok");
    }, OutcomeHandler.defaults());
    assertThat(seen[0]).isEqualTo(attempts().get(0).getSpanId());
  }
}
