package org.hipforge.io.llm;

/**
 * A prompt template that cannot be used: missing, unreadable, or with a placeholder it may not
 * have; the message is one line naming the file and, where there is one, the line ({@code
 * prompts/describe.user.txt:3: unknown placeholder {{sourc}} ...}).
 */
public final class PromptTemplateException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public PromptTemplateException(String file, int line, String what) {
    super(file + (line > 0 ? ":" + line : "") + ": " + what);
  }

  public PromptTemplateException(String file, String what) {
    this(file, 0, what);
  }
}
