package org.hipforge.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Objects;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.PromptSet;
import org.hipforge.io.llm.PromptTemplate;
import org.hipforge.io.record.StateRecord;

/**
 * A chat-format export row: {@code {"messages": [system, user, assistant], ...metadata}}, where
 * system and user are the generate prompt rendered by {@link PromptSet#generate} from the row's
 * instruction, file name and {@code offload_arch} (the prompt that was really sent: the row's
 * {@code prompt_version} must be the given templates' version), and the assistant turn is the
 * generated file in a {@code ```hip} fence, as the built-in system prompt asks for. The metadata is
 * every other column of {@link ExportColumns#ALL}.
 */
final class MessagesRow {
  private MessagesRow() {}

  /** Why {@code row} has no faithful chat row with {@code prompts}, or null when it has one. */
  static String problem(PromptSet prompts, ExportColumns.Row row) {
    StateRecord gen = row.generated();
    if (gen == null || row.code() == null) {
      return "no generated code";
    }
    String given = prompts.version(PromptSet.Kind.GENERATE);
    if (!Objects.equals(gen.promptVersion(), given)) {
      return "prompt_version: generated with "
          + name(gen.promptVersion())
          + " templates, --promptDir gives "
          + name(given)
          + " (pass --promptDir=DIR with the templates it was asked with)";
    }
    boolean usesArch =
        prompts
                .template(PromptSet.Kind.GENERATE, true)
                .uses(PromptTemplate.Placeholder.OFFLOAD_ARCH)
            || prompts
                .template(PromptSet.Kind.GENERATE, false)
                .uses(PromptTemplate.Placeholder.OFFLOAD_ARCH);
    if (usesArch && gen.offloadArch() == null) {
      return "offload_arch: the template uses {{offload_arch}} and the record (made before it was "
          + "recorded) has none";
    }
    return null;
  }

  /** Writes the row; {@link #problem} must be null for it. */
  static void write(JsonGenerator g, PromptSet prompts, ExportColumns.Row row) throws IOException {
    ChatRequest asked =
        prompts.generate(
            row.described().instruction(), row.fileName(), row.generated().offloadArch());
    g.writeStartObject();
    g.writeArrayFieldStart("messages");
    message(g, "system", asked.system());
    message(g, "user", asked.user());
    message(
        g, "assistant", "```hip\n" + row.code() + (row.code().endsWith("\n") ? "" : "\n") + "```");
    g.writeEndArray();
    for (ExportColumns.Column c : ExportColumns.ALL) {
      if (!ExportColumns.IN_MESSAGES.contains(c.name())) {
        c.write(row, g);
      }
    }
    g.writeEndObject();
  }

  private static void message(JsonGenerator g, String role, String content) throws IOException {
    g.writeStartObject();
    g.writeStringField("role", role);
    g.writeStringField("content", content);
    g.writeEndObject();
  }

  private static String name(String version) {
    return version == null ? ExportColumns.BUILT_IN_PROMPTS : version;
  }
}
