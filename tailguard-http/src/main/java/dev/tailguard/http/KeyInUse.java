package dev.tailguard.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Recognises the answer of a server that is still running an earlier attempt with the same
 * {@code Idempotency-Key}: Tailguard's own {@code IdempotencyFilter} (and {@code
 * IdempotencyGuard}) answer {@code 409} with {@code Content-Type: application/problem+json}
 * (RFC 9457), the problem type {@value #PROBLEM_TYPE} and {@code Retry-After: 1}.
 *
 * <p>For a request that carries its own {@code Idempotency-Key}, both adapters take that answer
 * as retryable: they wait the {@code Retry-After} hint and ask again, within the retry policy's
 * attempts, deadline and budget (or, when hedging, postpone the next hedge by the hint). Every
 * other 409, a 409 with another problem type, without the problem media type, without a declared
 * {@code Content-Length} of at most {@link #MAX_BODY_BYTES} (a chunked or larger body), or on a
 * request without a key, is returned as before. The two adapters apply the same length rule.
 *
 * <p>Use: check the response head with {@link #isCandidate}, read at most {@link
 * #MAX_BODY_BYTES} of the body (OkHttp: {@code response.peekBody(KeyInUse.MAX_BODY_BYTES)}), and
 * pass those bytes to {@link #isKeyInUse}.
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class KeyInUse {
  /** The problem type of the answer ({@code IdempotencyGuard}'s "idempotency-key-in-use"). */
  public static final String PROBLEM_TYPE = "https://tailguard.dev/problems/idempotency-key-in-use";
  /** The most bytes of a 409 body read to look for the problem type. */
  public static final int MAX_BODY_BYTES = 4096;

  private static final Pattern TYPE_MEMBER =
      Pattern.compile("\"type\"\\s*:\\s*\"" + Pattern.quote(PROBLEM_TYPE) + "\"");

  private KeyInUse() {}

  /**
   * Whether a response head may be the key-in-use answer, so its body is worth reading: status
   * 409, media type {@code application/problem+json} (parameters allowed), and a request that
   * carries an {@code Idempotency-Key}.
   *
   * @param status the response status
   * @param contentType the response's {@code Content-Type}, or null
   * @param requestCarriesKey whether the request that got this answer had an {@code Idempotency-Key}
   */
  public static boolean isCandidate(int status, String contentType, boolean requestCarriesKey) {
    if (status != 409 || !requestCarriesKey || contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    String mediaType = (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim().toLowerCase(Locale.ROOT);
    return mediaType.equals("application/problem+json");
  }

  /**
   * Whether the (start of the) body is a problem object whose {@code type} is {@value
   * #PROBLEM_TYPE}. Only the first {@link #MAX_BODY_BYTES} bytes are looked at.
   *
   * @param body the body's first bytes, UTF-8
   */
  public static boolean isKeyInUse(byte[] body) {
    if (body == null || body.length == 0) {
      return false;
    }
    String text = new String(body, 0, Math.min(body.length, MAX_BODY_BYTES), StandardCharsets.UTF_8);
    return TYPE_MEMBER.matcher(text).find();
  }
}
