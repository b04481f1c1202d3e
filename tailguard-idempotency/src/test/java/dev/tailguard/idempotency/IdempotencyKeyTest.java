package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link IdempotencyKey#parse}'s bounds and escapes, and what a key shows of itself. */
class IdempotencyKeyTest {
  private static Optional<String> value(String header) {
    return IdempotencyKey.parse(header, key -> true).map(key -> key.hash());
  }

  private static String hashOf(String key) {
    return IdempotencyKey.sha256Hex(key.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void oneCharacterIsAKey() {
    assertThat(value("\"a\"")).hasValue(hashOf("a"));
  }

  @Test
  void twoHundredFiftyFiveCharactersAreAKeyAndOneMoreIsNot() {
    assertThat(value("\"" + "k".repeat(255) + "\"")).hasValue(hashOf("k".repeat(255)));
    assertThat(value("\"" + "k".repeat(256) + "\"")).isEmpty();
  }

  @Test
  void theLongestHeaderIs255EscapedCharacters() {
    String escaped = "\\\\".repeat(255);
    assertThat(value("\"" + escaped + "\"")).hasValue(hashOf("\\".repeat(255)));
    assertThat(value("\"" + escaped + "\\\\\"")).isEmpty();
  }

  @Test
  void escapesStandForTheCharacterTheyEscape() {
    assertThat(value("\"a\\\\b\"")).hasValue(hashOf("a\\b"));
    assertThat(value("\"a\\\"b\"")).hasValue(hashOf("a\"b"));
  }

  @Test
  void spaceAndTildeAreTheEdgesOfPrintableAscii() {
    assertThat(value("\" a~\"")).hasValue(hashOf(" a~"));
    assertThat(value("\"a\u001f\"")).isEmpty();
    assertThat(value("\"a\u007f\"")).isEmpty();
  }

  @Test
  void theFormatSeesTheUnescapedKey() {
    assertThat(IdempotencyKey.parse("\"a\\\\b\"", key -> key.equals("a\\b"))).isPresent();
    assertThat(IdempotencyKey.parse("\"ab\"", key -> false)).isEmpty();
  }

  @Test
  void aKeyShowsOnlyThePrefixOfItsHash() {
    IdempotencyKey key = IdempotencyKey.parse("\"secret-order-42\"", k -> true).orElseThrow();
    assertThat(key.toString()).isEqualTo("IdempotencyKey{sha256=" + hashOf("secret-order-42").substring(0, 12) + "…}")
        .doesNotContain("secret");
  }
}
