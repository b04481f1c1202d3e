package dev.tailguard.okhttp;

import dev.tailguard.Keyed;
import dev.tailguard.http.HttpResilience;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * Installs an {@link HttpResilience} pipeline on OkHttp: each request goes through the
 * {@link TailguardInterceptor} of its endpoint (scheme and authority), with that endpoint's own
 * breaker (and, hedging, its own adaptive delay), the pipeline's shared budget, and every rule of
 * {@link TailguardOkHttp#wrap}.
 *
 * <pre>{@code
 * OkHttpClient client = TailguardOkHttpEndpoints.wrap(new OkHttpClient(), HttpResilience.standard().build());
 * }</pre>
 *
 * @since 0.1
 */
public final class TailguardOkHttpEndpoints {
  private TailguardOkHttpEndpoints() {}

  /**
   * Returns a client sharing {@code base}'s pool and dispatcher whose calls run through {@code
   * resilience}, per endpoint; as {@link TailguardOkHttp#wrap} it turns off {@code
   * retryOnConnectionFailure} so that Tailguard alone re-sends.
   *
   * @throws NullPointerException if an argument is null
   */
  public static OkHttpClient wrap(OkHttpClient base, HttpResilience resilience) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(resilience, "resilience");
    OkHttpClient.Builder builder = base.newBuilder().retryOnConnectionFailure(false);
    builder.interceptors().add(0, new PerEndpoint(base, resilience));
    return builder.build();
  }

  /** Routes each call to its endpoint's bound interceptor; they live as long as their endpoint. */
  private static final class PerEndpoint implements Interceptor {
    private final HttpResilience resilience;
    private final Keyed<HttpResilience.Endpoint, TailguardInterceptor> interceptors;

    PerEndpoint(OkHttpClient base, HttpResilience resilience) {
      this.resilience = resilience;
      Keyed<String, HttpResilience.Endpoint> endpoints = resilience.endpoints();
      this.interceptors = Keyed.<HttpResilience.Endpoint, TailguardInterceptor>builder(endpoint -> {
            TailguardInterceptor.Builder b = resilience.applyTo(TailguardInterceptor.builder(), endpoint)
                .retryableStatuses(resilience.retryableStatuses())
                .serverHonoursIdempotencyKey(resilience.serverHonoursIdempotencyKey());
            if (endpoint.hedgePolicy() != null) {
              b.hedge(endpoint.hedgePolicy());
            }
            return b.build().boundTo(base);
          })
          .maxSize(endpoints.maxSize()).idleExpiry(endpoints.idleExpiry()).clock(resilience.clock()).build();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      HttpResilience.Endpoint endpoint = resilience.endpoint(chain.request().url().uri());
      return interceptors.get(endpoint).intercept(chain);
    }
  }
}
