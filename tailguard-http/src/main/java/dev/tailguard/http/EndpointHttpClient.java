package dev.tailguard.http;

import dev.tailguard.Keyed;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The client {@link HttpResilience#client(HttpClient)} returns: each request goes through the
 * {@link ResilientHttpClient} of its endpoint, all of them on one delegate (one connection pool).
 * The per-endpoint clients are held as long as their endpoint is: when an endpoint is evicted and
 * made again, its next request gets a fresh client around the fresh breaker. Thread-safe.
 */
final class EndpointHttpClient extends HttpClient {
  private final HttpResilience resilience;
  private final HttpClient delegate;
  private final Keyed<HttpResilience.Endpoint, ResilientHttpClient> clients;

  EndpointHttpClient(HttpResilience resilience, HttpClient delegate) {
    if (delegate instanceof ResilientHttpClient || delegate instanceof EndpointHttpClient) {
      throw new IllegalArgumentException("delegate is already resilient: " + delegate + "; wrapping it would multiply every retry");
    }
    this.resilience = resilience;
    this.delegate = delegate;
    Keyed<String, HttpResilience.Endpoint> endpoints = resilience.endpoints();
    this.clients = Keyed.<HttpResilience.Endpoint, ResilientHttpClient>builder(endpoint -> resilience.client(delegate, endpoint))
        .maxSize(endpoints.maxSize()).idleExpiry(endpoints.idleExpiry()).clock(resilience.clock()).build();
  }

  private ResilientHttpClient route(HttpRequest request) {
    Objects.requireNonNull(request, "request");
    return clients.get(resilience.endpoint(request.uri()));
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler) throws IOException, InterruptedException {
    return route(request).send(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
    return route(request).sendAsync(request, handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushPromiseHandler) {
    return route(request).sendAsync(request, handler, pushPromiseHandler);
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  @Override
  public String toString() {
    return "EndpointHttpClient{" + resilience + "}";
  }
}
