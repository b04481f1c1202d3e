package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** {@link ClientRoutes}: which configured client a URL belongs to. */
class ClientRoutesTest {

  private static ClientRoutes routes(String... properties) {
    TailguardProperties p = new TailguardProperties();
    for (String base : properties) {
      TailguardProperties.HttpSpec spec = new TailguardProperties.HttpSpec();
      spec.setBaseUrl(URI.create(base));
      p.getHttp().put(base, spec);
    }
    return ClientRoutes.of(new TailguardRegistry(p, TailguardRegistry.Instrumentation.NONE));
  }

  @Test
  void aBaseUrlDoesNotCoverAnotherPortOrHostThatMerelyStartsLikeIt() {
    ClientRoutes routes = routes("http://orders:8080", "http://10.0.0.1");
    assertThat(routes.route(URI.create("http://orders:80801/a"))).isNull();
    assertThat(routes.route(URI.create("http://10.0.0.10/a"))).isNull();
    assertThat(routes.route(URI.create("http://orders:8080/a"))).isNotNull();
    assertThat(routes.route(URI.create("http://orders:8080"))).isNotNull();
    assertThat(routes.route(URI.create("http://orders:8080?q=1"))).isNotNull();
  }

  @Test
  void theLongestCoveringBaseUrlWinsAndAPathBaseEndsAtASegment() {
    ClientRoutes routes = routes("http://api:80", "http://api:80/v2/", "http://api:80/v3");
    assertThat(routes.route(URI.create("http://api:80/v2/x"))).isNotSameAs(routes.route(URI.create("http://api:80/v1/x")));
    assertThat(routes.route(URI.create("http://api:80/v3x"))).isSameAs(routes.route(URI.create("http://api:80/v1")));
    assertThat(routes.route(URI.create("http://api:80/v3/x"))).isNotSameAs(routes.route(URI.create("http://api:80/v1")));
  }
}
