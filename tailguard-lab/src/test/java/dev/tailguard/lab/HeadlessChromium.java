package dev.tailguard.lab;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Opens a local page in headless Chromium and returns its DOM after load and what its console
 * printed. Found as {@code $TAILGUARD_CHROMIUM} or {@code chromium}, {@code chromium-browser},
 * {@code google-chrome} on the PATH; .ci/run installs Debian's {@code chromium}.
 */
final class HeadlessChromium {
  private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable");

  private HeadlessChromium() {}

  /** The DOM after the load event, and every console line Chromium logged. */
  record Page(String dom, List<String> console) {}

  static Optional<Path> find() {
    String configured = System.getenv("TAILGUARD_CHROMIUM");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : NAMES) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  static Page open(Path chromium, Path page, Path scratch) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(scratch.resolve("chromium-profile"));
    Path dom = scratch.resolve("dom.html");
    Path log = scratch.resolve("chromium.log");
    List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=10000", "--dump-dom", page.toUri().toString()));
    Process process = new ProcessBuilder(command).redirectOutput(dom.toFile()).redirectError(log.toFile()).start();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        throw new AssertionError("headless Chromium did not finish within 120 s: " + command);
      }
    } finally {
      // Never leave a browser behind, also when the wait was interrupted or timed out.
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    List<String> console = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(line -> line.contains(":CONSOLE")).toList();
    return new Page(Files.readString(dom, StandardCharsets.UTF_8), console);
  }
}
