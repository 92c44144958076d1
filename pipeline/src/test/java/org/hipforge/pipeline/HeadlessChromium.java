package org.hipforge.pipeline;

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
 * A real headless browser for tests: Debian's {@code chromium} (scripts/test.sh installs it), run
 * as a child process with its own profile directory, no network use and no GPU.
 */
final class HeadlessChromium {
  /** Far above a page load here (a few seconds); only a hung browser reaches it. */
  static final long TIMEOUT_S = 180;

  /** What one browser run printed. */
  record Run(int exit, String stdout, String stderr) {}

  private HeadlessChromium() {}

  /** The browser on the PATH ({@code chromium}, else {@code chromium-browser}), if any. */
  static Optional<Path> find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Opens {@code page} and runs {@code virtualTimeMs} of the page's time (timers and animation
   * frames), then does what {@code action} asks ({@code --dump-dom}, {@code --screenshot=...}).
   */
  static Run open(Path browser, Path profile, Path page, long virtualTimeMs, String... action)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                browser.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=" + virtualTimeMs));
    cmd.addAll(List.of(action));
    cmd.add(page.toUri().toString());
    Path out = Files.createTempFile(profile.getParent(), "chromium-", ".out");
    Path err = Files.createTempFile(profile.getParent(), "chromium-", ".err");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IOException("chromium did not finish within " + TIMEOUT_S + " s: " + cmd);
    }
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
