package dev.tailguard.idempotency;

import java.util.function.Predicate;

/**
 * Ready-made {@link IdempotencyGuard.Builder#keyFormat key formats}. Keys are already scoped per
 * principal, so a guessed key only collides with its guesser's own requests; a format keeps
 * clients from sending low-entropy keys ("1", "order") that collide with themselves by accident.
 *
 * <pre>{@code
 * IdempotencyGuard.builder(store).keyFormat(KeyFormats.uuid()).build();
 * }</pre>
 *
 * <p>The predicates are stateless and thread-safe.
 */
public final class KeyFormats {
  private KeyFormats() {}

  /** A UUID in its canonical 8-4-4-4-12 hexadecimal form, either case (what Stripe's SDKs send). */
  public static Predicate<String> uuid() {
    return KeyFormats::isCanonicalUuid;
  }

  /**
   * At least {@code characters} characters, as rocket-rides requires 20 for random keys.
   *
   * @throws IllegalArgumentException if {@code characters} is not in [1, {@value IdempotencyKey#MAX_LENGTH}]
   */
  public static Predicate<String> atLeast(int characters) {
    // A longer minimum than the maximum key would refuse every key.
    if (characters < 1 || characters > IdempotencyKey.MAX_LENGTH) {
      throw new IllegalArgumentException("characters must be in [1, " + IdempotencyKey.MAX_LENGTH + "]: " + characters);
    }
    return key -> key.length() >= characters;
  }

  private static boolean isCanonicalUuid(String key) {
    if (key.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = key.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : !isHexDigit(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
