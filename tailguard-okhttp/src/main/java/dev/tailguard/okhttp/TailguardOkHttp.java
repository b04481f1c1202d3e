package dev.tailguard.okhttp;

import dev.tailguard.HedgePolicy;
import dev.tailguard.RetryPolicy;
import java.util.Objects;
import okhttp3.OkHttpClient;

/**
 * Installs Tailguard on an {@link OkHttpClient}.
 *
 * <pre>{@code
 * OkHttpClient client = TailguardOkHttp.retrying(new OkHttpClient(), RetryPolicy.builder().maxAttempts(3).build());
 * }</pre>
 *
 * @since 0.1
 */
public final class TailguardOkHttp {
  private TailguardOkHttp() {}

  /**
   * Returns a client that shares {@code base}'s pool and dispatcher, with {@code interceptor}
   * added first. Each attempt is a separate call on a client derived from {@code base} with
   * {@code retryOnConnectionFailure} off (it re-sends POSTs, square/okhttp #2394) and a network
   * interceptor that keeps OkHttp's follow-up logic from re-sending after a {@code 503} with
   * {@code Retry-After: 0}; requests that are not safe to send twice also follow no redirects and
   * answer no authentication challenge. So every request Tailguard sends reaches the network once,
   * and Tailguard alone decides whether to send it again. {@code base}'s application interceptors
   * run once per attempt.
   *
   * @throws NullPointerException if an argument is null
   */
  public static OkHttpClient wrap(OkHttpClient base, TailguardInterceptor interceptor) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(interceptor, "interceptor");
    OkHttpClient.Builder builder = base.newBuilder().retryOnConnectionFailure(false);
    builder.interceptors().add(0, interceptor.boundTo(base));
    return builder.build();
  }

  /** {@link #wrap} with an interceptor that retries under {@code policy}. */
  public static OkHttpClient retrying(OkHttpClient base, RetryPolicy policy) {
    return wrap(base, TailguardInterceptor.builder().retry(policy).build());
  }

  /** {@link #wrap} with an interceptor that hedges under {@code policy}, attempts on {@code base}. */
  public static OkHttpClient hedging(OkHttpClient base, HedgePolicy policy) {
    return wrap(base, TailguardInterceptor.builder().hedge(policy).build());
  }
}
