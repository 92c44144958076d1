package org.hipforge.pipeline;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;

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
   * first task's retries are used up), 6 the provider asks to wait longer than {@code
   * max_retry_after_s} ({@code retry-after: 86400} from a daily limit); after 3, 4, 5 and 6 tasks
   * not yet answered stay pending; 130 / 143 after a polite stop on SIGINT / SIGTERM ({@link
   * StopSignals}).
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
    if (args.length == 0
        || args[0].equals("--help")
        || args[0].equals("-h")
        || args[0].equals("help")) {
      if (args.length == 2 && CommandLine.find(args[1]) != null) { // hipforge help describe
        out.print(CommandHelp.help(CommandLine.find(args[1]), false));
        return OK;
      }
      out.print(CommandHelp.usage());
      return args.length == 0 ? USAGE : OK;
    }
    if (args[0].equals("--version") || args[0].equals("version")) {
      out.println(CommandHelp.version());
      return OK;
    }
    String command = args[0];
    CommandLine.Command c = CommandLine.find(command);
    if (c == null) {
      err.println("hipforge: " + CommandLine.unknownCommand(command));
      err.println("(hipforge --help lists them with their flags)");
      return USAGE;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    for (String a : rest) {
      if (a.equals("--help") || a.equals("-h") || a.startsWith("--help=")) {
        out.print(CommandHelp.help(c, a.equals("--help=all")));
        return OK;
      }
      if (a.equals("--version")) {
        out.println(CommandHelp.version());
        return OK;
      }
    }
    try {
      List<String> notes = new ArrayList<>();
      rest =
          CommandLine.normalize(
              c, rest, notes); // --flag value, unknown flags: before anything starts
      notes.forEach(
          n -> out.println("hipforge " + command + ": " + n)); // stderr keeps one line per error
      RunManifest.commandLine(command, rest);
      String statusDir = onlyWorkDir(command, rest);
      if (statusDir != null) {
        StatusCommand.run(statusDir, out); // no Beam options to start: a status is a read
        return OK;
      }
      rest = StepLocks.lockEarly(command, rest, out); // before Beam's options: seconds of CPU
      PipelineOptions options = CommandLine.parse(c, c.options(), RunnerDefaults.apply(rest));
      options.setJobName("hipforge-" + command); // describe and generate add their run id
      OptionChecks.all(options); // before any command starts: no call is paid for a wrong flag
      StopSignals.command(command);
      c.action().run(options, out, rest);
      return OK;
    } catch (UsageException | IllegalArgumentException e) {
      err.println("hipforge " + command + ": " + e.getMessage());
      RunManifest.endCurrent("failed", USAGE, e.getMessage());
      return USAGE;
    } catch (CommandSupport.AuthStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      RunManifest.endCurrent("stopped", AUTH, e.getMessage());
      return AUTH;
    } catch (CommandSupport.ProviderStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      RunManifest.endCurrent("stopped", e.exitCode, e.getMessage());
      return e.exitCode;
    } catch (CommandSupport.JournalStop e) {
      err.println("hipforge " + command + ": STOPPED: " + e.getMessage() + logHint());
      RunManifest.endCurrent("stopped", FAILED, e.getMessage());
      return FAILED;
    } catch (Exception e) {
      err.println("hipforge " + command + ": FAILED: " + rootMessage(e));
      RunManifest.endCurrent("failed", FAILED, rootMessage(e));
      if (System.getenv("HIPFORGE_DEBUG") != null) {
        e.printStackTrace(err);
      } else {
        err.println(
            "(set HIPFORGE_DEBUG=1 for the stack trace"
                + (RunLog.file() == null ? "" : "; the engines' log is in " + RunLog.file())
                + "; work already journaled is kept)");
      }
      return FAILED;
    } finally {
      StepLocks.releaseEarly();
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
}
