package dev.tailguard.http;

import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * An {@link HttpClient} that sends nothing: each {@code sendAsync} returns the next scripted
 * future (a response, a failure, or one that never completes), and every request and returned
 * future is kept for the test to inspect. Closeable, as JDK 21's client is.
 */
final class ScriptedHttpClient extends HttpClient implements AutoCloseable {
  static final Authenticator AUTHENTICATOR = new Authenticator() {};
  static final CookieHandler COOKIES = new CookieManager();
  static final ProxySelector PROXY = ProxySelector.of(InetSocketAddress.createUnresolved("proxy.invalid", 3128));
  static final Executor EXECUTOR = Runnable::run;

  private final Queue<Function<HttpRequest, CompletableFuture<HttpResponse<?>>>> script = new ArrayDeque<>();
  final List<HttpRequest> sent = new CopyOnWriteArrayList<>();
  final List<CompletableFuture<?>> futures = new CopyOnWriteArrayList<>();
  /** The push promise handlers attempts were sent with, in order. */
  final List<HttpResponse.PushPromiseHandler<?>> pushPromiseHandlers = new CopyOnWriteArrayList<>();
  int closes;
  Exception closeFailure;

  /** Answers the next attempt with {@code status} and a string body. */
  ScriptedHttpClient respond(int status) {
    script.add(request -> CompletableFuture.completedFuture(response(request, status, "status " + status)));
    return this;
  }

  /** Fails the next attempt with {@code failure}. */
  ScriptedHttpClient fail(Throwable failure) {
    script.add(request -> CompletableFuture.failedFuture(failure));
    return this;
  }

  /** The next attempt never completes (until cancelled). */
  ScriptedHttpClient hang() {
    script.add(request -> new CompletableFuture<>());
    return this;
  }

  static <T> HttpResponse<T> response(HttpRequest request, int status, T body) {
    return new HttpResponse<>() {
      @Override public int statusCode() {
        return status;
      }
      @Override public HttpRequest request() {
        return request;
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
        return request.uri();
      }
      @Override public Version version() {
        return Version.HTTP_1_1;
      }
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    sent.add(request);
    Function<HttpRequest, CompletableFuture<HttpResponse<?>>> next = script.poll();
    if (next == null) {
      throw new AssertionError("unscripted attempt " + sent.size() + ": " + request);
    }
    CompletableFuture<HttpResponse<T>> future = (CompletableFuture<HttpResponse<T>>) (CompletableFuture<?>) next.apply(request);
    futures.add(future);
    return future;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    pushPromiseHandlers.add(pushPromiseHandler);
    return sendAsync(request, handler);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    throw new AssertionError("ResilientHttpClient sends through sendAsync");
  }

  @Override
  public void close() throws Exception {
    closes++;
    if (closeFailure != null) {
      throw closeFailure;
    }
  }

  @Override public Optional<CookieHandler> cookieHandler() {
    return Optional.of(COOKIES);
  }

  @Override public Optional<Duration> connectTimeout() {
    return Optional.of(Duration.ofSeconds(7));
  }

  @Override public Redirect followRedirects() {
    return Redirect.NORMAL;
  }

  @Override public Optional<ProxySelector> proxy() {
    return Optional.of(PROXY);
  }

  @Override public SSLContext sslContext() {
    try {
      return SSLContext.getDefault();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @Override public SSLParameters sslParameters() {
    return new SSLParameters(new String[] {"TLS_AES_128_GCM_SHA256"}, new String[] {"TLSv1.3"});
  }

  @Override public Optional<Authenticator> authenticator() {
    return Optional.of(AUTHENTICATOR);
  }

  @Override public Version version() {
    return Version.HTTP_1_1;
  }

  @Override public Optional<Executor> executor() {
    return Optional.of(EXECUTOR);
  }
}
