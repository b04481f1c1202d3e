package dev.tailguard.http;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Keeps credentials out of attempt logs: the values of {@code Authorization}, {@code
 * Proxy-Authorization}, {@code Cookie} and {@code Set-Cookie}, of token-like query parameters, and
 * a URI's user-info are replaced by {@code ██}. Bodies are never logged at all.
 *
 * <p>Stateless and thread-safe.
 */
public final class Redaction {
  /** What a redacted value is replaced with. */
  public static final String REDACTED = "██";

  private static final Set<String> SENSITIVE_HEADERS = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
  private static final Set<String> SENSITIVE_PARAMETERS = Set.of(
      "token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "key", "password", "passwd", "secret",
      "client_secret", "signature", "sig", "auth", "code", "session", "x-amz-signature", "x-amz-security-token");

  private Redaction() {}

  /** Whether a header's value must never be logged. */
  public static boolean isSensitiveHeader(String name) {
    return SENSITIVE_HEADERS.contains(name.toLowerCase(Locale.ROOT));
  }

  /** Formats headers for a log line, one {@code name: value} per value, sensitive values redacted. */
  public static String headers(HttpHeaders headers) {
    return headers(headers.map());
  }

  /** Formats headers given as a multimap (OkHttp's {@code Headers.toMultimap()}), as above. */
  public static String headers(java.util.Map<String, java.util.List<String>> headers) {
    StringJoiner joined = new StringJoiner(", ", "{", "}");
    headers.forEach((name, values) -> {
      for (String value : values) {
        joined.add(name + ": " + (isSensitiveHeader(name) ? REDACTED : value));
      }
    });
    return joined.toString();
  }

  /** Formats a URI for a log line with the values of token-like query parameters redacted. */
  public static String uri(URI uri) {
    String query = uri.getRawQuery();
    // user:password@ in the authority is a credential too.
    String authority = (uri.getRawUserInfo() != null ? REDACTED + "@" : "") + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    String base = uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : uri.getRawPath());
    if (query == null || query.isEmpty()) {
      return base;
    }
    StringJoiner parameters = new StringJoiner("&", base + "?", "");
    for (String parameter : query.split("&")) {
      int equals = parameter.indexOf('=');
      String name = equals < 0 ? parameter : parameter.substring(0, equals);
      boolean sensitive = SENSITIVE_PARAMETERS.contains(name.toLowerCase(Locale.ROOT));
      parameters.add(sensitive && equals >= 0 ? name + "=" + REDACTED : parameter);
    }
    return parameters.toString();
  }
}
