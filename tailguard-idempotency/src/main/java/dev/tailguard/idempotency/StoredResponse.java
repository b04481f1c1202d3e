package dev.tailguard.idempotency;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A response as stored for replay: its status, allow-listed headers and body.
 *
 * @param status the HTTP status
 * @param headers allow-listed headers only (never {@code Set-Cookie} or credentials)
 * @param body the body, capped in size
 * @since 0.1
 */
public record StoredResponse(int status, Map<String, List<String>> headers, byte[] body) {
  public StoredResponse {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }
}
