package org.hipforge.io.llm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.io.llm.sim.SimulatorConfig.Fault;
import org.hipforge.io.llm.sim.WireFormat.BadRequest;
import org.hipforge.io.llm.sim.WireFormat.ChatRequest;
import org.hipforge.io.llm.sim.WireFormat.Reply;

/**
 * Answers one HTTP exchange the way the configured provider would: route, authenticate,
 * validate, rate-limit, inject a fault or wait, then answer.
 */
final class SimulatorHandler implements HttpHandler {

  // Independent random streams per request, so changing one rate never reshuffles the others.
  private static final int FAULT_STREAM = 1;
  private static final int LATENCY_STREAM = 2;
  private static final int COMPILE_ERROR_STREAM = 3;
  private static final int CONFLICT_STREAM = 4;
  private static final int TRICKLE_STREAM = 5;
  private static final int ANSWER_STREAM = 6;
  /** What the simulated model says when it refuses (both wires). */
  static final String REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  });

  /**
   * Thrown out of {@link #handle} before any response is sent: the JDK server then closes the
   * socket, so the client reads EOF exactly as when a proxy drops the connection.
   */
  private static final class DroppedConnection extends IOException {
    DroppedConnection(String why) {
      super(why, null);
    }
  }

  private final SimulatorConfig config;
  private final SimulatedRateLimiter limiter;
  private final RequestRecorder recorder;
  private final OutputStream requestsLog;
  private final byte[] requiredKey;
  private final AtomicLong sequence = new AtomicLong();
  /** Requests admitted past the daily limit's check: counted as they are admitted, so no race lets more through. */
  private final AtomicLong admitted = new AtomicLong();
  /** Chat requests counted against the spend cap ({@link SimulatorConfig#quotaAfter}). */
  private final AtomicLong spent = new AtomicLong();
  /** When the first chat request came: a model's load is measured from it. */
  private final AtomicLong firstChatNanos = new AtomicLong(Long.MIN_VALUE);

  SimulatorHandler(SimulatorConfig config, SimulatedRateLimiter limiter, RequestRecorder recorder,
      OutputStream requestsLog) {
    this.config = config;
    this.limiter = limiter;
    this.recorder = recorder;
    this.requestsLog = requestsLog;
    this.requiredKey = config.apiKey() == null ? null
        : config.apiKey().getBytes(StandardCharsets.UTF_8);
  }

  /** The prompt key of a user message: the SHA-256 of its UTF-8 bytes, in lower-case hex. */
  static String promptKey(String userContent) {
    MessageDigest sha = SHA256.get();
    return HexFormat.of().formatHex(sha.digest(userContent.getBytes(StandardCharsets.UTF_8)));
  }

  /** Where a script reads what the simulator billed; not an LLM request, so not counted. */
  static final String STATS_PATH = "/sim/stats";

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (exchange.getRequestURI().getRawPath().equals(STATS_PATH)) {
      write(exchange, WireFormat.Reply.json(200, recorder.statsJson()));
      return;
    }
    recorder.begin();
    try {
      serve(exchange);
    } finally {
      recorder.end();
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    long seq = sequence.getAndIncrement();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    Headers rq = ex.getRequestHeaders();
    WireFormat wire;
    boolean chat;
    switch (path) {
      case "/v1/chat/completions":
        wire = OpenAiWire.INSTANCE;
        chat = true;
        break;
      case "/v1/messages":
        wire = AnthropicWire.INSTANCE;
        chat = true;
        break;
      case "/v1/models":
        wire = looksAnthropic(rq) ? AnthropicWire.INSTANCE : OpenAiWire.INSTANCE;
        chat = false;
        break;
      default:
        wire = looksAnthropic(rq) ? AnthropicWire.INSTANCE : OpenAiWire.INSTANCE;
        send(ex, wire, wire.notFound(method, path), null);
        return;
    }
    if (!method.equals(chat ? "POST" : "GET")) {
      send(ex, wire, wire.notFound(method, path), null);
      return;
    }
    ProviderQuirks quirks = config.quirks();
    if (chat && quirks.redirectTo() != null) {
      ex.getResponseHeaders().set("Location", quirks.redirectTo() + ex.getRequestURI().getRawPath());
      send(ex, wire, ProviderQuirks.redirect(), null);
      return;
    }
    if (requiredKey != null) {
      String key = wire.presentedKey(rq);
      if (key == null
          || !MessageDigest.isEqual(requiredKey, key.getBytes(StandardCharsets.UTF_8))) {
        send(ex, wire, wire.unauthorized(key), null);
        return;
      }
    }
    Reply missing = wire.missingHeader(rq);
    if (missing != null) {
      send(ex, wire, missing, null);
      return;
    }
    if (!chat) {
      send(ex, wire, wire.models(), null);
      return;
    }
    ChatRequest request;
    try {
      request = wire.parse(parseJson(body));
    } catch (BadRequest e) {
      send(ex, wire, wire.badRequest(e.getMessage(), e.param), null);
      return;
    }
    answer(ex, wire, request, seq, wire.presentedKey(rq));
  }

  private void answer(HttpExchange ex, WireFormat wire, ChatRequest request, long seq, String presentedKey)
      throws IOException {
    String key = promptKey(request.user);
    recorder.prompt(key);
    ProviderQuirks quirks = config.quirks();
    long now = System.nanoTime();
    firstChatNanos.compareAndSet(Long.MIN_VALUE, now);
    if (now - firstChatNanos.get() < quirks.loadingMs() * 1_000_000L) {
      send(ex, wire, ProviderQuirks.loading(), null);
      return;
    }
    if (config.quotaAfter() >= 0 && spent.getAndIncrement() >= config.quotaAfter()) {
      send(ex, wire, wire.spentQuota(), null);
      return;
    }
    if (quirks.dailyLimit() >= 0 && admitted.getAndIncrement() >= quirks.dailyLimit()) {
      send(ex, wire, ProviderQuirks.daily(request.model, quirks.dailyLimit(), quirks.dailyRetryAfterS()), null);
      return;
    }
    if (quirks.conflictRate() > 0 && unit(seq, CONFLICT_STREAM) < quirks.conflictRate()) {
      send(ex, wire, ProviderQuirks.conflict(), null);
      return;
    }
    int promptTokens = SimulatedAnswers.estimateTokens(request.promptChars);
    if (config.maxContextTokens() > 0 && promptTokens > config.maxContextTokens()) {
      send(ex, wire, wire.contextTooLong(promptTokens, config.maxContextTokens()), null);
      return;
    }
    List<String> kernels = SimulatedAnswers.kernelNames(request.user);
    boolean repair = SimulatedAnswers.isRepair(request.user);
    boolean describe = !repair && (!kernels.isEmpty() || request.user.contains("#include"));
    // A repair is drawn from its prompt, not its arrival: the same follow-up always gets the same
    // verdict, at the same rate of breakage as first answers, so yield per round is measurable.
    long draw = repair ? Long.parseUnsignedLong(key.substring(0, 15), 16) : seq;
    boolean compileError = !describe && config.compileErrorRate() > 0
        && unit(draw, COMPILE_ERROR_STREAM) < config.compileErrorRate();
    String text = describe ? SimulatedAnswers.describe(kernels)
        : repair ? SimulatedAnswers.repair(request.user, compileError)
        : SimulatedAnswers.generate(request.user, compileError);
    int completionTokens = SimulatedAnswers.estimateTokens(text.length());
    boolean truncated = request.maxTokens != null && completionTokens > request.maxTokens;
    if (truncated) {
      text = text.substring(0, Math.min(text.length(), request.maxTokens * 4));
      completionTokens = SimulatedAnswers.estimateTokens(text.length());
    }
    if (quirks.echoKey() || quirks.answerBytes() > 0) {
      // After the max_tokens cut: a hostile provider does not keep to it.
      text = quirks.decorate(text, presentedKey);
      completionTokens = SimulatedAnswers.estimateTokens(text.length());
    }

    SimulatedRateLimiter.Decision decision = null;
    if (limiter.limited()) {
      decision = limiter.tryAcquire((long) promptTokens + completionTokens);
      if (!decision.admitted) {
        send(ex, wire, wire.rateLimited(decision, request.model), decision);
        return;
      }
    }

    // Drawn from the prompt, not the request: the same prompt always gets the same shape.
    SimulatorConfig.Answer shape = truncated ? SimulatorConfig.Answer.TRUNCATED
        : config.answerFor(unit(Long.parseUnsignedLong(key.substring(0, 15), 16), ANSWER_STREAM));
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
        completionTokens = request.maxTokens != null ? request.maxTokens : 1024;
        break;
      default:
        break;
    }

    Fault fault = config.faultFor(unit(seq, FAULT_STREAM));
    pause(fault == Fault.SLOW ? config.slowMs()
        : config.latencyDistribution().sampleMillis(config.latencyMs(),
            unit(seq, LATENCY_STREAM)));
    switch (fault) {
      case DROP:
        recorder.status("dropped");
        throw new DroppedConnection("simulated dropped connection");
      case HTTP_500:
        send(ex, wire, wire.serverError(500), decision);
        return;
      case HTTP_502:
        send(ex, wire, wire.serverError(502), decision);
        return;
      case HTTP_503:
        send(ex, wire, wire.serverError(503), decision);
        return;
      case HTTP_529:
        send(ex, wire, wire.serverError(529), decision);
        return;
      case HTML:
        recorder.status("html");
        write(ex, WireFormat.htmlPage());
        return;
      default:
        Reply ok = wire.success(request, text, promptTokens, completionTokens, shape);
        // Logged and counted before the bytes leave: a caller holding the answer must already
        // see it counted, and a paid answer lost on the wire is still a paid answer.
        logSuccess(key);
        recorder.success(key, System.currentTimeMillis(), compileError, promptTokens, completionTokens);
        decorate(ex, wire, ok, decision);
        if (quirks.trickleRate() > 0 && unit(seq, TRICKLE_STREAM) < quirks.trickleRate()) {
          trickle(ex, ok, quirks.trickleMs());
        } else {
          write(ex, ok);
        }
    }
  }

  private static JsonNode parseJson(byte[] body) {
    try {
      return WireFormat.MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean looksAnthropic(Headers rq) {
    return rq.containsKey("anthropic-version") || rq.containsKey("x-api-key");
  }

  private void send(HttpExchange ex, WireFormat wire, Reply reply,
      SimulatedRateLimiter.Decision decision) throws IOException {
    recorder.status(Integer.toString(reply.status));
    decorate(ex, wire, reply, decision);
    write(ex, reply);
  }

  private void decorate(HttpExchange ex, WireFormat wire, Reply reply,
      SimulatedRateLimiter.Decision decision) {
    Headers h = ex.getResponseHeaders();
    wire.commonHeaders(h);
    if (reply.status >= 400 && config.quirks().shouldRetry() != null) {
      h.set("x-should-retry", config.quirks().shouldRetry());
    }
    if (decision != null) {
      wire.rateLimitHeaders(h, decision);
    }
    if (reply.retryAfterMillis > 0) {
      wire.retryAfterHeaders(h, reply.retryAfterMillis);
    }
  }

  private static void write(HttpExchange ex, Reply reply) throws IOException {
    ex.getResponseHeaders().set("Content-Type", reply.contentType);
    // Bodies are never empty; a length of 0 would switch the JDK server to chunked encoding.
    ex.sendResponseHeaders(reply.status, reply.body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(reply.body);
    }
  }

  /** Headers at once, then the body in 20 pieces spread over {@code millis}. */
  private static void trickle(HttpExchange ex, Reply reply, long millis) throws IOException {
    ex.getResponseHeaders().set("Content-Type", reply.contentType);
    ex.sendResponseHeaders(reply.status, reply.body.length);
    int pieces = 20;
    try (OutputStream out = ex.getResponseBody()) {
      for (int i = 0; i < pieces; i++) {
        int from = reply.body.length * i / pieces;
        int to = reply.body.length * (i + 1) / pieces;
        out.write(reply.body, from, to - from);
        out.flush();
        pause(millis / pieces);
      }
    }
  }

  private void logSuccess(String key) throws IOException {
    if (requestsLog == null) {
      return;
    }
    byte[] line = (key + "\n").getBytes(StandardCharsets.US_ASCII);
    // One unbuffered write per line: another process reading the file (or a kill -9 of this
    // one) never sees half a line from us.
    synchronized (requestsLog) {
      requestsLog.write(line);
      requestsLog.flush();
    }
  }

  private static void pause(long millis) throws IOException {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // Only close() interrupts workers; the client is cut off like any dropped connection.
      Thread.currentThread().interrupt();
      throw new DroppedConnection("simulated server is closing");
    }
  }

  /** A uniform double in [0, 1) for request {@code seq} and {@code stream}: SplitMix64. */
  private double unit(long seq, int stream) {
    long z = config.seed() + seq * 0x9E3779B97F4A7C15L + stream * 0xD1B54A32D192ED03L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 11) * 0x1.0p-53;
  }
}
