package dev.tailguard.http;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Keeps credentials out of attempt logs. Shared by the JDK and OkHttp adapters.
 *
 * <ul>
 *   <li><b>Headers: an allow-list.</b> Only the values of known-harmless headers ({@code Accept},
 *       {@code Content-Type}, {@code Content-Length}, {@code Retry-After}, {@code User-Agent}, the
 *       caching, range and rate-limit headers, ...; see {@link #isLoggableHeader}) are logged.
 *       Every other value, {@code Authorization}, {@code Cookie}, {@code X-Api-Key} and any
 *       header this class does not know included, is replaced by {@link #REDACTED}.
 *   <li><b>Query parameters.</b> The value of a parameter whose name contains {@code token},
 *       {@code key}, {@code secret}, {@code pass} ({@code password}, {@code passwd}), {@code pwd},
 *       {@code signature}, {@code sig}, {@code auth}, {@code credential}, {@code session}, {@code
 *       jwt} or {@code code} (case-insensitive and after percent-decoding: {@code access_token},
 *       {@code private_token}, {@code X-Goog-Signature}, {@code api_key}, {@code to%6Ben}) is
 *       replaced by {@link #REDACTED}. So is the value of such a path parameter ({@code
 *       /app;jsessionid=...}).
 *   <li>A URI's user-info ({@code user:password@}) is replaced by {@link #REDACTED}.
 *   <li>Bodies are never logged at all.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class Redaction {
  /** What a redacted value is replaced with. */
  public static final String REDACTED = "<redacted>";

  private static final Set<String> LOGGABLE_HEADERS = Set.of(
      "accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges", "age", "allow",
      "cache-control", "connection", "content-encoding", "content-language", "content-length", "content-range",
      "content-type", "date", "etag", "expect", "expires", "if-match", "if-modified-since", "if-none-match", "if-range",
      "if-unmodified-since", "keep-alive", "last-modified", "pragma", "range", "retry-after", "ratelimit-limit",
      "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy", "x-ratelimit-limit", "x-ratelimit-remaining",
      "x-ratelimit-reset", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
      "traceparent", "x-request-id", "x-correlation-id");
  private static final List<String> SENSITIVE_PARAMETER_PARTS = List.of(
      "token", "key", "secret", "pass", "pwd", "signature", "sig", "auth", "credential", "session", "jwt", "code");

  private Redaction() {}

  /** Whether a header's value may appear in a log line: only for the allow-list above. */
  public static boolean isLoggableHeader(String name) {
    return LOGGABLE_HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /**
   * Whether a header's value must not be logged: every header that is not {@linkplain
   * #isLoggableHeader loggable}.
   */
  public static boolean isSensitiveHeader(String name) {
    return !isLoggableHeader(name);
  }

  /** Formats headers for a log line, one {@code name: value} per value, all but harmless values redacted. */
  public static String headers(HttpHeaders headers) {
    return headers(headers.map());
  }

  /** Formats headers given as a multimap (OkHttp's {@code Headers.toMultimap()}), as above. */
  public static String headers(Map<String, List<String>> headers) {
    StringJoiner joined = new StringJoiner(", ", "{", "}");
    headers.forEach((name, values) -> {
      for (String value : values) {
        joined.add(name + ": " + (isLoggableHeader(name) ? value : REDACTED));
      }
    });
    return joined.toString();
  }

  /** Whether a query or path parameter's value must not be logged; {@code name} may be percent-encoded. */
  public static boolean isSensitiveParameter(String name) {
    String lower = percentDecoded(name).toLowerCase(Locale.ROOT);
    for (String part : SENSITIVE_PARAMETER_PARTS) {
      if (lower.contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** Formats a URI for a log line with user-info and the values of credential-like query parameters redacted. */
  public static String uri(URI uri) {
    String query = uri.getRawQuery();
    // user:password@ in the authority is a credential too.
    String authority = (uri.getRawUserInfo() != null ? REDACTED + "@" : "") + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    String base = uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : path(uri.getRawPath()));
    if (query == null || query.isEmpty()) {
      return base;
    }
    StringJoiner parameters = new StringJoiner("&", base + "?", "");
    for (String parameter : query.split("&")) {
      int equals = parameter.indexOf('=');
      String name = equals < 0 ? parameter : parameter.substring(0, equals);
      parameters.add(isSensitiveParameter(name) && equals >= 0 ? name + "=" + REDACTED : parameter);
    }
    return parameters.toString();
  }

  /** The raw path with the values of credential-like path parameters ({@code ;jsessionid=...}) redacted. */
  private static String path(String rawPath) {
    if (rawPath.indexOf(';') < 0) {
      return rawPath;
    }
    StringJoiner segments = new StringJoiner("/");
    for (String segment : rawPath.split("/", -1)) {
      String[] parts = segment.split(";", -1);
      StringJoiner redacted = new StringJoiner(";");
      redacted.add(parts[0]);
      for (int i = 1; i < parts.length; i++) {
        int equals = parts[i].indexOf('=');
        boolean secret = equals >= 0 && isSensitiveParameter(parts[i].substring(0, equals));
        redacted.add(secret ? parts[i].substring(0, equals) + "=" + REDACTED : parts[i]);
      }
      segments.add(redacted.toString());
    }
    return segments.toString();
  }

  /** Decodes {@code %XX} escapes (as a server would before reading the name); invalid escapes stay as they are. */
  private static String percentDecoded(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      int high = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
      int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
      if (c == '%' && high >= 0 && low >= 0) {
        bytes.write(high * 16 + low);
        i += 2;
      } else {
        bytes.writeBytes(String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }
}
