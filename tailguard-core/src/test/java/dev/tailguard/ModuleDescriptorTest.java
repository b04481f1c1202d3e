package dev.tailguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The module descriptor is what keeps internals private and core dependency-free. */
class ModuleDescriptorTest {

  @Test
  void exportsThePublicPackagesButNotInternal() throws Exception {
    ModuleDescriptor descriptor = readDescriptor();
    Set<String> exported =
        descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    assertThat(descriptor.name()).isEqualTo("dev.tailguard");
    assertThat(exported).containsExactlyInAnyOrder("dev.tailguard", "dev.tailguard.event", "dev.tailguard.time");
  }

  @Test
  void requiresNothingButTheJavaBaseModule() throws Exception {
    Set<String> required =
        readDescriptor().requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
    assertThat(required).containsExactly("java.base");
  }

  private static ModuleDescriptor readDescriptor() throws Exception {
    // The descriptor beside our own classes; a class-path lookup would find a JDK module's first.
    Path classes = Path.of(Retry.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      return ModuleDescriptor.read(in);
    }
  }
}
