package dev.tailguard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/**
 * {@link DiscardedResponses} releases every kind of body a response nobody receives can hold:
 * streams are closed, publishers cancelled, in-memory bodies left alone.
 */
class DiscardedResponsesTest {

  @Test
  void anInputStreamBodyIsClosed() {
    AtomicBoolean closed = new AtomicBoolean();
    InputStream body = new ByteArrayInputStream(new byte[16]) {
      @Override public void close() {
        closed.set(true);
      }
    };

    DiscardedResponses.release(response(body));

    assertThat(closed).as("the stream holding the connection is closed").isTrue();
  }

  @Test
  void aStreamOfLinesIsClosed() {
    AtomicBoolean closed = new AtomicBoolean();
    Stream<String> lines = Stream.of("a", "b").onClose(() -> closed.set(true));

    DiscardedResponses.release(response(lines));

    assertThat(closed).isTrue();
  }

  @Test
  void aBodyWhoseCloseFails_isStillReleasedWithoutThrowing() {
    AtomicInteger closes = new AtomicInteger();
    AutoCloseable failing = () -> {
      closes.incrementAndGet();
      throw new IOException("connection already gone");
    };

    assertThatCode(() -> DiscardedResponses.release(response(failing))).doesNotThrowAnyException();
    assertThat(closes).hasValue(1);
  }

  @Test
  void aPublisherBodyIsSubscribedToAndCancelledWithoutRequestingAnything() {
    AtomicInteger subscriptions = new AtomicInteger();
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicInteger requested = new AtomicInteger();
    Flow.Publisher<List<ByteBuffer>> body = subscriber -> {
      subscriptions.incrementAndGet();
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override public void request(long n) {
          requested.addAndGet((int) n);
        }
        @Override public void cancel() {
          cancelled.set(true);
        }
      });
      // Signals after the cancel must be tolerated by the discarding subscriber.
      subscriber.onNext(List.of(ByteBuffer.allocate(1)));
      subscriber.onError(new IOException("reset"));
      subscriber.onComplete();
    };

    DiscardedResponses.release(response(body));

    assertThat(subscriptions).hasValue(1);
    assertThat(cancelled).as("the exchange behind the publisher is cancelled").isTrue();
    assertThat(requested).as("nothing of the body is asked for").hasValue(0);
  }

  @Test
  void inMemoryAndMissingBodiesNeedNothing() {
    assertThatCode(() -> {
      DiscardedResponses.release(null);
      DiscardedResponses.release(response("already read"));
      DiscardedResponses.release(response(new byte[3]));
      DiscardedResponses.release(response(null));
    }).doesNotThrowAnyException();
  }

  private static <T> HttpResponse<T> response(T body) {
    return new HttpResponse<>() {
      @Override public int statusCode() {
        return 503;
      }
      @Override public HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).build();
      }
      @Override public Optional<HttpResponse<T>> previousResponse() {
        return Optional.empty();
      }
      @Override public HttpHeaders headers() {
        return HttpHeaders.of(Map.of(), (name, value) -> true);
      }
      @Override public T body() {
        return body;
      }
      @Override public Optional<SSLSession> sslSession() {
        return Optional.empty();
      }
      @Override public URI uri() {
        return request().uri();
      }
      @Override public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
      }
    };
  }
}
