package org.hipforge.pipeline;

/**
 * {@code hipforge status}'s flags: the work directory, the sources (to count edited ones), the
 * prompts.
 */
public interface StatusOptions extends SourceOptions, PromptDirOptions {}
