package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class KeyFormatsTest {
  @Test
  void uuidAcceptsCanonicalUuidsInEitherCase() {
    String random = UUID.randomUUID().toString();
    assertThat(KeyFormats.uuid().test(random)).isTrue();
    assertThat(KeyFormats.uuid().test(random.toUpperCase())).isTrue();
  }

  @Test
  void uuidRejectsEverythingElse() {
    assertThat(KeyFormats.uuid())
        .rejects("1", "order-42", "",
            "123e4567e89b12d3a456426614174000",        // no dashes
            "123e4567-e89b-12d3-a456-42661417400",     // one digit short
            "123e4567-e89b-12d3-a456-4266141740000",   // one digit long
            "123e4567-e89b-12d3-a456_426614174000",    // wrong separator
            "123e4567-e89b-12d3-a456-42661417400g",    // not hex
            "{23e4567-e89b-12d3-a456-426614174000");   // not hex either
  }

  @Test
  void atLeastCountsCharacters() {
    assertThat(KeyFormats.atLeast(20)).accepts("a".repeat(20), "a".repeat(255)).rejects("a".repeat(19), "");
  }

  @Test
  void atLeastRejectsImpossibleMinimumsNamingThem() {
    assertThatThrownBy(() -> KeyFormats.atLeast(0)).hasMessage("characters must be in [1, 255]: 0");
    assertThatThrownBy(() -> KeyFormats.atLeast(256)).hasMessage("characters must be in [1, 255]: 256");
  }

  @Test
  void aGuardWithTheUuidFormatRefusesAShortKeyWith400AndRunsNothing() {
    IdempotencyGuard guard = IdempotencyGuard.builder(new InMemoryIdempotencyStore(10)).keyFormat(KeyFormats.uuid()).build();
    IdempotencyGuard.Decision refused = guard.begin("acme", "POST", "/orders", "\"1\"", new byte[0]);
    assertThat(refused.response()).hasValueSatisfying(response -> assertThat(response.status()).isEqualTo(400));
    IdempotencyGuard.Decision admitted = guard.begin("acme", "POST", "/orders", "\"" + UUID.randomUUID() + "\"", new byte[0]);
    assertThat(admitted.ticket()).isPresent();
  }

  @Test
  void theMinimumMayBeAnythingFromOneToTheLongestKey() {
    assertThat(KeyFormats.atLeast(1)).accepts("a").rejects("");
    assertThat(KeyFormats.atLeast(255)).accepts("a".repeat(255)).rejects("a".repeat(254));
  }

  @Test
  void uuidDigitsStopAtTheEdgesOfEachHexRange() {
    String base = "123e4567-e89b-12d3-a456-42661417400";
    assertThat(KeyFormats.uuid()).accepts(base + "0", base + "9", base + "a", base + "f", base + "A", base + "F")
        .rejects(base + "/", base + ":", base + "`", base + "g", base + "@", base + "G", base + "-");
    assertThat(KeyFormats.uuid()).rejects("123e4567-e89b-12d3-a456-4266141740-0", "123e45670e89b-12d3-a456-426614174000");
  }
}
