package org.hipforge.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.util.ReleaseInfo;

/**
 * What {@code hipforge --help}, {@code hipforge <command> --help[=all]} and {@code --version}
 * print.
 *
 * <p>A command's help lists only its own flags, in three groups: required, common (the rest of
 * hipforge's flags, each with its real default) and, for commands that run a Beam pipeline, the
 * engine flags with the defaults hipforge gives them. {@code --help=all} adds every Beam and Flink
 * flag this JVM knows, which all still work.
 */
final class CommandHelp {
  private static final int WIDTH = 100;

  private CommandHelp() {}

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append(
        "usage: hipforge <command> [--flags]      (--flag=value or --flag value)\n\ncommands:\n");
    for (CommandLine.Command c : CommandLine.COMMANDS) {
      b.append(String.format("  %-9s %s%n", c.name(), c.synopsis()));
      wrap(b, c.summary(), "            ");
    }
    b.append("\nengine: embedded Flink by default; --runner=DirectRunner for debugging;\n")
        .append("        --flinkMaster=host:port to submit to a Flink 1.19 cluster\n")
        .append(
            "a command's flags: hipforge <command> --help   (every Beam/Flink flag too: --help=all)\n")
        .append("hipforge --version\n");
    return b.toString();
  }

  static String help(CommandLine.Command c, boolean all) {
    StringBuilder b = new StringBuilder();
    b.append("usage: hipforge ")
        .append(c.name())
        .append(' ')
        .append(c.synopsis())
        .append(" [--flags]\n");
    wrap(b, c.summary(), "");
    Map<String, CommandLine.Flag> flags = CommandLine.flags(c.options());
    List<CommandLine.Flag> required = new ArrayList<>();
    List<CommandLine.Flag> common = new ArrayList<>();
    for (CommandLine.Flag f : flags.values()) {
      (f.required() ? required : common).add(f);
    }
    if (!required.isEmpty()) {
      b.append("\nrequired:\n");
      required.forEach(f -> flag(b, f.name(), f.type(), null, f.description()));
    }
    b.append("\ncommon:\n");
    common.forEach(f -> flag(b, f.name(), f.type(), f.defaultText(), f.description()));
    if (c.engine()) {
      b.append("\nengine (Beam/Flink):\n");
      Map<String, Method> beam = CommandLine.beamFlags();
      CommandLine.ENGINE_FLAGS.forEach(
          (name, text) -> {
            Method m = beam.get(name);
            flag(
                b,
                name,
                m == null ? "String" : m.getReturnType().getSimpleName(),
                text[0],
                text[1]);
          });
    }
    if (all) {
      b.append("\nevery Beam and Flink flag (each works with every command):\n");
      Map<String, Method> beam = CommandLine.beamFlags();
      Map<String, List<Method>> byInterface = new TreeMap<>();
      beam.values()
          .forEach(
              m ->
                  byInterface
                      .computeIfAbsent(m.getDeclaringClass().getName(), k -> new ArrayList<>())
                      .add(m));
      byInterface.forEach(
          (iface, methods) -> {
            b.append("\n").append(iface).append(":\n");
            for (Method m : methods) {
              Description d = m.getAnnotation(Description.class);
              flag(
                  b,
                  OptionGetters.property(m),
                  m.getReturnType().getSimpleName(),
                  OptionGetters.defaultText(m),
                  d == null ? "" : d.value());
            }
          });
    } else {
      b.append("\nevery Beam and Flink flag works too: hipforge ")
          .append(c.name())
          .append(" --help=all\n");
    }
    return b.toString();
  }

  private static void flag(
      StringBuilder b, String name, String type, String dflt, String description) {
    b.append("  --").append(name).append("=<").append(type).append('>');
    if (dflt != null) {
      b.append("   default: ").append(dflt.isEmpty() ? "\"\"" : dflt);
    }
    b.append('\n');
    if (!description.isEmpty()) {
      wrap(b, description, "      ");
    }
  }

  private static void wrap(StringBuilder b, String text, String indent) {
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split("\\s+")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
        b.append(line).append('\n');
        line = new StringBuilder(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > indent.length()) {
      b.append(line).append('\n');
    }
  }

  /** e.g. {@code hipforge 0.1.0-SNAPSHOT (Beam 2.70.0, Flink 1.19.0, Java 17.0.15)}. */
  static String version() {
    return "hipforge "
        + hipforgeVersion()
        + " (Beam "
        + ReleaseInfo.getReleaseInfo().getVersion()
        + ", Flink "
        + flinkVersion()
        + ", Java "
        + System.getProperty("java.version")
        + ")";
  }

  /** The build's version (Maven's project version, written into a resource at build time). */
  static String hipforgeVersion() {
    try (InputStream in = CommandHelp.class.getResourceAsStream("hipforge-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String flinkVersion() {
    try {
      String v = org.apache.flink.runtime.util.EnvironmentInformation.getVersion();
      return v == null || v.startsWith("<") ? "1.19" : v;
    } catch (LinkageError e) {
      return "absent";
    }
  }
}
