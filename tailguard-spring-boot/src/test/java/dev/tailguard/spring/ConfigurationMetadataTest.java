package dev.tailguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The metadata IDEs read ({@code META-INF/spring-configuration-metadata.json}, as built by
 * spring-boot-configuration-processor from the properties classes and the additional metadata)
 * names and describes every {@code tailguard.*} property, the named-instance maps' settings too.
 */
class ConfigurationMetadataTest {
  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]+)\"");
  private static final Map<String, Class<?>> MAPS = new LinkedHashMap<>();

  static {
    MAPS.put("retry", TailguardProperties.RetrySpec.class);
    MAPS.put("hedge", TailguardProperties.HedgeSpec.class);
    MAPS.put("circuit-breaker", TailguardProperties.BreakerSpec.class);
    MAPS.put("budget", TailguardProperties.BudgetSpec.class);
    MAPS.put("http", TailguardProperties.HttpSpec.class);
  }

  private static String metadata() throws IOException {
    // Boot's own jars carry the same resource: read this module's.
    for (java.net.URL url : java.util.Collections.list(
        ConfigurationMetadataTest.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (json.contains("dev.tailguard.spring.TailguardProperties")) {
          return json;
        }
      }
    }
    throw new AssertionError("no spring-configuration-metadata.json of tailguard-spring-boot on the class path");
  }

  private static Set<String> names(String json) {
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(json);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static String kebab(String field) {
    return field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
  }

  @Test
  void everySettingOfEveryNamedInstanceMapIsDescribedWithItsInstancePattern() throws IOException {
    String json = metadata();
    Set<String> names = names(json);
    int settings = 0;
    for (Map.Entry<String, Class<?>> map : MAPS.entrySet()) {
      assertThat(names).contains("tailguard." + map.getKey(), "tailguard." + map.getKey() + ".keys");
      for (Field field : map.getValue().getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        String property = "tailguard." + map.getKey() + ".default." + kebab(field.getName());
        assertThat(names).as("metadata names %s", property).contains(property);
        assertThat(json).contains("tailguard." + map.getKey() + ".<name>." + kebab(field.getName()));
        settings++;
      }
    }
    assertThat(settings).isEqualTo(31);
  }

  @Test
  void theOtherPropertiesAndTheValueHintsArePresent() throws IOException {
    String json = metadata();
    assertThat(names(json)).contains("tailguard.health.enabled", "tailguard.idempotency.enabled",
        "tailguard.http.default.pipeline", "tailguard.budget.default.type");
    for (String value : new String[] {"default", "standard", "standard-hedging", "token-bucket", "ratio", "adaptive-throttle"}) {
      assertThat(json).containsPattern("\"value\"\\s*:\\s*\"" + value + "\"");
    }
  }
}
