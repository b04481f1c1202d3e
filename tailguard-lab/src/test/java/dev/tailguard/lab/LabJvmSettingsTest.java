package dev.tailguard.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On JDK 17 with two CPUs, CompletableFuture's default executor starts a thread per task, and the
 * JDK HttpClient completes every sendAsync response there (JDK 25 uses the common pool anyway).
 * Each case runs a fresh JVM that believes it has two CPUs, since the setting only works before
 * the common pool exists.
 */
class LabJvmSettingsTest {
  @Test
  void onTwoCpusTheLabGivesTheCommonPoolWorkersInsteadOfAThreadPerTask() throws Exception {
    assertThat(probe()).isEqualTo("2 ForkJoinPool");
  }

  @Test
  void aParallelismTheUserSetWins() throws Exception {
    assertThat(probe("-Djava.util.concurrent.ForkJoinPool.common.parallelism=1")).startsWith("1 ");
  }

  private static String probe(String... jvmOptions) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:ActiveProcessorCount=2");
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), CommonPoolProbe.class.getName()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("probe finished: %s", output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
