package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailguard.testing.FakeClock;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link EndWatchingSubscriber} passes a body through unchanged and tells the attempt's {@link
 * AbandonedExchange} how many bytes arrived and when the body ended, so that an ended exchange is
 * never cancelled and a drained one is reset once it outgrows its bound.
 */
class EndWatchingSubscriberTest {
  private static final long MAX_DRAIN = 100;

  private final FakeClock clock = new FakeClock();
  private final CompletableFuture<Object> exchange = new CompletableFuture<>();
  /** An attempt that may be HTTP/2, with no reset token: abandoned, it is drained up to MAX_DRAIN. */
  private final AbandonedExchange watch = new AbandonedExchange(true, MAX_DRAIN, new ResetBudget(0, clock), clock, clock);
  private final HttpResponse.BodySubscriber<byte[]> caller = HttpResponse.BodySubscribers.ofByteArray();
  private final EndWatchingSubscriber<byte[]> subscriber = new EndWatchingSubscriber<>(caller, watch);

  EndWatchingSubscriberTest() {
    watch.attach(exchange);
    subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
      @Override public void request(long n) {}
      @Override public void cancel() {}
    });
  }

  @Test
  void theBytesOfEveryBufferInAnItemCount_andTheCallerGetsThemUnchanged() throws Exception {
    watch.abandon();
    assertThat(exchange).isNotDone();

    subscriber.onNext(List.of(ByteBuffer.wrap(new byte[60]), ByteBuffer.wrap(new byte[40])));
    assertThat(exchange).as("exactly the bound: still drained").isNotDone();
    subscriber.onNext(List.of(ByteBuffer.wrap(new byte[] {7})));
    assertThat(exchange).as("past the bound: reset").isCancelled();

    subscriber.onComplete();
    assertThat(caller.getBody().toCompletableFuture().get()).hasSize(101).endsWith(7);
  }

  @Test
  void aCompletedBodyNeedsNoCancel() throws Exception {
    subscriber.onNext(List.of(ByteBuffer.wrap(new byte[] {1, 2})));
    subscriber.onComplete();

    watch.abandon();

    assertThat(exchange).as("its exchange ends by itself").isNotDone();
    assertThat(clock.pendingTasks()).isZero();
    assertThat(caller.getBody().toCompletableFuture().get()).containsExactly(1, 2);
  }

  @Test
  void aFailedBodyNeedsNoCancel_andTheCallerGetsTheFailure() {
    IOException reset = new IOException("stream reset");
    subscriber.onError(reset);

    watch.abandon();

    assertThat(exchange).isNotDone();
    assertThat(clock.pendingTasks()).isZero();
    assertThat(caller.getBody().toCompletableFuture()).isCompletedExceptionally();
    assertThat(caller.getBody().toCompletableFuture().handle((body, failure) -> failure).join()).isSameAs(reset);
  }
}
