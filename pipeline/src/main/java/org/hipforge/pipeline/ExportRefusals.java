package org.hipforge.pipeline;

import java.io.PrintStream;
import org.hipforge.io.util.SafeFiles;

/** What export left out, by the rule of {@link SafeFiles}, and one example of each. */
final class ExportRefusals {
  private long staleRows;
  private long missingRows;
  private long unsafeRows;
  private long unsafeCode;
  private long noCode;
  private long noMessages;
  private String rowExample;
  private String codeExample;
  private String noCodeExample;
  private String messagesExample;

  /** Counts a row left out for its source; returns the card's reason. */
  String rowSkipped(SafeFiles.Refused r) {
    rowExample = rowExample == null ? r.getMessage() : rowExample;
    if (SafeFiles.CHANGED.equals(r.category)) {
      staleRows++;
      return "source changed since describe";
    }
    if (SafeFiles.MISSING.equals(r.category)) {
      missingRows++;
      return "source missing";
    }
    unsafeRows++;
    return "source refused (symlink leaving the root, not a regular file, too large)";
  }

  void generatedRefused(SafeFiles.Refused r) {
    unsafeCode++;
    codeExample = codeExample == null ? r.getMessage() : codeExample;
  }

  String noCode(String fileName) {
    noCode++;
    noCodeExample = noCodeExample == null ? fileName : noCodeExample;
    return "generated code not found";
  }

  String noMessages(String why, String fileName) {
    noMessages++;
    messagesExample = messagesExample == null ? fileName + ": " + why : messagesExample;
    return "no chat row (" + why.replaceAll(":.*", "") + ")";
  }

  void report(PrintStream out, String sourceDir, String outHipDir) {
    if (staleRows + missingRows + unsafeRows > 0) {
      out.printf(
          "export: %d rows left out: %d stale (the source changed since describe: run 'hipforge "
              + "manifest', then 'describe' again), %d missing, %d refused (a symlink leaving %s or not a "
              + "regular file); e.g. %s%n",
          staleRows + missingRows + unsafeRows,
          staleRows,
          missingRows,
          unsafeRows,
          sourceDir,
          rowExample);
    }
    if (unsafeCode > 0) {
      out.printf(
          "export: %d generated files in %s refused (a symlink leaving it, or changed since "
              + "generate): their code was taken from the journal; e.g. %s%n",
          unsafeCode, outHipDir, codeExample);
    }
    if (noCode > 0) {
      out.printf(
          "export: %d rows left out: generated code not found in %s nor in the journal (both "
              + "changed since generate); e.g. %s%n",
          noCode, outHipDir, noCodeExample);
    }
    if (noMessages > 0) {
      out.printf("export: %d rows without a chat row; e.g. %s%n", noMessages, messagesExample);
    }
  }
}
