package org.hipforge.pipeline;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.hipforge.io.util.Closest;

/**
 * The command table and the flag rules every command shares: which flags a command has (its options
 * interface), {@code --flag value} read as {@code --flag=value}, an unknown command or flag refused
 * with the nearest known one ("did you mean"), required flags checked, and the options built by
 * Beam (so every Beam and Flink flag still works).
 *
 * <p>A flag's most specific declaration decides its description, default and whether it is
 * required: {@code DescribeOptions} redeclares {@code getSourceDir()} with
 * {@code @Validation.Required}, {@code DemoOptions} redeclares it without.
 */
final class CommandLine {
  /**
   * One command: its name, its options interface, its usage line, what it does, whether it runs a
   * Beam pipeline, and its {@code run} (called by {@link Main} with the parsed options).
   */
  record Command(
      String name,
      Class<? extends PipelineOptions> options,
      String synopsis,
      String summary,
      boolean engine,
      Action action) {}

  /**
   * A command's {@code run} on its parsed options; {@code args}: its flags as given (normalized).
   */
  @FunctionalInterface
  interface Action {
    void run(PipelineOptions options, PrintStream out, String[] args) throws Exception;
  }

  /** A command's {@code run} on its own options interface. */
  @FunctionalInterface
  interface Run<T extends PipelineOptions> {
    void run(T options, PrintStream out, String[] args) throws Exception;
  }

  private static <T extends PipelineOptions> Command command(
      String name, Class<T> options, String synopsis, String summary, boolean engine, Run<T> run) {
    return new Command(
        name,
        options,
        synopsis,
        summary,
        engine,
        (o, out, args) -> run.run(o.as(options), out, args));
  }

  static final List<Command> COMMANDS =
      List.of(
          command(
              "demo",
              DemoOptions.class,
              "[--config=config.json --modelName=NAME]",
              "manifest + describe + generate + export on the bundled example kernels against a built-in "
                  + "simulated LLM on loopback (no network, no key); --config=FILE uses a real provider",
              true,
              (o, out, args) ->
                  DemoCommand.run(o, out, RunnerDefaults.value(args, "config") != null)),
          command(
              "manifest",
              ManifestOptions.class,
              "--sourceDir=DIR --workDir=W",
              "scan HIP sources into W/manifest.jsonl (stable ids)",
              false,
              (o, out, args) -> ManifestCommand.run(o, out)),
          command(
              "describe",
              DescribeOptions.class,
              "--workDir=W --sourceDir=DIR [--config=config.json]",
              "ask the LLM for an instruction per pending source; resumable, never pays twice",
              true,
              (o, out, args) -> DescribeCommand.run(o, out)),
          command(
              "generate",
              GenerateOptions.class,
              "--workDir=W [--config=config.json] [--ids=3,7]",
              "ask the LLM for HIP code per described task, compile it for AMD GPUs (hipcc), write "
                  + "W/out/hip/<file_name>",
              true,
              (o, out, args) -> GenerateCommand.run(o, out)),
          command(
              "validate",
              ValidateOptions.class,
              "--workDir=W",
              "re-check W/out/hip files with the HIP compiler and record the verdicts",
              false,
              (o, out, args) -> ValidateCommand.run(o, out)),
          command(
              "export",
              ExportOptions.class,
              "--workDir=W [--includeFailed] [--format=jsonl|messages|json-array] [--out=FILE]",
              "the dataset (rows of instruction, source, generated code, verdicts, models, tokens) and its "
                  + "card README.md",
              false,
              (o, out, args) -> ExportCommand.run(o, out)),
          command(
              "status",
              StatusOptions.class,
              "--workDir=W [--sourceDir=DIR]",
              "totals: passed, failed by category, pending, stale, malformed",
              false,
              (o, out, args) -> StatusCommand.run(o, out)),
          command(
              "batches",
              BatchesOptions.class,
              "--workDir=W [--cancel]",
              "the provider batches of --mode=batch runs (ledger and live state); --cancel cancels those "
                  + "still running",
              false,
              (o, out, args) -> BatchesCommand.run(o, out)),
          command(
              "report",
              ReportOptions.class,
              "--workDir=W [--sourceDir=DIR] [--out=FILE]",
              "one self-contained HTML page with charts and the pairs (default W/report/index.html)",
              false,
              (o, out, args) -> ReportCommand.run(o, out)),
          command(
              "prompts",
              PromptsOptions.class,
              "--out=DIR | --promptDir=DIR",
              "write the default prompt templates to edit, or check edited ones",
              false,
              (o, out, args) -> PromptsCommand.run(o, out)));

