package org.hipforge.pipeline;

/**
 * {@code hipforge validate}'s flags: the compiler's ({@link CompileOptions}) and the run's ({@link
 * RunOptions}).
 */
public interface ValidateOptions extends CompileOptions, RunOptions {}
