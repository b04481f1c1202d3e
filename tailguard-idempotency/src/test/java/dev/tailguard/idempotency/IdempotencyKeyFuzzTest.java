package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Fuzzing of the {@code Idempotency-Key} header, which any client controls. {@code mvn verify}
 * replays the seeds in {@code src/test/resources/dev/tailguard/idempotency/IdempotencyKeyFuzzTestInputs/}.
 *
 * <p>Properties: no exception for any string; an accepted key is 1 to {@link
 * IdempotencyKey#MAX_LENGTH} printable ASCII characters; quoting it again as an RFC 8941 string
 * parses back to the same key; its hash is 64 lower-case hex digits.
 */
class IdempotencyKeyFuzzTest {
  @FuzzTest
  void acceptedKeysAreBoundedPrintableAndRoundTrip(String header) {
    StringBuilder seen = new StringBuilder();
    Optional<IdempotencyKey> key = IdempotencyKey.parse(header, value -> seen.append(value).length() > 0);
    key.ifPresent(k -> {
      // The format predicate saw exactly the unescaped value, which must be bounded and printable.
      String value = seen.toString();
      assertThat(value.length()).isBetween(1, IdempotencyKey.MAX_LENGTH);
      assertThat(value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)).as("printable: %s", value).isTrue();
      assertThat(k.hash()).matches("[0-9a-f]{64}").isEqualTo(IdempotencyKey.sha256Hex(value.getBytes(StandardCharsets.US_ASCII)));
      String requoted = "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      assertThat(IdempotencyKey.parse(requoted, v -> true).map(IdempotencyKey::hash)).contains(k.hash());
    });
  }

  @FuzzTest
  void aFormatThatRefusesEverythingAcceptsNothing(String header) {
    assertThat(IdempotencyKey.parse(header, value -> false)).isEmpty();
  }
}
