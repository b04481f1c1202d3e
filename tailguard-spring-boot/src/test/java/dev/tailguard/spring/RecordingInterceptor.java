package dev.tailguard.spring;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Put after Tailguard's interceptor, it sees each attempt: how many started, how many ended in an
 * exception (a cancelled hedge loser, say), and whether every response it produced was closed.
 */
final class RecordingInterceptor implements ClientHttpRequestInterceptor {
  final AtomicInteger started = new AtomicInteger();
  final AtomicInteger failed = new AtomicInteger();
  final List<AtomicBoolean> closed = new CopyOnWriteArrayList<>();
  final List<Integer> statuses = new CopyOnWriteArrayList<>();

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    started.incrementAndGet();
    ClientHttpResponse response;
    try {
      response = execution.execute(request, body);
    } catch (IOException | RuntimeException e) {
      failed.incrementAndGet();
      throw e;
    }
    statuses.add(response.getStatusCode().value());
    AtomicBoolean isClosed = new AtomicBoolean();
    closed.add(isClosed);
    return new ClientHttpResponse() {
      @Override
      public HttpStatusCode getStatusCode() throws IOException {
        return response.getStatusCode();
      }

      @Override
      public String getStatusText() throws IOException {
        return response.getStatusText();
      }

      @Override
      public HttpHeaders getHeaders() {
        return response.getHeaders();
      }

      @Override
      public InputStream getBody() throws IOException {
        return response.getBody();
      }

      @Override
      public void close() {
        isClosed.set(true);
        response.close();
      }
    };
  }

  /** Every attempt ended: with an exception or with a response that was closed. */
  boolean allEndedAndClosed() {
    return failed.get() + closed.size() == started.get() && closed.stream().allMatch(AtomicBoolean::get);
  }

  int responses() {
    return closed.size();
  }
}
