package dev.tailguard.spring;

import dev.tailguard.OutcomeHandler;
import dev.tailguard.TailguardException;
import dev.tailguard.Verdict;
import dev.tailguard.http.HttpResilience;
import dev.tailguard.http.HttpServerHints;
import dev.tailguard.http.Idempotency;
import dev.tailguard.http.KeyInUse;
import dev.tailguard.http.Redaction;
import dev.tailguard.http.TailguardHttpException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.support.HttpRequestWrapper;

/**
 * Runs {@code RestClient} and {@code RestTemplate} requests through a Tailguard HTTP pipeline
 * with the rules of the other HTTP adapters: GET, HEAD, OPTIONS, PUT, DELETE and TRACE may be
 * sent twice; POST and PATCH only with the caller's {@code Idempotency-Key} (or, with {@code
 * server-honours-idempotency-key}, an automatic one reused on every attempt); 408, 429, 502, 503,
 * 504 are retried honouring {@code Retry-After}; a keyed request answered with Tailguard's "key in
 * use" 409 waits and asks again; every response not handed to the caller is closed, and when
 * retries run out the caller gets the last response. What ended a call (an open breaker, the
 * budget, the deadline) is thrown as {@link TailguardHttpException}, an {@link IOException}.
 *
 * <p>Requests go to the pipeline of the first configured client whose base URL their URL starts
 * with ({@link #routing}); a request no client matches passes through untouched. Hedged attempts
 * of a blocking client run on the hedge's executor. Thread-safe.
 */
public final class TailguardClientHttpRequestInterceptor implements ClientHttpRequestInterceptor {
  private final ClientRoutes routes;

  private TailguardClientHttpRequestInterceptor(ClientRoutes routes) {
    this.routes = routes;
  }

  /** An interceptor for every configured client with a base URL. */
  static TailguardClientHttpRequestInterceptor routing(TailguardRegistry registry) {
    return new TailguardClientHttpRequestInterceptor(ClientRoutes.of(registry));
  }

  /** An interceptor sending every request through the named client's pipelines, whatever its URL. */
  static TailguardClientHttpRequestInterceptor forClient(TailguardRegistry registry, String client) {
    return new TailguardClientHttpRequestInterceptor(ClientRoutes.only(registry.endpointPipelines(client)));
  }

  /** An interceptor sending every request through {@code resilience}, whatever its URL. */
  public static TailguardClientHttpRequestInterceptor of(HttpResilience resilience) {
    return new TailguardClientHttpRequestInterceptor(ClientRoutes.only(new EndpointPipelines(resilience)));
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    EndpointPipelines pipelines = routes.route(request.getURI());
    // No configured client covers this URL: not ours to retry.
    if (pipelines == null) {
      return execution.execute(request, body);
    }
    HttpResilience resilience = pipelines.resilience();
    String method = request.getMethod().name();
    HttpRequest sent = request;
    boolean carriesKey = request.getHeaders().getFirst(Idempotency.HEADER) != null;
    if (ClientRoutes.addsKey(pipelines, method, carriesKey)) {
      HttpHeaders headers = new HttpHeaders();
      headers.putAll(request.getHeaders());
      headers.set(Idempotency.HEADER, Idempotency.newKey());
      sent = withHeaders(request, headers);
      carriesKey = true;
    }
    boolean retrySafe = ClientRoutes.retrySafe(method, carriesKey);
    boolean keyed = carriesKey;
    HttpRequest attemptRequest = sent;
    Set<ClientHttpResponse> keyInUse = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    OutcomeHandler<ClientHttpResponse> outcomes = OutcomeHandler.<ClientHttpResponse>builder()
        .classifier((response, error) -> {
          if (response != null && keyInUse.contains(response)) {
            return Verdict.RETRYABLE;
          }
          return resilience.retryableStatuses().verdict(response == null ? -1 : status(response), error, retrySafe);
        })
        .serverHint((response, error) -> response == null ? null
            : HttpServerHints.delay(response.getHeaders()::getFirst, Clock.systemUTC()).orElse(null))
        .onDiscard(TailguardClientHttpRequestInterceptor::closeQuietly)
        .resultSummary(response -> "HTTP " + status(response))
        .returnLastResultOnGiveUp(true)
        .build();
    try {
      return pipelines.pipeline(request.getURI(), retrySafe).execute(context -> {
        ClientHttpResponse response = execution.execute(attemptRequest, body);
        return keyed ? probeKeyInUse(response, keyInUse) : response;
      }, outcomes);
    } catch (TailguardException ended) {
      throw new TailguardHttpException(method, Redaction.uri(request.getURI()), ended);
    } catch (IOException | RuntimeException | Error failure) {
      throw failure;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted: " + method + " " + Redaction.uri(request.getURI()));
    } catch (Exception other) {
      throw new IOException(other);
    }
  }

  /** Reads a small problem+json 409 to see whether it is "key in use"; the caller still gets the bytes. */
  private static ClientHttpResponse probeKeyInUse(ClientHttpResponse response, Set<ClientHttpResponse> keyInUse) throws IOException {
    int status = status(response);
    String type = response.getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
    long length = response.getHeaders().getContentLength();
    if (!KeyInUse.isCandidate(status, type, true) || length < 0 || length > KeyInUse.MAX_BODY_BYTES) {
      return response;
    }
    byte[] bytes;
    try (InputStream in = response.getBody()) {
      bytes = in.readNBytes(KeyInUse.MAX_BODY_BYTES);
    }
    ClientHttpResponse buffered = new BufferedResponse(response, bytes);
    if (KeyInUse.isKeyInUse(bytes)) {
      keyInUse.add(buffered);
    }
    return buffered;
  }

  private static int status(ClientHttpResponse response) {
    try {
      return response.getStatusCode().value();
    } catch (IOException unreadable) {
      return -1;
    }
  }

  private static void closeQuietly(ClientHttpResponse response) {
    try {
      response.close();
    } catch (RuntimeException ignored) {
      // Closing a response nobody receives is best effort.
    }
  }

  private static HttpRequest withHeaders(HttpRequest request, HttpHeaders headers) {
    return new HttpRequestWrapper(request) {
      @Override
      public HttpHeaders getHeaders() {
        return headers;
      }
    };
  }

  /** A response whose (small) body was read to classify it. */
  private static final class BufferedResponse implements ClientHttpResponse {
    private final ClientHttpResponse delegate;
    private final byte[] body;

    BufferedResponse(ClientHttpResponse delegate, byte[] body) {
      this.delegate = delegate;
      this.body = body;
    }

    @Override
    public HttpStatusCode getStatusCode() throws IOException {
      return delegate.getStatusCode();
    }

    @Override
    public String getStatusText() throws IOException {
      return delegate.getStatusText();
    }

    @Override
    public HttpHeaders getHeaders() {
      return delegate.getHeaders();
    }

    @Override
    public InputStream getBody() {
      return new ByteArrayInputStream(body);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
