package dev.tailguard.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link HeaderLines}: the text form the JDBC and Redis stores keep headers in. */
class HeaderLinesTest {
  @Test
  void headersSurviveARoundTripWithEveryValueInOrder() {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("Content-Type", List.of("application/json"));
    headers.put("Link", List.of("</a>; rel=next", "</b>: rel=prev"));
    headers.put("X-Empty", List.of(""));
    String text = HeaderLines.encode(headers);
    assertThat(text).isEqualTo("Content-Type:application/json\nLink:</a>; rel=next\nLink:</b>: rel=prev\nX-Empty:\n");
    assertThat(HeaderLines.decode(text)).isEqualTo(headers);
  }

  @Test
  void nothingEncodesAsNothingAndNullDecodesAsNoHeaders() {
    assertThat(HeaderLines.encode(Map.of())).isEmpty();
    assertThat(HeaderLines.decode(null)).isEmpty();
    assertThat(HeaderLines.decode("")).isEmpty();
  }

  @Test
  void decodingSkipsLinesWithoutANameBeforeTheColon() {
    assertThat(HeaderLines.decode(":orphan\nno-colon\nA:b\n")).isEqualTo(Map.of("A", List.of("b")));
  }

  @Test
  void whatCannotBeReadBackIsRefusedWhereverTheForbiddenCharacterIs() {
    for (Map<String, List<String>> bad : List.of(
        Map.of("", List.of("v")),
        Map.of(":a", List.of("v")), Map.of("a:", List.of("v")),
        Map.of("\na", List.of("v")), Map.of("a\n", List.of("v")),
        Map.of("a", List.of("\nv")), Map.of("a", List.of("v\n")),
        Map.of("a", List.of("\rv")), Map.of("a", List.of("v\r")))) {
      assertThatThrownBy(() -> HeaderLines.encode(bad)).as("%s", bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a storable HTTP header");
    }
  }
}
