package dev.tailguard.spring;

import dev.tailguard.OutcomeHandler;
import dev.tailguard.TailguardException;
import dev.tailguard.http.HttpResilience;
import dev.tailguard.http.HttpServerHints;
import dev.tailguard.http.Idempotency;
import dev.tailguard.http.Redaction;
import dev.tailguard.http.TailguardHttpException;
import java.time.Clock;
import java.util.concurrent.CompletionException;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;

/**
 * Runs {@code WebClient} exchanges through a Tailguard HTTP pipeline, asynchronously, with the
 * method, key, status and {@code Retry-After} rules of {@link TailguardClientHttpRequestInterceptor}.
 * A response nobody receives has its body released; cancelling the subscription cancels the
 * attempts. Unlike the blocking adapter it does not read 409 bodies to recognise "key in use":
 * such a 409 is returned. Thread-safe.
 */
public final class TailguardExchangeFilterFunction implements ExchangeFilterFunction {
  private final ClientRoutes routes;

  private TailguardExchangeFilterFunction(ClientRoutes routes) {
    this.routes = routes;
  }

  /** A filter for every configured client with a base URL. */
  static TailguardExchangeFilterFunction routing(TailguardRegistry registry) {
    return new TailguardExchangeFilterFunction(ClientRoutes.of(registry));
  }

  /** A filter sending every exchange through the named client's pipelines, whatever its URL. */
  static TailguardExchangeFilterFunction forClient(TailguardRegistry registry, String client) {
    return new TailguardExchangeFilterFunction(ClientRoutes.only(registry.endpointPipelines(client)));
  }

  /** A filter sending every exchange through {@code resilience}. */
  public static TailguardExchangeFilterFunction of(HttpResilience resilience) {
    return new TailguardExchangeFilterFunction(ClientRoutes.only(new EndpointPipelines(resilience)));
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    EndpointPipelines pipelines = routes.route(request.url());
    // No configured client covers this URL: not ours to retry.
    if (pipelines == null) {
      return next.exchange(request);
    }
    HttpResilience resilience = pipelines.resilience();
    String method = request.method().name();
    boolean carriesKey = request.headers().getFirst(Idempotency.HEADER) != null;
    ClientRequest sent = request;
    if (ClientRoutes.addsKey(pipelines, method, carriesKey)) {
      sent = ClientRequest.from(request).header(Idempotency.HEADER, Idempotency.newKey()).build();
      carriesKey = true;
    }
    boolean retrySafe = ClientRoutes.retrySafe(method, carriesKey);
    ClientRequest attemptRequest = sent;
    OutcomeHandler<ClientResponse> outcomes = OutcomeHandler.<ClientResponse>builder()
        .classifier((response, error) -> resilience.retryableStatuses()
            .verdict(response == null ? -1 : response.statusCode().value(), error, retrySafe))
        .serverHint((response, error) -> response == null ? null
            : HttpServerHints.delay(response.headers().asHttpHeaders()::getFirst, Clock.systemUTC()).orElse(null))
        .onDiscard(response -> response.releaseBody().subscribe())
        .resultSummary(response -> "HTTP " + response.statusCode().value())
        .returnLastResultOnGiveUp(true)
        .build();
    return Mono.fromFuture(() -> pipelines.pipeline(request.url(), retrySafe)
            .executeAsync(context -> next.exchange(attemptRequest).toFuture(), outcomes), false)
        .onErrorMap(CompletionException.class, e -> e.getCause() != null ? e.getCause() : e)
        .onErrorMap(TailguardException.class,
            e -> new TailguardHttpException(method, Redaction.uri(request.url()), e));
  }
}
