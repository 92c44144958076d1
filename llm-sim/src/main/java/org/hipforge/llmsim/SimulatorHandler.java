package org.hipforge.llmsim;

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
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.hipforge.llmsim.WireFormat.BadRequest;
import org.hipforge.llmsim.WireFormat.ChatRequest;
import org.hipforge.llmsim.WireFormat.Reply;

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
  private static final int BATCH_LINE_STREAM = 7;
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
  /**
   * Batch lines in the order they are answered: their draws (expiry, line error, compile error)
   * come from this, not from the HTTP request count, so they do not depend on how often a client polls.
   */
  private final AtomicLong lineSequence = new AtomicLong(1L << 40);
  /** Requests admitted past the daily limit's check: counted as they are admitted, so no race lets more through. */
  private final AtomicLong admitted = new AtomicLong();
  /** Chat requests counted against the spend cap ({@link SimulatorConfig#quotaAfter}). */
  private final AtomicLong spent = new AtomicLong();
  /** When the first chat request came: a model's load is measured from it. */
  private final AtomicLong firstChatNanos = new AtomicLong(Long.MIN_VALUE);
  private final BatchStore batchStore;
  private final BatchEndpoints batches;

  SimulatorHandler(SimulatorConfig config, SimulatedRateLimiter limiter, RequestRecorder recorder,
      OutputStream requestsLog) {
    this.config = config;
    this.limiter = limiter;
    this.recorder = recorder;
    this.requestsLog = requestsLog;
    this.requiredKey = config.apiKey() == null ? null
        : config.apiKey().getBytes(StandardCharsets.UTF_8);
    this.batchStore = new BatchStore(config.batch(), this::answerLine, System::currentTimeMillis);
    this.batches = new BatchEndpoints(batchStore, recorder);
  }

  BatchStore batchStore() {
    return batchStore;
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
      batchStore.advanceAll(); // what ended batches billed counts even if nobody looked at them
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
    if (BatchEndpoints.handles(path)) {
      WireFormat wire = BatchEndpoints.wireOf(path);
      if (passesGate(ex, wire, rq)) {
        if (method.equals("POST") && (path.equals("/v1/batches") || path.equals("/v1/messages/batches"))
            && config.quotaAfter() >= 0 && spent.get() >= config.quotaAfter()) {
          // The spend cap: a new batch is refused as a chat request would be; batches already
          // created still run (the provider accepted them).
          send(ex, wire, wire.spentQuota(), null);
          return;
        }
        String host = rq.getFirst("Host");
        String origin = "http://" + (host == null ? "127.0.0.1:" + ex.getLocalAddress().getPort() : host);
        send(ex, wire, batches.serve(method, path, rq.getFirst("Content-Type"), body, wire.presentedKey(rq), origin),
            null);
      }
      return;
    }
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
    if (chat ? !passesGate(ex, wire, rq) : !authenticated(ex, wire, rq)) {
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

  /**
   * The checks before an API request (chat or batch) is served: the redirect quirk, the key, the
   * provider's required headers. Sends the refusal and returns false when one fails.
   */
  private boolean passesGate(HttpExchange ex, WireFormat wire, Headers rq) throws IOException {
    ProviderQuirks quirks = config.quirks();
    if (quirks.redirectTo() != null) {
      ex.getResponseHeaders().set("Location", quirks.redirectTo() + ex.getRequestURI().getRawPath());
      send(ex, wire, ProviderQuirks.redirect(), null);
      return false;
    }
    return authenticated(ex, wire, rq);
  }

  /** The key and the provider's required headers; sends the refusal and returns false when one fails. */
  private boolean authenticated(HttpExchange ex, WireFormat wire, Headers rq) throws IOException {
    if (requiredKey != null) {
      String key = wire.presentedKey(rq);
      if (key == null
          || !MessageDigest.isEqual(requiredKey, key.getBytes(StandardCharsets.UTF_8))) {
        send(ex, wire, wire.unauthorized(key), null);
        return false;
      }
    }
    Reply missing = wire.missingHeader(rq);
    if (missing != null) {
      send(ex, wire, missing, null);
      return false;
    }
    return true;
  }

  /**
   * One batch line, answered as a synchronous request with the same body would be (the same
   * validation, answer generator and shapes; no rate limit, transport fault or latency), and
   * billed when answered. One draw per line decides expiry, then a line error.
   */
  BatchStore.LineResult answerLine(WireFormat wire, byte[] body, String presentedKey) throws IOException {
    long seq = lineSequence.getAndIncrement();
    ChatRequest request;
    try {
      request = wire.parse(parseJson(body));
    } catch (BadRequest e) {
      Reply r = wire.badRequest(e.getMessage(), e.param);
      return new BatchStore.LineResult(BatchStore.Outcome.ERRORED, r.status, r.body);
    }
    BatchSettings batch = config.batch();
    double u = unit(seq, BATCH_LINE_STREAM);
    if (u < batch.expireRate()) {
      return new BatchStore.LineResult(BatchStore.Outcome.EXPIRED, 0, null);
    }
    if (u < batch.expireRate() + batch.lineErrorRate()) {
      Reply r = wire.serverError(500);
      return new BatchStore.LineResult(BatchStore.Outcome.ERRORED, r.status, r.body);
    }
    Generated g = generate(wire, request, seq, presentedKey);
    if (g.refusal != null) {
      return new BatchStore.LineResult(BatchStore.Outcome.ERRORED, g.refusal.status, g.refusal.body);
    }
    Reply ok = wire.success(request, g.text, g.promptTokens, g.completionTokens, g.shape);
    spent.incrementAndGet(); // toward the spend cap, like a chat request
    logSuccess(g.key);
    recorder.batchAnswer(g.key, System.currentTimeMillis(), g.compileError, g.promptTokens, g.completionTokens);
    return new BatchStore.LineResult(BatchStore.Outcome.ANSWERED, 200, ok.body);
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
    Generated g = generate(wire, request, seq, presentedKey);
    if (g.refusal != null) {
      send(ex, wire, g.refusal, null);
      return;
    }

    SimulatedRateLimiter.Decision decision = null;
    if (limiter.limited()) {
      decision = limiter.tryAcquire(g.limiterTokens);
      if (!decision.admitted) {
        send(ex, wire, wire.rateLimited(decision, request.model), decision);
        return;
      }
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
        Reply ok = wire.success(request, g.text, g.promptTokens, g.completionTokens, g.shape);
        // Logged and counted before the bytes leave: a caller holding the answer must already
        // see it counted, and a paid answer lost on the wire is still a paid answer.
        billed(g);
        decorate(ex, wire, ok, decision);
        if (quirks.trickleRate() > 0 && unit(seq, TRICKLE_STREAM) < quirks.trickleRate()) {
          trickle(ex, ok, quirks.trickleMs());
        } else {
          write(ex, ok);
        }
    }
  }

  /** A model answer before any transport: what a synchronous call and a batch line both get. */
  static final class Generated {
    final String key;
    final String text;
    final int promptTokens;
    final int completionTokens;
    final boolean compileError;
    final SimulatorConfig.Answer shape;
    /** The 400 the request gets instead (its prompt is above the context limit), or null. */
    final Reply refusal;
    /** What the rate limiter charges: prompt and answer tokens before the shape changes the answer. */
    final long limiterTokens;

    Generated(String key, String text, int promptTokens, int completionTokens, boolean compileError,
        SimulatorConfig.Answer shape, Reply refusal, long limiterTokens) {
      this.limiterTokens = limiterTokens;
      this.key = key;
      this.text = text;
      this.promptTokens = promptTokens;
      this.completionTokens = completionTokens;
      this.compileError = compileError;
      this.shape = shape;
      this.refusal = refusal;
    }
  }

  /**
   * The answer to {@code request}: its text (describe or generate, the compile error drawn for
   * {@code seq}), token counts, the max_tokens cut and the answer shape drawn from the prompt.
   * The same function for a synchronous call and a batch line, so the same body gets the same answer.
   */
  Generated generate(WireFormat wire, ChatRequest request, long seq, String presentedKey) {
    String key = promptKey(request.user);
    ProviderQuirks quirks = config.quirks();
    int promptTokens = SimulatedAnswers.estimateTokens(request.promptChars);
    if (config.maxContextTokens() > 0 && promptTokens > config.maxContextTokens()) {
      return new Generated(key, null, promptTokens, 0, false, null,
          wire.contextTooLong(promptTokens, config.maxContextTokens()), 0);
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
    long limiterTokens = (long) promptTokens + completionTokens;

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
    return new Generated(key, text, promptTokens, completionTokens, compileError, shape, null, limiterTokens);
  }

  /** Logs and counts a billed answer. */
  void billed(Generated g) throws IOException {
    logSuccess(g.key);
    recorder.success(g.key, System.currentTimeMillis(), g.compileError, g.promptTokens, g.completionTokens);
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
    // Batch API answers are counted apart ("batch_200", ...): "200" stays the chat answers.
    recorder.status((BatchEndpoints.handles(ex.getRequestURI().getRawPath()) ? "batch_" : "")
        + reply.status);
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
