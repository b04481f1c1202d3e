package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestBodies#prepare}: a one-shot body is read into memory up to the replay cap, asking
 * its publisher for one item at a time; a body over the cap goes out once as the bytes read so far
 * followed by the rest of the publisher, failures included.
 */
class RequestBodiesTest {
  private final ReplayBudget budget = new ReplayBudget(1 << 20);

  /** A one-shot body that sends an item only when asked for one, then completes or fails. */
  private static BodyPublisher oneShot(Throwable failure, String... chunks) {
    return BodyPublishers.fromPublisher(items(failure, chunks));
  }

  private static Flow.Publisher<ByteBuffer> items(Throwable failure, String... chunks) {
    return subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
      private int next;
      private boolean ended;

      @Override
      public void request(long n) {
        for (long i = 0; i < n && !ended; i++) {
          if (next < chunks.length) {
            subscriber.onNext(ByteBuffer.wrap(chunks[next++].getBytes(StandardCharsets.UTF_8)));
          } else {
            ended = true;
            if (failure != null) {
              subscriber.onError(failure);
            } else {
              subscriber.onComplete();
            }
          }
        }
      }

      @Override
      public void cancel() {
        ended = true;
      }
    });
  }

  /** Everything a publisher sends to a subscriber that asks for all of it, and how it ended. */
  private static String drain(BodyPublisher publisher, AtomicReference<Throwable> failure) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder end = new StringBuilder();
    publisher.subscribe(new Flow.Subscriber<>() {
      @Override public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
      }
      @Override public void onNext(ByteBuffer item) {
        byte[] copy = new byte[item.remaining()];
        item.get(copy);
        out.writeBytes(copy);
      }
      @Override public void onError(Throwable throwable) {
        failure.set(throwable);
        end.append("|error");
      }
      @Override public void onComplete() {
        end.append("|complete");
      }
    });
    return out.toString(StandardCharsets.UTF_8) + end;
  }

  @Test
  void aBodyOfExactlyTheCapInSeveralItems_isReadWholeAndReplayable() throws Exception {
    CompletableFuture<RequestBodies.Prepared> prepared =
        RequestBodies.prepare(Optional.of(oneShot(null, "abc", "def")), 6, budget.open());

    assertThat(prepared).as("every item was asked for, one at a time").isDone();
    RequestBodies.Prepared body = prepared.get();
    assertThat(body.replayable()).isTrue();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    assertThat(drain(body.publisher().orElseThrow(), failure)).isEqualTo("abcdef|complete");
    assertThat(drain(body.publisher().orElseThrow(), failure)).as("and again").isEqualTo("abcdef|complete");
  }

  @Test
  void aBodyOverTheCap_goesOutOnceAsWhatWasReadThenTheRest() throws Exception {
    RequestBodies.Prepared body = RequestBodies.prepare(Optional.of(oneShot(null, "abc", "def", "ghi")), 4, budget.open()).get();

    assertThat(body.replayable()).isFalse();
    assertThat(body.bytesRead()).isEqualTo(6);
    assertThat(body.limit()).isEqualTo(4);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    assertThat(drain(body.publisher().orElseThrow(), failure)).isEqualTo("abcdefghi|complete");
  }

  @Test
  void aFailureOfTheBodyAfterTheCap_reachesWhoeverSendsTheRest() throws Exception {
    IOException broken = new IOException("disk gone");
    RequestBodies.Prepared body = RequestBodies.prepare(Optional.of(oneShot(broken, "abc", "def", "ghi")), 4, budget.open()).get();

    AtomicReference<Throwable> failure = new AtomicReference<>();
    assertThat(drain(body.publisher().orElseThrow(), failure)).isEqualTo("abcdefghi|error");
    assertThat(failure.get()).isSameAs(broken);
  }

  @Test
  void aFailureBeforeTheCap_failsThePreparation() {
    IOException broken = new IOException("disk gone");

    CompletableFuture<RequestBodies.Prepared> prepared =
        RequestBodies.prepare(Optional.of(oneShot(broken, "abc")), 4, budget.open());

    assertThat(prepared).isCompletedExceptionally();
    assertThat(prepared.handle((ok, error) -> error).join()).isSameAs(broken);
  }

  @Test
  void aBodyThatDoesNotFitTheSharedBudget_goesOutOnceNamingTheBudgetsLimit() throws Exception {
    ReplayBudget small = new ReplayBudget(4);
    ReplayBudget.Reservation other = small.open();
    assertThat(other.tryAdd(2)).isTrue();

    RequestBodies.Prepared body = RequestBodies.prepare(Optional.of(oneShot(null, "abc", "def")), 100, small.open()).get();

    assertThat(body.replayable()).isFalse();
    assertThat(body.limit()).isEqualTo(4);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    assertThat(drain(body.publisher().orElseThrow(), failure)).isEqualTo("abcdef|complete");
    assertThat(body.bytesRead()).as("the first item did not fit").isEqualTo(3);
  }
  @Test
  void aOneShotBodyDeclaringExactlyTheCapIsRead_oneDeclaringMoreIsNotReadAtAll() throws Exception {
    BodyPublisher exact = BodyPublishers.fromPublisher(items(null, "abc", "def"), 6);
    RequestBodies.Prepared read = RequestBodies.prepare(Optional.of(exact), 6, budget.open()).get();
    assertThat(read.replayable()).isTrue();

    java.util.concurrent.atomic.AtomicBoolean subscribed = new java.util.concurrent.atomic.AtomicBoolean();
    BodyPublisher over = BodyPublishers.fromPublisher(subscriber -> subscribed.set(true), 7);
    RequestBodies.Prepared notRead = RequestBodies.prepare(Optional.of(over), 6, budget.open()).get();
    assertThat(notRead.replayable()).isFalse();
    assertThat(notRead.bytesRead()).isZero();
    assertThat(notRead.limit()).isEqualTo(6);
    assertThat(notRead.publisher()).containsSame(over);
    assertThat(subscribed).as("nothing of it was read").isFalse();
  }

  @Test
  void stringBytesFileAndEmptyBodiesAreReplayableAsTheyAre() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("tailguard-body", ".txt");
    try {
      for (BodyPublisher replayable : new BodyPublisher[] {BodyPublishers.ofString("0123456789"),
          BodyPublishers.ofByteArray(new byte[10]), BodyPublishers.ofFile(file), BodyPublishers.noBody()}) {
        assertThat(RequestBodies.isReplayable(replayable)).as("%s", replayable).isTrue();
        RequestBodies.Prepared prepared = RequestBodies.prepare(Optional.of(replayable), 1, budget.open()).get();
        assertThat(prepared.replayable()).isTrue();
        assertThat(prepared.publisher()).as("sent as it is, whatever the cap").containsSame(replayable);
      }
    } finally {
      java.nio.file.Files.delete(file);
    }
    assertThat(RequestBodies.isReplayable(oneShot(null, "x"))).isFalse();
    assertThat(budget.inUse()).isZero();
  }
}
