package dev.tailguard.idempotency;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stored response headers as text, one {@code name:value} per line, for stores that keep them in
 * a text column or a hash field. Header names cannot contain ':' and values cannot contain line
 * breaks (HTTP forbids both), so the format is unambiguous. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class HeaderLines {
  private HeaderLines() {}

  /**
   * Encodes headers.
   *
   * @throws IllegalArgumentException for an empty name, a name with ':' or a line break, or a value with a line break
   */
  public static String encode(Map<String, List<String>> headers) {
    StringBuilder text = new StringBuilder();
    headers.forEach((name, values) -> {
      // An empty name would be written as ":value", which decode cannot tell from no header at all.
      if (name.isEmpty()) {
        throw new IllegalArgumentException("not a storable HTTP header: the name is empty");
      }
      for (String value : values) {
        if (name.indexOf(':') >= 0 || name.indexOf('\n') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
          throw new IllegalArgumentException("not a storable HTTP header: " + name);
        }
        text.append(name).append(':').append(value).append('\n');
      }
    });
    return text.toString();
  }

  /** Decodes what {@link #encode} wrote; null decodes as no headers. */
  public static Map<String, List<String>> decode(String text) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (text == null) {
      return headers;
    }
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.computeIfAbsent(line.substring(0, colon), n -> new ArrayList<>()).add(line.substring(colon + 1));
      }
    }
    return headers;
  }
}
