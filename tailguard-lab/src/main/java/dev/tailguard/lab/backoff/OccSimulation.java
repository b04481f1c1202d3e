package dev.tailguard.lab.backoff;

import dev.tailguard.Backoff;
import dev.tailguard.OutcomeHandler;
import dev.tailguard.Retry;
import dev.tailguard.RetryPolicy;
import dev.tailguard.Verdict;
import dev.tailguard.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The optimistic-concurrency model behind Brooker's "Exponential Backoff And Jitter" (AWS
 * Architecture Blog, 2015), run in virtual time.
 *
 * <p>N clients start at t = 0 and each updates the same row once: read its version, then write it
 * conditionally. A write that lost the race fails, backs off and starts again from the read. Each
 * of the four messages per attempt (read request, read response, write request, write response)
 * takes |Normal(mean, sd)|.
 *
 * <p>Each client is one {@link Retry#executeAsync} call on a {@link FakeClock}: the real engine
 * decides every retry and the real {@link Backoff} computes every delay, through the same
 * scheduler seam production code uses. A failed write is a retryable result; attempts are
 * unlimited.
 */
final class OccSimulation {
  private static final OutcomeHandler<Boolean> WRITE_OUTCOME =
      OutcomeHandler.of((written, error) -> Boolean.TRUE.equals(written) ? Verdict.SUCCESS : Verdict.RETRYABLE);

  private final FakeClock clock = new FakeClock();
  private final RandomGenerator random;
  private final long netMeanNanos;
  private final long netSdNanos;
  private int version;
  private long writeCalls;

  /** What one run measured. */
  static final class Outcome {
    final long writeCalls;
    final long completionNanos;

    Outcome(long writeCalls, long completionNanos) {
      this.writeCalls = writeCalls;
      this.completionNanos = completionNanos;
    }
  }

  private OccSimulation(RandomGenerator random, Duration netMean, Duration netSd) {
    this.random = random;
    this.netMeanNanos = netMean.toNanos();
    this.netSdNanos = netSd.toNanos();
  }

  /** Runs one simulation until every client has written; returns calls and completion time. */
  static Outcome run(int clients, Backoff backoff, RandomGenerator random, Duration netMean, Duration netSd) {
    OccSimulation sim = new OccSimulation(random, netMean, netSd);
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE).backoff(backoff).build();
    Retry retry = Retry.of(policy, sim.clock, sim.clock, random);
    CompletableFuture<?>[] calls = new CompletableFuture<?>[clients];
    for (int i = 0; i < clients; i++) {
      calls[i] = retry.executeAsync(sim::updateOnce, WRITE_OUTCOME);
    }
    sim.clock.runUntilIdle();
    for (CompletableFuture<?> call : calls) {
      if (!call.isDone() || call.isCompletedExceptionally()) {
        throw new IllegalStateException("a client did not complete its update: " + call);
      }
    }
    return new Outcome(sim.writeCalls, sim.clock.nanoTime());
  }

  /** One attempt: read the version, then write it conditionally. Completes with "written?". */
  private CompletableFuture<Boolean> updateOnce() {
    CompletableFuture<Boolean> written = new CompletableFuture<>();
    after(networkDelay(), () -> {
      int seen = version; // the server reads the row
      after(networkDelay(), () -> // the read response reaches the client
          after(networkDelay(), () -> { // the write request reaches the server
            writeCalls++;
            boolean success = seen == version;
            if (success) {
              version++;
            }
            after(networkDelay(), () -> written.complete(success));
          }));
    });
    return written;
  }

  private void after(long nanos, Runnable action) {
    clock.schedule(action, Duration.ofNanos(nanos));
  }

  private long networkDelay() {
    return Math.abs(Math.round(netMeanNanos + netSdNanos * random.nextGaussian()));
  }
}
