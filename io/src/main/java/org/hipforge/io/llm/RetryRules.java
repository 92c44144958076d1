package org.hipforge.io.llm;

import java.io.Serializable;

/**
 * How patient a caller is beyond {@code max_attempts}, and the largest answer it accepts: the
 * provider keys {@code retry_budget_s}, {@code max_retry_after_s}, {@code body_timeout_retries} and
 * {@code max_answer_bytes} of {@code config.json}.
 *
 * @param retryBudgetS seconds of waiting between attempts a task may spend on 503s beyond {@code
 *     max_attempts}: llama.cpp answers 503 "Loading model" for tens of seconds after it starts, and
 *     six attempts of exponential backoff give up after ~15 s
 * @param maxRetryAfterS the longest {@code retry-after} the run waits for; a provider asking for
 *     more (a daily limit says "come back in 86400 s") stops the run with one message
 * @param bodyTimeoutRetries how often a call whose headers arrived but whose body did not finish
 *     within {@code timeout_s} is tried again: each try is a new paid generation
 * @param maxAnswerBytes the largest 200 body read; a bigger one is {@code too_large_answer}
 */
public record RetryRules(
    int retryBudgetS, int maxRetryAfterS, int bodyTimeoutRetries, int maxAnswerBytes)
    implements Serializable {
  /**
   * 120 s covers a large model's load by llama.cpp (30 s measured for 7B on a laptop); 300 s is the
   * longest per-minute window wait a provider asks for, anything longer is a daily quota or an
   * outage; one retry of a cut body, since it is billed; 512 KiB is ~130k tokens of text, far above
   * any max_tokens we send, and far below a 10 MB answer that would be stored three times.
   */
  public static final RetryRules DEFAULTS = new RetryRules(120, 300, 1, 512 * 1024);

  public RetryRules {
    if (retryBudgetS < 0 || maxRetryAfterS < 1 || bodyTimeoutRetries < 0 || maxAnswerBytes < 1024) {
      throw new IllegalArgumentException(
          "retry rules out of range: retry_budget_s "
              + retryBudgetS
              + " (>= 0), max_retry_after_s "
              + maxRetryAfterS
              + " (>= 1), body_timeout_retries "
              + bodyTimeoutRetries
              + " (>= 0), max_answer_bytes "
              + maxAnswerBytes
              + " (>= 1024)");
    }
  }
}
