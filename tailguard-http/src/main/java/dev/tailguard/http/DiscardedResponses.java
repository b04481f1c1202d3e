package dev.tailguard.http;

import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.util.concurrent.Flow;

/**
 * Releases the body of a response nobody will read (a retried 503, a hedge that lost, a late
 * arrival), so its connection is closed or returned to the pool instead of leaking.
 *
 * <p>Bodies already in memory (a string, bytes, a held error body) need nothing. Streams
 * ({@code InputStream}, {@code Stream<String>}) are closed, which cancels the exchange without
 * reading the rest. A {@code Flow.Publisher} body is subscribed to and cancelled.
 */
final class DiscardedResponses {
  private static final System.Logger LOG = System.getLogger("dev.tailguard.http");

  private DiscardedResponses() {}

  static void release(HttpResponse<?> response) {
    if (response == null) {
      return;
    }
    Object body = response.body();
    if (body instanceof AutoCloseable) {
      try {
        ((AutoCloseable) body).close();
      } catch (Exception closeFailure) {
        LOG.log(Level.DEBUG, "closing a discarded response body failed", closeFailure);
      }
    } else if (body instanceof Flow.Publisher) {
      ((Flow.Publisher<?>) body).subscribe(new Flow.Subscriber<Object>() {
        @Override public void onSubscribe(Flow.Subscription subscription) {
          subscription.cancel();
        }
        @Override public void onNext(Object item) {}
        @Override public void onError(Throwable throwable) {}
        @Override public void onComplete() {}
      });
    }
  }
}
