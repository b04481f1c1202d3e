package dev.tailguard.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A validated {@code Idempotency-Key}: an RFC 8941 structured-field string ({@code "…"}, quoted),
 * 1 to 255 printable ASCII characters once unescaped, and passing the configured format.
 *
 * <p>Stores never see the key itself, only {@link #hash()}: SHA-256, so nothing a client sends
 * can inject into a Redis key or an SQL identifier, and the length is fixed. The key is never
 * echoed back in responses or logs.
 *
 * @since 0.1
 */
public final class IdempotencyKey {
  /** The longest key accepted, as Stripe. */
  public static final int MAX_LENGTH = 255;

  private final String value;

  private IdempotencyKey(String value) {
    this.value = value;
  }

  /**
   * Parses a header value. Returns empty for anything that is not a valid key: not quoted,
   * empty, too long, control or non-ASCII characters, a bad escape, or failing {@code format}.
   */
  public static Optional<IdempotencyKey> parse(String header, Predicate<String> format) {
    if (header == null || header.length() < 3 || header.length() > 2 * MAX_LENGTH + 2
        || header.charAt(0) != '"' || header.charAt(header.length() - 1) != '"') {
      return Optional.empty();
    }
    StringBuilder unescaped = new StringBuilder(header.length());
    for (int i = 1; i < header.length() - 1; i++) {
      char c = header.charAt(i);
      // RFC 8941 §3.3.3: printable ASCII only; a backslash escapes only '"' and '\'.
      if (c < 0x20 || c > 0x7e) {
        return Optional.empty();
      }
      if (c == '\\') {
        if (i + 1 >= header.length() - 1) {
          return Optional.empty();
        }
        char next = header.charAt(++i);
        if (next != '"' && next != '\\') {
          return Optional.empty();
        }
        unescaped.append(next);
      } else if (c == '"') {
        return Optional.empty();
      } else {
        unescaped.append(c);
      }
    }
    String value = unescaped.toString();
    if (value.isEmpty() || value.length() > MAX_LENGTH || !format.test(value)) {
      return Optional.empty();
    }
    return Optional.of(new IdempotencyKey(value));
  }

  /** The key's SHA-256, in lower-case hex: what stores use instead of the key. */
  public String hash() {
    return sha256Hex(value.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }

  /** Never the key itself: keys are secrets of a sort and must not reach logs. */
  @Override
  public String toString() {
    return "IdempotencyKey{sha256=" + hash().substring(0, 12) + "…}";
  }
}
