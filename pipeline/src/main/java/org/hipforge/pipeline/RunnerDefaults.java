package org.hipforge.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the engine when the user did not: embedded Flink, sized to the machine.
 *
 * <p>Embedded Flink is the fast engine on one machine and the same engine as a cluster
 * (BUILD-FACTS: 1M-line anti-join 29.5 s vs the DirectRunner not finishing in 7 min). {@code
 * --runner=DirectRunner} stays for tests and debugging; {@code --flinkMaster=host:port} submits to
 * a cluster.
 *
 * <p>On a cluster it asks the JobManager's REST API ({@code GET /overview}) before anything runs:
 * an address where no JobManager answers is a usage error at once (instead of a minute of Flink
 * client retries and a stack trace), and unless given, {@code --parallelism} becomes the cluster's
 * slot count (Beam would use 1: one slot of the whole cluster). Passing {@code --parallelism} skips
 * the question. (The rate share per TaskManager is asked separately: CommandSupport.rateShare.)
 */
final class RunnerDefaults {
  private RunnerDefaults() {}

  static String[] apply(String[] args) {
    List<String> out = new ArrayList<>(List.of(args));
    String runner = value(args, "runner");
    if (runner == null) {
      out.add("--runner=FlinkRunner");
      runner = "FlinkRunner";
    }
    if (runner.equals("DirectRunner") && value(args, "targetParallelism") == null) {
      // The DirectRunner runs a bundle per key after a shuffle; more threads keep more LLM calls
      // in flight (its default, max(cores, 3), gave 3 calls at once).
      out.add("--targetParallelism=8");
    }
    if (runner.toLowerCase(Locale.ROOT).contains("flink")) {
      if (value(args, "flinkMaster") == null) {
        out.add("--flinkMaster=[local]");
      }
      String master = value(out.toArray(new String[0]), "flinkMaster");
      if (value(args, "objectReuse") == null) {
        // Our DoFns never change an element after emitting it, so Flink may pass objects between
        // chained operators instead of copying each one through its coder.
        out.add("--objectReuse=true");
      }
      if (value(args, "parallelism") == null && "[local]".equals(master)) {
        out.add("--parallelism=" + Math.max(1, Runtime.getRuntime().availableProcessors()));
      }
      if (isCluster(master) && value(args, "parallelism") == null) {
        ClusterInfo cluster = ClusterInfo.ask(master);
        String added = "";
        if (cluster.slots > 0) {
          added = "--parallelism=" + cluster.slots;
          out.add(added);
        }
        System.err.println(
            "hipforge: Flink cluster at "
                + master
                + ": Flink "
                + cluster.version
                + ", "
                + cluster.taskManagers
                + " TaskManager(s), "
                + cluster.slots
                + " slots"
                + (added.isEmpty() ? "" : "; using " + added));
        if (!cluster.version.startsWith("1.19")) {
          System.err.println(
              "hipforge: WARNING: this build's Beam Flink runner is for Flink 1.19; the "
                  + "cluster runs "
                  + cluster.version
                  + " and may reject or fail the job");
        }
        if (cluster.taskManagers == 0) {
          System.err.println(
              "hipforge: WARNING: no TaskManager is registered: the job waits for slots "
                  + "(slot.request.timeout, 5 min by default) and then fails");
        }
      }
    }
    return out.toArray(new String[0]);
  }

  /** A JobManager address ({@code host:port}), not embedded Flink. */
  static boolean isCluster(String master) {
    return master != null && !master.isBlank() && !master.startsWith("[");
  }

  /** What {@code GET /overview} of a Flink JobManager says. */
  static final class ClusterInfo {
    final String version;
    final int taskManagers;
    final int slots;

    ClusterInfo(String version, int taskManagers, int slots) {
      this.version = version;
      this.taskManagers = taskManagers;
      this.slots = slots;
    }

    static ClusterInfo ask(String master) {
      String base = master.matches("(?i)^https?://.*") ? master : "http://" + master;
      base = base.replaceAll("/+$", "");
      String url = base + "/overview";
      String hint =
          "; start one (scripts/flink-cluster start) or fix --flinkMaster=host:port (the "
              + "JobManager's REST port, 8081 by default); --parallelism=N skips this check";
      String body;
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        int code = c.getResponseCode();
        if (code != 200) {
          throw new UsageException(
              "--flinkMaster="
                  + master
                  + ": "
                  + url
                  + " answered HTTP "
                  + code
                  + ", not like a Flink JobManager"
                  + hint);
        }
        try (InputStream in = c.getInputStream()) {
          body = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
        }
      } catch (IOException | IllegalArgumentException e) {
        throw new UsageException(
            "--flinkMaster="
                + master
                + ": no Flink JobManager answers at "
                + url
                + " ("
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())
                + ")"
                + hint);
      }
      String version = find(body, "\"flink-version\"\\s*:\\s*\"([^\"]*)\"");
      String tms = find(body, "\"taskmanagers\"\\s*:\\s*(\\d+)");
      String slots = find(body, "\"slots-total\"\\s*:\\s*(\\d+)");
      if (version == null || tms == null || slots == null) {
        throw new UsageException(
            "--flinkMaster="
                + master
                + ": "
                + url
                + " answered, but not like a Flink JobManager"
                + hint);
      }
      return new ClusterInfo(version, Integer.parseInt(tms), Integer.parseInt(slots));
    }

    private static String find(String body, String regex) {
      Matcher m = Pattern.compile(regex).matcher(body);
      return m.find() ? m.group(1) : null;
    }
  }

  static String value(String[] args, String name) {
    String prefix = "--" + name + "=";
    String found = null;
    for (String a : args) {
      if (a.startsWith(prefix)) {
        found = a.substring(prefix.length());
      }
    }
    return found;
  }
}
