package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing of stored header lines: what a store hands back is read by {@link HeaderLines#decode},
 * and what a backend answered is written by {@link HeaderLines#encode}. {@code mvn verify} replays
 * the seeds in {@code src/test/resources/dev/tailguard/idempotency/HeaderLinesFuzzTestInputs/}.
 *
 * <p>Properties: decoding any text throws nothing; encoding either refuses with {@code
 * IllegalArgumentException} or writes text that decodes to the same headers.
 */
class HeaderLinesFuzzTest {
  @FuzzTest
  void decodingAnyStoredTextThrowsNothing(String text) {
    Map<String, List<String>> headers = HeaderLines.decode(text);
    headers.forEach((name, values) -> assertThat(name).isNotEmpty().doesNotContain(":", "\n"));
  }

  @FuzzTest
  void encodedHeadersDecodeToTheSameHeaders(FuzzedDataProvider data) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    int count = data.consumeInt(0, 4);
    for (int i = 0; i < count; i++) {
      String name = data.consumeString(20);
      headers.put(name, List.of(data.consumeString(40), data.consumeString(40)).subList(0, data.consumeInt(1, 2)));
    }
    String text;
    try {
      text = HeaderLines.encode(headers);
    } catch (IllegalArgumentException refused) {
      return;
    }
    assertThat(HeaderLines.decode(text)).isEqualTo(headers);
  }

  /** Found by the fuzz test: an empty header name is written as ":value" and decoded as nothing. */
  @Test
  void encodeRefusesAnEmptyHeaderName() {
    assertThatThrownBy(() -> HeaderLines.encode(Map.of("", List.of("v")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name is empty");
  }
}