  /**
   * The Beam/Flink flags a pipeline command's help lists, with the defaults hipforge gives them.
   */
  static final Map<String, String[]> ENGINE_FLAGS = engineFlags();

  private static Map<String, String[]> engineFlags() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put(
        "runner",
        new String[] {
          "FlinkRunner (embedded Flink)",
          "The engine: FlinkRunner (embedded, or a cluster with --flinkMaster) or DirectRunner (debugging)"
        });
    m.put(
        "flinkMaster",
        new String[] {
          "[local]",
          "host:port of a Flink 1.19 cluster's JobManager REST API; [local] = embedded Flink in this JVM"
        });
    m.put(
        "parallelism",
        new String[] {
          "the cores (embedded) or the cluster's slots", "Flink parallelism of the job"
        });
    m.put(
        "filesToStage",
        new String[] {
          "the launcher's jar (pipeline/target/hipforge.jar)", "Jars sent to a cluster"
        });
    m.put("targetParallelism", new String[] {"8", "DirectRunner only: worker threads"});
    return m;
  }

  private CommandLine() {}

  static Command find(String name) {
    for (Command c : COMMANDS) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** "unknown command 'describ' (did you mean 'describe'?)" */
  static String unknownCommand(String name) {
    List<String> names = new ArrayList<>();
    COMMANDS.forEach(c -> names.add(c.name()));
    String near = Closest.to(name, names);
    return "unknown command '"
        + name
        + "'"
        + (near == null ? "" : " (did you mean '" + near + "'?)")
        + "; the commands are "
        + String.join(", ", names);
  }

  /** A flag as a command sees it: its most specific getter. */
  record Flag(String name, Method getter) {
    boolean required() {
      return getter.isAnnotationPresent(Validation.Required.class);
    }

    boolean bool() {
      return getter.getReturnType() == Boolean.class || getter.getReturnType() == boolean.class;
    }

    String type() {
      return getter.getReturnType().getSimpleName();
    }

    String description() {
      Description d = getter.getAnnotation(Description.class);
      return d == null ? "" : d.value();
    }

    /** The default as the user sees it, or null. */
    String defaultText() {
      return OptionGetters.defaultText(getter);
    }
  }

  /**
   * hipforge's flags of {@code options} (not Beam's), by name, each at its most specific
   * declaration.
   */
  static Map<String, Flag> flags(Class<?> options) {
    Map<String, Method> best = new TreeMap<>();
    for (Class<?> iface : OptionGetters.closure(options)) {
      if (!iface.getName().startsWith("org.hipforge.")) {
        continue;
      }
      for (Method m : iface.getDeclaredMethods()) {
        String name = OptionGetters.property(m);
        if (name == null) {
          continue;
        }
        Method known = best.get(name);
        if (known == null || known.getDeclaringClass().isAssignableFrom(m.getDeclaringClass())) {
          best.put(name, m);
        }
      }
    }
    Map<String, Flag> flags = new TreeMap<>();
    best.forEach((n, m) -> flags.put(n, new Flag(n, m)));
    return flags;
  }

  /** Every Beam and Flink flag this JVM knows (the registered options interfaces), by name. */
  static Map<String, Method> beamFlags() {
    Map<String, Method> flags = new TreeMap<>();
    Set<Class<? extends PipelineOptions>> registered =
        PipelineOptionsFactory.getRegisteredOptions();
    for (Class<?> iface : registered) {
      for (Class<?> c : OptionGetters.closure(iface)) {
        if (c.getName().startsWith("org.hipforge.")) {
          continue;
        }
        for (Method m : c.getDeclaredMethods()) {
          String name = OptionGetters.property(m);
          if (name != null) {
            flags.putIfAbsent(name, m);
          }
        }
      }
    }
    return flags;
  }

  /**
   * The arguments as Beam reads them: {@code --flag value} becomes {@code --flag=value} (a boolean
   * flag takes a following {@code true}/{@code false} only); every flag must be the command's or
   * Beam's/Flink's, else a usage error naming the nearest one. Another command's flag (scripts pass
   * one set of flags to every command) is left out, with a line in {@code notes} saying so.
   */
  static String[] normalize(Command c, String[] args, List<String> notes) {
    Map<String, Flag> own = flags(c.options());
    Map<String, Method> beam = beamFlags();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageException(
            "unexpected argument '"
                + a
                + "': flags are written --name=value (or "
                + "--name value); 'hipforge "
                + c.name()
                + " --help' lists them");
      }
      int eq = a.indexOf('=');
      String name = eq < 0 ? a.substring(2) : a.substring(2, eq);
      String otherCommands = check(c, name, own, beam);
      if (otherCommands != null) {
        boolean valueFollows = eq < 0 && i + 1 < args.length && !args[i + 1].startsWith("--");
        String shown = valueFollows ? a + "=" + args[++i] : a;
        notes.add(
            "ignoring "
                + shown
                + ": not a flag of "
                + c.name()
                + " (a flag of "
                + otherCommands
                + ")");
        continue;
      }
      if (eq < 0 && i + 1 < args.length && !args[i + 1].startsWith("--")) {
        Method getter = own.containsKey(name) ? own.get(name).getter() : beam.get(name);
        boolean bool =
            getter.getReturnType() == Boolean.class || getter.getReturnType() == boolean.class;
        String next = args[i + 1];
        if (!bool || next.equalsIgnoreCase("true") || next.equalsIgnoreCase("false")) {
          out.add(a + "=" + next);
          i++;
          continue;
        }
      }
      out.add(a);
    }
    return out.toArray(new String[0]);
  }

  /**
   * Null for a flag of the command (or Beam's); the commands it belongs to for another command's;
   * else a usage error.
   */
  private static String check(
      Command c, String name, Map<String, Flag> own, Map<String, Method> beam) {
    if (own.containsKey(name) || beam.containsKey(name)) {
      return null;
    }
    List<String> others = new ArrayList<>();
    for (Command other : COMMANDS) {
      if (flags(other.options()).containsKey(name)
          && !other.name().equals("demo")) { // demo has them all
        others.add(other.name());
      }
    }
    String help = "; 'hipforge " + c.name() + " --help' lists its flags";
    if (!others.isEmpty()) {
      return String.join(", ", others);
    }
    Set<String> candidates = new TreeSet<>(own.keySet());
    candidates.addAll(ENGINE_FLAGS.keySet());
    String near = Closest.to(name, candidates);
    if (near == null) {
      near = Closest.to(name, beam.keySet());
    }
    throw new UsageException(
        "unknown flag --" + name + (near == null ? "" : " (did you mean --" + near + "?)") + help);
  }

  /**
   * The options of {@code c} from {@code args} (already normalized), with its required flags
   * checked: Beam parses them, so Beam's and Flink's flags work as always.
   */
  static <T extends PipelineOptions> T parse(Command c, Class<T> type, String[] args) {
    T options = PipelineOptionsFactory.fromArgs(args).as(type);
    for (Flag f : flags(c.options()).values()) {
      if (!f.required()) {
        continue;
      }
      Object value;
      try {
        value = f.getter().invoke(options);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (value == null || value.toString().isBlank()) {
        throw new UsageException(
            c.name()
                + " needs --"
                + f.name()
                + "="
                + placeholder(f)
                + " ("
                + f.description()
                + ")");
      }
    }
    return options;
  }

  private static String placeholder(Flag f) {
    return f.name().endsWith("Dir") ? "DIR" : f.type().toUpperCase(java.util.Locale.ROOT);
  }
}
