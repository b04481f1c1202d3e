package dev.tailguard.okhttp;

import java.io.IOException;
import java.util.List;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * A network interceptor on the client Tailguard's attempts run on, so that OkHttp cannot re-send an
 * attempt by itself. OkHttp's follow-up logic re-sends a request, POST included, after a {@code 503}
 * with {@code Retry-After: 0} (and a {@code 408} when {@code retryOnConnectionFailure} is on), and
 * parses that header with {@code Integer.valueOf}, which throws for values of 2³¹ or more. The guard
 * hides {@code Retry-After} of those two statuses from OkHttp and hands it back to Tailguard through
 * the attempt's {@link Hidden} tag, so only Tailguard reads the hint and decides. Stateless and
 * thread-safe.
 */
final class FollowUpGuard implements Interceptor {
  static final String RETRY_AFTER = "Retry-After";

  /** Carries, per attempt, the {@code Retry-After} values the guard took off the response. */
  static final class Hidden {
    private volatile List<String> retryAfter = List.of();

    /** Returns {@code response} with the hidden values back, in their order. */
    Response restore(Response response) {
      List<String> values = retryAfter;
      if (values.isEmpty() || !response.headers(RETRY_AFTER).isEmpty()) {
        return response;
      }
      Response.Builder restored = response.newBuilder();
      for (String value : values) {
        restored.addHeader(RETRY_AFTER, value);
      }
      return restored.build();
    }
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    Hidden hidden = chain.request().tag(Hidden.class);
    // Only these two statuses make OkHttp read Retry-After and maybe re-send on its own.
    if (hidden == null || (response.code() != 503 && response.code() != 408)) {
      return response;
    }
    List<String> values = response.headers(RETRY_AFTER);
    if (values.isEmpty()) {
      return response;
    }
    hidden.retryAfter = List.copyOf(values);
    return response.newBuilder().removeHeader(RETRY_AFTER).build();
  }
}
