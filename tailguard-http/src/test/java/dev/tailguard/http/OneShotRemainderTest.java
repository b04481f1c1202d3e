package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/**
 * {@link OneShotRemainder}: the buffered prefix, then the rest of the original publisher, sent
 * once, in order, only as the subscriber asks for it.
 */
class OneShotRemainderTest {

  /** The original publisher's subscription: records what was asked of it. */
  private static final class Upstream implements Flow.Subscription {
    final List<Long> requests = new ArrayList<>();
    int cancels;

    @Override public void request(long n) {
      requests.add(n);
    }

    @Override public void cancel() {
      cancels++;
    }
  }

  /** Records every signal as text, in order. */
  private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
    final List<String> signals = new ArrayList<>();
    Flow.Subscription subscription;
    Throwable error;

    @Override public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      signals.add("subscribe");
    }

    @Override public void onNext(ByteBuffer item) {
      signals.add("next:" + StandardCharsets.UTF_8.decode(item));
    }

    @Override public void onError(Throwable throwable) {
      error = throwable;
      signals.add("error:" + throwable.getClass().getSimpleName());
    }

    @Override public void onComplete() {
      signals.add("complete");
    }
  }

  private final Upstream upstream = new Upstream();
  private final OneShotRemainder body = new OneShotRemainder(bytes("prefix"), upstream);

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void itsLengthIsUnknown() {
    assertThat(body.contentLength()).isEqualTo(-1);
  }

  @Test
  void nothingIsSentOrAskedOfTheUpstreamBeforeTheSubscriberRequests() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);

    assertThat(downstream.signals).containsExactly("subscribe");
    assertThat(upstream.requests).isEmpty();
  }

  @Test
  void thePrefixComesFirstAndTheUpstreamIsAskedOnlyForTheDemandLeftAfterIt() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);

    downstream.subscription.request(1);
    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix");
    assertThat(upstream.requests).as("the one item asked for was the prefix").isEmpty();

    downstream.subscription.request(3);
    assertThat(upstream.requests).containsExactly(3L);
    body.upstreamNext(bytes("rest"));
    body.upstreamComplete();

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix", "next:rest", "complete");
  }

  @Test
  void aLargeFirstRequestSendsThePrefixAndForwardsTheRestOfTheDemand() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);

    downstream.subscription.request(5);

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix");
    assertThat(upstream.requests).containsExactly(4L);
  }

  @Test
  void unboundedDemandSaturatesInsteadOfOverflowing() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    downstream.subscription.request(1);

    downstream.subscription.request(Long.MAX_VALUE);
    downstream.subscription.request(Long.MAX_VALUE);

    assertThat(upstream.requests).isNotEmpty().allSatisfy(n -> assertThat(n).isPositive());
    assertThat(upstream.requests.get(0)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anUpstreamThatEndsBeforeThePrefixIsAskedFor_completesOnlyAfterThePrefix() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    body.upstreamComplete();
    assertThat(downstream.signals).containsExactly("subscribe");

    downstream.subscription.request(1);

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix", "complete");
    assertThat(upstream.requests).as("an ended upstream is not asked for more").isEmpty();
  }

  @Test
  void theUpstreamsFailureReachesTheSubscriberOnce() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    downstream.subscription.request(2);
    IllegalStateException failure = new IllegalStateException("disk gone");

    body.upstreamError(failure);
    body.upstreamError(new IllegalStateException("again"));
    body.upstreamComplete();

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix", "error:IllegalStateException");
    assertThat(downstream.error).isSameAs(failure);
  }

  @Test
  void completionIsSignalledOnce() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    downstream.subscription.request(1);
    body.upstreamComplete();
    body.upstreamComplete();
    downstream.subscription.request(1);

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix", "complete");
  }

  @Test
  void aSecondSubscriptionFailsAtOnceAndLeavesTheFirstAlone() {
    Recorder first = new Recorder();
    body.subscribe(first);
    Recorder second = new Recorder();

    body.subscribe(second);
    second.subscription.request(1);
    second.subscription.cancel();

    assertThat(second.signals).containsExactly("subscribe", "error:IllegalStateException");
    assertThat(second.error).hasMessageContaining("can be sent only once");
    assertThat(upstream.cancels).as("the second subscriber cannot cancel the first's body").isZero();
    first.subscription.request(1);
    assertThat(first.signals).containsExactly("subscribe", "next:prefix");
  }

  @Test
  void cancellingStopsEverySignalAndCancelsTheUpstream() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    downstream.subscription.request(1);

    downstream.subscription.cancel();
    downstream.subscription.request(5);
    body.upstreamNext(bytes("late"));
    body.upstreamComplete();

    assertThat(upstream.cancels).isEqualTo(1);
    assertThat(upstream.requests).isEmpty();
    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix");
  }

  @Test
  void itemsFromTheUpstreamBeforeAnyoneSubscribedAreNotDeliveredToNobody() {
    body.upstreamNext(bytes("early"));
    Recorder downstream = new Recorder();
    body.subscribe(downstream);
    downstream.subscription.request(1);

    assertThat(downstream.signals).containsExactly("subscribe", "next:prefix");
  }

  @Test
  void thePrefixIsSentFromItsStartEvenIfTheSubscriberConsumesTheBuffer() {
    List<Integer> sizes = new ArrayList<>();
    body.subscribe(new Flow.Subscriber<>() {
      @Override public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(1);
      }
      @Override public void onNext(ByteBuffer item) {
        sizes.add(item.remaining());
        item.position(item.limit());
      }
      @Override public void onError(Throwable throwable) {}
      @Override public void onComplete() {}
    });

    assertThat(sizes).containsExactly(6);
  }

  @Test
  void aSubscriberThatRequestsFromInsideOnNext_getsItemsInOrderWithoutRecursing() {
    List<String> received = new ArrayList<>();
    int[] depth = {0};
    int[] deepest = {0};
    body.subscribe(new Flow.Subscriber<>() {
      Flow.Subscription subscription;
      @Override public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }
      @Override public void onNext(ByteBuffer item) {
        depth[0]++;
        deepest[0] = Math.max(deepest[0], depth[0]);
        received.add(StandardCharsets.UTF_8.decode(item).toString());
        subscription.request(1);
        depth[0]--;
      }
      @Override public void onError(Throwable throwable) {}
      @Override public void onComplete() {
        received.add("complete");
      }
    });

    assertThat(received).containsExactly("prefix");
    assertThat(upstream.requests).containsExactly(1L);
    assertThat(deepest[0]).isEqualTo(1);
  }

  @Test
  void nonPositiveRequest_failsTheSubscriberAndStopsReadingTheBody() {
    // Reactive Streams §3.9. The old code cancelled first, which swallowed the error: the
    // subscriber (the JDK client sending this body) was never told and waited.
    for (long bad : new long[] {0, -1}) {
      Upstream original = new Upstream();
      OneShotRemainder remainder = new OneShotRemainder(bytes("prefix"), original);
      Recorder downstream = new Recorder();
      remainder.subscribe(downstream);

      downstream.subscription.request(bad);
      downstream.subscription.request(1);
      remainder.upstreamNext(bytes("late"));

      assertThat(downstream.signals).as("request(%d)", bad).containsExactly("subscribe", "error:IllegalArgumentException");
      assertThat(downstream.error).hasMessageContaining("request(" + bad + ")");
      assertThat(original.cancels).isEqualTo(1);
      assertThat(original.requests).isEmpty();
    }
  }

  @Test
  void anUpstreamFailureNeedsNoDemand() {
    Recorder downstream = new Recorder();
    body.subscribe(downstream);

    body.upstreamError(new IllegalStateException("disk gone"));

    assertThat(downstream.signals).containsExactly("subscribe", "error:IllegalStateException");
  }
}
