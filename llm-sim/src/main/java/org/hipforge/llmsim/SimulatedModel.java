package org.hipforge.llmsim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.hipforge.llmsim.SimulatorConfig.Answer;

/**
 * The simulated model: what it answers to a chat request (text, token counts, the max_tokens cut,
 * the answer shape) and every random draw, all from the configured seed. The same function serves a
 * synchronous call and a batch line, so the same body gets the same answer.
 */
final class SimulatedModel {

  /**
   * The independent random streams of a request, so changing one rate never reshuffles the others.
   * A stream's id enters every draw of it: changing one changes what a seed answers.
   */
  enum Stream {
    FAULT(1),
    LATENCY(2),
    COMPILE_ERROR(3),
    CONFLICT(4),
    TRICKLE(5),
    ANSWER(6),
    BATCH_LINE(7);

    final long id;

    Stream(long id) {
      this.id = id;
    }
  }

  /** What the simulated model says when it refuses (both wires). */
  static final String REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JDK has SHA-256", e);
            }
          });

  /**
   * A model answer before any transport: what a synchronous call and a batch line both get.
   *
   * @param refusal the 400 the request gets instead (its prompt is above the context limit), or
   *     null
   * @param limiterTokens what the rate limiter charges: prompt and answer tokens before the shape
   *     changes the answer
   */
  record Generated(
      String key,
      String text,
      int promptTokens,
      int completionTokens,
      boolean compileError,
      Answer shape,
      Reply refusal,
      long limiterTokens) {}

  private final SimulatorConfig config;

  SimulatedModel(SimulatorConfig config) {
    this.config = config;
  }

  /** The prompt key of a user message: the SHA-256 of its UTF-8 bytes, in lower-case hex. */
  static String promptKey(String userContent) {
    MessageDigest sha = SHA256.get();
    return HexFormat.of().formatHex(sha.digest(userContent.getBytes(StandardCharsets.UTF_8)));
  }

  /** The draw index of a prompt: its key's first 60 bits, so a prompt always draws alike. */
  static long promptDraw(String key) {
    return Long.parseUnsignedLong(key.substring(0, 15), 16);
  }

  /** A uniform double in [0, 1) for request {@code seq} and {@code stream}: SplitMix64. */
  double unit(long seq, Stream stream) {
    long z = config.seed() + seq * 0x9E3779B97F4A7C15L + stream.id * 0xD1B54A32D192ED03L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 11) * 0x1.0p-53;
  }

  /**
   * The answer to {@code request}: its text (describe or generate, the compile error drawn for
   * {@code seq}), token counts, the max_tokens cut and the answer shape drawn from the prompt.
   */
  Generated generate(WireFormat wire, ChatRequest request, long seq, String presentedKey) {
    String key = promptKey(request.user());
    ProviderQuirks quirks = config.quirks();
    int promptTokens = SimulatedAnswers.estimateTokens(request.promptChars());
    if (config.maxContextTokens() > 0 && promptTokens > config.maxContextTokens()) {
      return new Generated(
          key,
          null,
          promptTokens,
          0,
          false,
          null,
          wire.contextTooLong(promptTokens, config.maxContextTokens()),
          0);
    }
    List<String> kernels = SimulatedAnswers.kernelNames(request.user());
    boolean repair = SimulatedAnswers.isRepair(request.user());
    boolean describe = !repair && (!kernels.isEmpty() || request.user().contains("#include"));
    // A repair is drawn from its prompt, not its arrival: the same follow-up always gets the same
    // verdict, at the same rate of breakage as first answers, so yield per round is measurable.
    long draw = repair ? promptDraw(key) : seq;
    boolean compileError =
        !describe
            && config.compileErrorRate() > 0
            && unit(draw, Stream.COMPILE_ERROR) < config.compileErrorRate();
    String text =
        describe
            ? SimulatedAnswers.describe(kernels)
            : repair
                ? SimulatedAnswers.repair(request.user(), compileError)
                : SimulatedAnswers.generate(request.user(), compileError);
    int completionTokens = SimulatedAnswers.estimateTokens(text.length());
    Integer maxTokens = request.maxTokens();
    boolean truncated = maxTokens != null && completionTokens > maxTokens;
    if (truncated) {
      text = text.substring(0, Math.min(text.length(), maxTokens * 4));
      completionTokens = SimulatedAnswers.estimateTokens(text.length());
    }
    if (quirks.echoKey() || quirks.answerBytes() > 0) {
      // After the max_tokens cut: a hostile provider does not keep to it.
      text = quirks.decorate(text, presentedKey);
      completionTokens = SimulatedAnswers.estimateTokens(text.length());
    }
    long limiterTokens = (long) promptTokens + completionTokens;

    // Drawn from the prompt, not the request: the same prompt always gets the same shape.
    Answer shape =
        truncated ? Answer.TRUNCATED : config.answerFor(unit(promptDraw(key), Stream.ANSWER));
    switch (shape) {
      case TRUNCATED:
        if (!truncated) {
          text = text.substring(0, text.length() / 2);
          completionTokens = SimulatedAnswers.estimateTokens(text.length());
        }
        break;
      case REFUSAL:
      case REFUSAL_AS_TEXT:
        text = REFUSAL_TEXT;
        completionTokens = SimulatedAnswers.estimateTokens(text.length());
        break;
      case CONTENT_FILTER:
      case NO_CHOICES:
        text = null;
        completionTokens = 0;
        break;
      case REASONING_CUT:
        text = null;
        completionTokens = maxTokens != null ? maxTokens : 1024;
        break;
      default:
        break;
    }
    return new Generated(
        key, text, promptTokens, completionTokens, compileError, shape, null, limiterTokens);
  }
}
