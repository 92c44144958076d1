package org.hipforge.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.PromptTemplate;

/**
 * {@code hipforge prompts}: {@code --out=DIR} writes the built-in prompt templates to edit (never
 * over existing files); {@code --promptDir=DIR} checks edited ones and prints their versions.
 */
public final class PromptsCommand {
  private PromptsCommand() {}

  public static void run(PromptsOptions o, PrintStream out) throws IOException {
    String outDir = o.getOut();
    String promptDir = o.getPromptDir();
    if ((outDir == null || outDir.isBlank()) == (promptDir == null || promptDir.isBlank())) {
      throw new UsageException(
          "prompts needs --out=DIR (write the default templates there) or "
              + "--promptDir=DIR (check edited templates), one of them");
    }
    if (outDir != null && !outDir.isBlank()) {
      Path dir = Paths.get(outDir);
      for (Path f : PromptSet.writeDefaults(dir)) {
        out.println("prompts: wrote " + f);
      }
      out.println("prompts: placeholders each template may use:");
      for (PromptSet.Kind k : PromptSet.Kind.values()) {
        out.printf("  %-9s %s%n", k.name().toLowerCase(java.util.Locale.ROOT), tokens(k));
      }
      out.println(
          "prompts: edit them, then run describe/generate with --promptDir="
              + dir
              + " (an edited template is a new prompt: its answers are asked for, not taken from the cache)");
      return;
    }
    PromptSet set =
        PromptSet.fromDir(promptDir); // a bad template: a usage error naming file and line
    out.println("prompts: " + promptDir + " is usable");
    for (PromptSet.Kind k : PromptSet.Kind.values()) {
      String v = set.version(k);
      out.printf(
          "  %-9s %s%n",
          k.name().toLowerCase(java.util.Locale.ROOT),
          v == null ? "built-in (unchanged)" : "prompt_version " + v);
    }
  }

  private static String tokens(PromptSet.Kind k) {
    StringBuilder b = new StringBuilder();
    for (PromptTemplate.Placeholder p : k.allowed()) {
      b.append(b.length() == 0 ? "" : " ").append(p.token());
    }
    return b.toString();
  }
}
