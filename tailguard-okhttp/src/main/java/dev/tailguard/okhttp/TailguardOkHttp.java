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
   * added first and OkHttp's own silent re-sending after connection failures turned off (it
   * re-sends POSTs, square/okhttp #2394; Tailguard decides instead).
   */
  public static OkHttpClient wrap(OkHttpClient base, TailguardInterceptor interceptor) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(interceptor, "interceptor");
    OkHttpClient.Builder builder = base.newBuilder().retryOnConnectionFailure(false);
    builder.interceptors().add(0, interceptor);
    return builder.build();
  }

  /** {@link #wrap} with an interceptor that retries under {@code policy}. */
  public static OkHttpClient retrying(OkHttpClient base, RetryPolicy policy) {
    return wrap(base, TailguardInterceptor.builder().retry(policy).build());
  }

  /** {@link #wrap} with an interceptor that hedges under {@code policy}, attempts on {@code base}. */
  public static OkHttpClient hedging(OkHttpClient base, HedgePolicy policy) {
    OkHttpClient attempts = base.newBuilder().retryOnConnectionFailure(false).build();
    return wrap(base, TailguardInterceptor.builder().hedge(policy, attempts).build());
  }
}
