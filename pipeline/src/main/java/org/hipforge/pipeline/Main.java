package org.hipforge.pipeline;

import java.io.PrintStream;
import java.util.Arrays;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The {@code hipforge} command line: {@code hipforge <command> [--flags]}.
 *
 * <p>{@code main} only parses and dispatches; each command's {@code run(options, out)} does the
 * work, so tests call it directly.
 */
public final class Main {
  /**
   * Exit codes: 0 done, 1 failed (also a failed journal write), 2 usage error (also a journal that
   * cannot be written before the first request), 3 the provider rejected the API key (category
   * {@code auth}), 4 the provider's account has no quota or credit left ({@code quota}: OpenAI's
   * 429 {@code insufficient_quota}, Anthropic's "credit balance is too low", any 402), 5 no usable
   * chat endpoint at {@code base_url} ({@code endpoint}: a 404/405, or "cannot connect to" once the
   * first task's retries are used up), 6 the provider asks to wait longer than {@code max_retry_after_s}
   * ({@code retry-after: 86400} from a daily limit); after 3, 4, 5 and 6 tasks not yet answered stay pending; 130 / 143
   * after a polite stop on SIGINT / SIGTERM ({@link StopSignals}).
   */
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int AUTH = 3;
  static final int QUOTA = 4;
  static final int ENDPOINT = 5;
  static final int WAIT = 6;

  private Main() {}

  public static void main(String[] args) {
    StopSignals.install(System.out);
    RunLog.enable();
    int code = run(args, System.out, System.err);
    StopSignals.waitIfStopping(); // a signal's stop decides the exit code and exits itself
    System.out.flush();
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.print(usage());
      return args.length == 0 ? USAGE : OK;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (Arrays.asList(rest).contains("--help")) {
      out.print(usage());
      PipelineOptionsFactory.printHelp(out, HipforgeOptions.class);
      return OK;
    }
    try {
      String statusDir = onlyWorkDir(command, rest);
      if (statusDir != null) {
        StatusCommand.run(statusDir, out); // no Beam options to start: a status is a read
        return OK;
      }
      rest = CommandSupport.lockEarly(command, rest, out); // before Beam's options: seconds of CPU
      PipelineOptionsFactory.register(HipforgeOptions.class);
      HipforgeOptions options = PipelineOptionsFactory.fromArgs(RunnerDefaults.apply(rest))
          .withValidation().as(HipforgeOptions.class);
      options.setJobName("hipforge-" + command);
      OptionChecks.numbers(options); // before any command starts: no call is paid for a wrong flag
      StopSignals.command(command);
      switch (command) {
        case "manifest":
          ManifestCommand.run(options, out);
          return OK;
        case "describe":
          DescribeCommand.run(options, out);
          return OK;
        case "generate":
          GenerateCommand.run(options, out);
          return OK;
        case "validate":
          ValidateCommand.run(options, out);
          return OK;
        case "export":
          ExportCommand.run(options, out);
          return OK;
        case "status":
          StatusCommand.run(options, out);
          return OK;
        case "prompts":
          PromptsCommand.run(options, out);
          return OK;
        case "batches":
          BatchesCommand.run(options, out);
          return OK;
        case "demo":
          DemoCommand.run(options, out, RunnerDefaults.value(rest, "config") != null);
          return OK;
        default:
          err.println("hipforge: unknown command '" + command + "'");
          err.print(usage());
          return USAGE;
      }
    } catch (UsageException | IllegalArgumentException e) {
      err.println("hipforge " + command + ": " + e.getMessage());
      return USAGE;
    } catch (CommandSupport.AuthStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      return AUTH;
    } catch (CommandSupport.ProviderStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      return e.exitCode;
    } catch (CommandSupport.JournalStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      return FAILED;
    } catch (Exception e) {
      err.println("hipforge " + command + ": FAILED: " + rootMessage(e));
      if (System.getenv("HIPFORGE_DEBUG") != null) {
        e.printStackTrace(err);
      } else {
        err.println("(set HIPFORGE_DEBUG=1 for the stack trace" + (RunLog.file() == null ? ""
            : "; the engines' log is in " + RunLog.file()) + "; work already journaled is kept)");
      }
      return FAILED;
    } finally {
      CommandSupport.releaseEarly();
    }
  }

  /** The work directory of a {@code status} whose one flag is {@code --workDir=W}, else null. */
  static String onlyWorkDir(String command, String[] rest) {
    if (!command.equals("status") || rest.length != 1 || !rest[0].startsWith("--workDir=")) {
      return null; // anything else goes through Beam's options, which check every flag
    }
    return rest[0].substring("--workDir=".length());
  }

  /** Where the stack traces of a stopped run went, when they are not on the console. */
  private static String logHint() {
    return RunLog.file() == null ? "" : " (the engines' log: " + RunLog.file() + ")";
  }

  static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  static String usage() {
    return String.join("\n",
        "usage: hipforge <command> [--flags]",
        "",
        "commands:",
        "  demo      run manifest + describe + generate on the bundled example kernels against a built-in",
        "            simulated LLM on loopback (no network, no key); --config=... uses a real provider",
        "  manifest  --sourceDir=DIR --workDir=W   scan HIP sources into W/manifest.jsonl (stable ids)",
        "  describe  --workDir=W --sourceDir=DIR --config=config.json [--modelName=openai]",
        "            ask the LLM for an instruction per pending source; resumable, never pays twice",
        "  generate  --workDir=W --config=config.json [--ids=3,7] [--modelName=anthropic]",
        "            ask the LLM for HIP code per described task, compile it for AMD GPUs (hipcc),",
        "            write W/out/hip/<file_name>; --validate=none skips compiling",
        "  validate  --workDir=W   re-check W/out/hip files with the HIP compiler, record verdicts",
        "  export    --workDir=W [--sourceDir=DIR] [--format=jsonl|json-array] [--out=FILE]",
        "            the dataset: {id, file_name, instruction, source_code, generated_code, ...}",
        "  status    --workDir=W   totals: passed, failed by category, pending, stale, malformed",
        "  batches   --workDir=W [--cancel]   the provider batches of --mode=batch runs (ledger and live",
        "            state); --cancel cancels those still running",
        "  prompts   --out=DIR   write the default prompt templates to edit; describe/generate/demo",
        "            --promptDir=DIR use edited ones (prompts --promptDir=DIR checks them)",
        "",
        "describe/generate/demo --mode=batch: through the provider's Batch API (half the price, up to 24 h)",
        "",
        "engine: embedded Flink by default; --runner=DirectRunner for debugging;",
        "        --flinkMaster=host:port to submit to a Flink 1.19 cluster",
        "every flag: hipforge <command> --help",
        "");
  }
}
