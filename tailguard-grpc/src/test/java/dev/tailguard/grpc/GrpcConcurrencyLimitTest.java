package dev.tailguard.grpc;

import static dev.tailguard.grpc.EchoService.UNARY;
import static dev.tailguard.grpc.EchoService.fail;
import static dev.tailguard.grpc.EchoService.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.tailguard.Backoff;
import dev.tailguard.ConcurrencyLimit;
import dev.tailguard.RetryPolicy;
import dev.tailguard.testing.Eventually;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 20 on the gRPC adapter: a {@link ConcurrencyLimit} given to {@code GrpcPolicy}'s builder
 * bounds the calls the server sees, closes the call over it UNAVAILABLE without sending it and
 * without retrying it (UNAVAILABLE is retryable, the refusal is not), and every attempt gives its
 * permit back.
 */
@Timeout(30)
class GrpcConcurrencyLimitTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private Channel through(EchoService service, ConcurrencyLimit limit) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(service.definition()).build().start();
    channel = InProcessChannelBuilder.forName(name).disableRetry().build();
    GrpcPolicy policy = GrpcPolicy.builder().retry(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build())
        .concurrencyLimit(limit).build();
    return ClientInterceptors.intercept(channel, TailguardClientInterceptor.of(policy));
  }

  @Test
  void aFullLimitClosesTheNextCallUnavailableWithoutSendingOrRetryingIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    EchoService.Step held = (request, responses) -> {
      try {
        release.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ok("pong").run(request, responses);
    };
    EchoService service = new EchoService(held, held, ok("third"));
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(2).name("echo").build();
    Channel channel = through(service, limit);
    ListenableFuture<String> first = ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "a");
    ListenableFuture<String> second = ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "b");
    Eventually.holds(() -> service.calls() == 2, BOUND);
    assertThat(limit.inFlight()).isEqualTo(2);

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, CallOptions.DEFAULT, "c"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("concurrency limit 'echo'");
        });
    assertThat(limit.refusals()).as("refused once, not retried into the same limit").isEqualTo(1);

    release.countDown();
    assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("pong");
    assertThat(second.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("pong");
    assertThat(service.calls()).isEqualTo(2);
    Eventually.holds(() -> limit.inFlight() == 0, BOUND);
  }

  @Test
  void retriedAttemptsReturnTheirPermitsSoALimitOfOneServesTheWholeCall() throws Exception {
    EchoService service = new EchoService(fail(Status.UNAVAILABLE), fail(Status.UNAVAILABLE), ok("pong"));
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("echo").build();
    assertThat(ClientCalls.blockingUnaryCall(through(service, limit), UNARY, CallOptions.DEFAULT, "ping")).isEqualTo("pong");
    assertThat(service.calls()).isEqualTo(3);
    assertThat(limit.refusals()).isZero();
    Eventually.holds(() -> limit.inFlight() == 0, BOUND);
  }

  /**
   * A per-call {@code MAX_ATTEMPTS} rebuilds the channel's policy for that call; the rebuilt policy
   * once left the concurrency limit out, so such a call went past a full limit to the server.
   */
  @Test
  void aCallWithItsOwnMaxAttemptsStillCountsAgainstTheLimit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    EchoService.Step held = (request, responses) -> {
      try {
        release.await(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ok("pong").run(request, responses);
    };
    EchoService service = new EchoService(held, ok("past the limit"));
    ConcurrencyLimit limit = ConcurrencyLimit.fixed(1).name("echo").build();
    Channel channel = through(service, limit);
    ListenableFuture<String> first = ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), "a");
    Eventually.holds(() -> service.calls() == 1, BOUND);

    CallOptions ownAttempts = CallOptions.DEFAULT.withOption(TailguardClientInterceptor.MAX_ATTEMPTS, 2);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY, ownAttempts, "b"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("concurrency limit 'echo'");
        });
    assertThat(limit.refusals()).isEqualTo(1);

    release.countDown();
    assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isEqualTo("pong");
    assertThat(service.calls()).isEqualTo(1);
  }
}
