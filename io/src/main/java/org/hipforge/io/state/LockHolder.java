package org.hipforge.io.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.hipforge.io.jsonl.Timestamps;

/**
 * Who holds a {@link WorkLock}: the JSON object in the lock file, {@code {"token", "pid",
 * "pid_started_at", "host", "started_at", "run_id", "command"}}.
 *
 * <p>{@code token} is unique per acquisition (a lock file is recognised by it, never by pid);
 * {@code pid_started_at} tells a live process from a later one that reuses the pid.
 */
public record LockHolder(
    String token,
    long pid,
    long pidStartedAtMillis,
    String host,
    long startedAtMillis,
    String runId,
    String command) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The holder this JVM writes: its pid, host and start time, a fresh token. */
  public static LockHolder forThisProcess(String runId, String command) {
    ProcessHandle self = ProcessHandle.current();
    long pidStart = self.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    return new LockHolder(
        UUID.randomUUID().toString().replace("-", ""),
        self.pid(),
        pidStart,
        thisHost(),
        System.currentTimeMillis(),
        runId,
        command);
  }

  /**
   * This machine's name: the kernel's node name on Linux (no DNS look-up, so never slow), else what
   * the JDK says.
   */
  public static String thisHost() {
    return HostName.VALUE;
  }

  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("token", token);
    n.put("pid", pid);
    if (pidStartedAtMillis > 0) {
      n.put("pid_started_at", Timestamps.format(pidStartedAtMillis));
    }
    n.put("host", host);
    n.put("started_at", Timestamps.format(startedAtMillis));
    n.put("run_id", runId);
    n.put("command", command);
    return n.toString();
  }

  /**
   * The holder in a lock file's bytes, or empty when they are not one (a file cut short by a crash,
   * written by hand, or by something else): such a lock counts as held until it is old.
   */
  public static Optional<LockHolder> parse(byte[] bytes) {
    try {
      JsonNode n = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
      if (n == null
          || !n.isObject()
          || !n.path("token").isTextual()
          || !n.path("pid").canConvertToLong()
          || !n.path("host").isTextual()
          || !n.path("started_at").isTextual()) {
        return Optional.empty();
      }
      String token = n.get("token").asText();
      if (!token.matches("[A-Za-z0-9]{1,64}")) {
        return Optional
            .empty(); // it names a file (the takeover mutex): nothing but letters and digits
      }
      long pidStart =
          n.path("pid_started_at").isTextual()
              ? Timestamps.parse(n.get("pid_started_at").asText())
              : -1L;
      return Optional.of(
          new LockHolder(
              token,
              n.get("pid").asLong(),
              pidStart,
              n.get("host").asText(),
              Timestamps.parse(n.get("started_at").asText()),
              n.path("run_id").asText(""),
              n.path("command").asText("")));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** {@code pid 4242 on host node1, run R, started 2026-12-06T12:40:01.000Z (95 s ago)}. */
  public String describe(long nowMillis) {
    return String.format(
        Locale.ROOT,
        "%s pid %d on host %s, run %s, started %s (%s ago)",
        command.isEmpty() ? "a run with" : command + ",",
        pid,
        host,
        runId.isEmpty() ? "?" : runId,
        Timestamps.format(startedAtMillis),
        ago(nowMillis - startedAtMillis));
  }

  /** A duration for people: {@code 42 s}, {@code 7 min}, {@code 3 h}. */
  static String ago(long millis) {
    long s = Math.max(0, millis) / 1000;
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    return s / 3600 + " h";
  }

  /** Read once: the host name does not change while a run holds a lock. */
  private static final class HostName {
    static final String VALUE = read();

    private static String read() {
      try {
        String kernel = Files.readString(Paths.get("/proc/sys/kernel/hostname")).trim();
        if (!kernel.isEmpty()) {
          return kernel;
        }
      } catch (IOException | RuntimeException notLinux) {
        // fall through to the JDK
      }
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "unknown-host";
      }
    }
  }
}
