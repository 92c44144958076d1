package org.hipforge.llmsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import org.hipforge.llmsim.SimulatorConfig.Fault;

/**
 * Answers one HTTP exchange the way the configured provider would: route, authenticate, validate,
 * rate-limit, inject a fault or wait, then answer.
 */
final class SimulatorHandler implements HttpHandler {

  private final SimulatorConfig config;
  private final RequestRecorder recorder;
  private final SimulatedRateLimiter limiter;
  private final byte[] requiredKey;
  private final AtomicLong sequence = new AtomicLong();

  /**
   * Batch lines in the order they are answered: their draws (expiry, line error, compile error)
   * come from this, not from the HTTP request count, so they do not depend on how often a client
   * polls.
   */
  private final AtomicLong lineSequence = new AtomicLong(1L << 40);

  /**
   * Requests admitted past the daily limit's check: counted as they are admitted, so no race lets
   * more through.
   */
  private final AtomicLong admitted = new AtomicLong();

  /** Chat requests counted against the spend cap ({@link SimulatorConfig#quotaAfter}). */
  private final AtomicLong spent = new AtomicLong();

  /** When the first chat request came: a model's load is measured from it. */
  private final AtomicLong firstChatNanos = new AtomicLong(Long.MIN_VALUE);

  private final SimulatedModel model;
  private final BatchStore batchStore;
  private final BatchEndpoints batches;

  /** A handler for {@code config}; opens its requests log, which {@link #recorder} closes. */
  SimulatorHandler(SimulatorConfig config) throws IOException {
    this.config = config;
    this.recorder = new RequestRecorder(config.requestsLog());
    this.limiter = new SimulatedRateLimiter(config.rpm(), config.tpm(), System::nanoTime);
    this.requiredKey =
        config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
    this.model = new SimulatedModel(config);
    this.batchStore = new BatchStore(config.batch(), this::answerLine, System::currentTimeMillis);
    this.batches = new BatchEndpoints(batchStore, recorder);
  }

  RequestRecorder recorder() {
    return recorder;
  }

  BatchStore batchStore() {
    return batchStore;
  }

  /** Where a script reads what the simulator billed; not an LLM request, so not counted. */
  static final String STATS_PATH = "/sim/stats";

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    if (exchange.getRequestURI().getRawPath().equals(STATS_PATH)) {
      batchStore.advanceAll(); // what ended batches billed counts even if nobody looked at them
      Exchanges.write(exchange, Reply.json(200, recorder.statsJson()));
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
        if (method.equals("POST")
            && (path.equals("/v1/batches") || path.equals("/v1/messages/batches"))
            && config.quotaAfter() >= 0
            && spent.get() >= config.quotaAfter()) {
          // The spend cap: a new batch is refused as a chat request would be; batches already
          // created still run (the provider accepted them).
          send(ex, wire, wire.spentQuota(), null);
          return;
        }
        String host = rq.getFirst("Host");
        String origin =
            "http://" + (host == null ? "127.0.0.1:" + ex.getLocalAddress().getPort() : host);
        send(
            ex,
            wire,
            batches.serve(
                method, path, rq.getFirst("Content-Type"), body, wire.presentedKey(rq), origin),
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
      ex.getResponseHeaders()
          .set("Location", quirks.redirectTo() + ex.getRequestURI().getRawPath());
      send(ex, wire, ProviderQuirks.redirect(), null);
      return false;
    }
    return authenticated(ex, wire, rq);
  }

  /**
   * The key and the provider's required headers; sends the refusal and returns false when one
   * fails.
   */
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
   * validation, answer generator and shapes; no rate limit, transport fault or latency), and billed
   * when answered. One draw per line decides expiry, then a line error.
   */
  BatchStore.LineResult answerLine(WireFormat wire, byte[] body, String presentedKey)
      throws IOException {
    long seq = lineSequence.getAndIncrement();
    ChatRequest request;
    try {
      request = wire.parse(parseJson(body));
    } catch (BadRequest e) {
      Reply r = wire.badRequest(e.getMessage(), e.param);
      return new BatchStore.LineResult(BatchStore.Outcome.ERRORED, r.status(), r.body());
    }
    BatchSettings batch = config.batch();
    double u = model.unit(seq, SimulatedModel.Stream.BATCH_LINE);
    if (u < batch.expireRate()) {
      return new BatchStore.LineResult(BatchStore.Outcome.EXPIRED, 0, null);
    }
    if (u < batch.expireRate() + batch.lineErrorRate()) {
      Reply r = wire.serverError(500);
      return new BatchStore.LineResult(BatchStore.Outcome.ERRORED, r.status(), r.body());
    }
    SimulatedModel.Generated g = model.generate(wire, request, seq, presentedKey);
    if (g.refusal() != null) {
      return new BatchStore.LineResult(
          BatchStore.Outcome.ERRORED, g.refusal().status(), g.refusal().body());
    }
    Reply ok = wire.success(request, g);
    spent.incrementAndGet(); // toward the spend cap, like a chat request
    recorder.batchAnswer(g);
    return new BatchStore.LineResult(BatchStore.Outcome.ANSWERED, 200, ok.body());
  }

  private void answer(
      HttpExchange ex, WireFormat wire, ChatRequest request, long seq, String presentedKey)
      throws IOException {
    String key = SimulatedModel.promptKey(request.user());
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
      send(
          ex,
          wire,
          ProviderQuirks.daily(request.model(), quirks.dailyLimit(), quirks.dailyRetryAfterS()),
          null);
      return;
    }
    if (quirks.conflictRate() > 0
        && model.unit(seq, SimulatedModel.Stream.CONFLICT) < quirks.conflictRate()) {
      send(ex, wire, ProviderQuirks.conflict(), null);
      return;
    }
    SimulatedModel.Generated g = model.generate(wire, request, seq, presentedKey);
    if (g.refusal() != null) {
      send(ex, wire, g.refusal(), null);
      return;
    }

    SimulatedRateLimiter.Decision decision = null;
    if (limiter.limited()) {
      decision = limiter.tryAcquire(g.limiterTokens());
      if (!decision.admitted()) {
        send(ex, wire, wire.rateLimited(decision, request.model()), decision);
        return;
      }
    }

    Fault fault = config.faultFor(model.unit(seq, SimulatedModel.Stream.FAULT));
    Exchanges.pause(
        fault == Fault.SLOW
            ? config.slowMs()
            : config
                .latencyDistribution()
                .sampleMillis(config.latencyMs(), model.unit(seq, SimulatedModel.Stream.LATENCY)));
    switch (fault) {
      case DROP:
        recorder.status("dropped");
        throw new Exchanges.DroppedConnection("simulated dropped connection");
      case HTTP_500:
      case HTTP_502:
      case HTTP_503:
      case HTTP_529:
        send(ex, wire, wire.serverError(fault.status), decision);
        return;
      case HTML:
        recorder.status("html");
        Exchanges.write(ex, WireFormat.htmlPage());
        return;
      default:
        Reply ok = wire.success(request, g);
        // Logged and counted before the bytes leave: a caller holding the answer must already
        // see it counted, and a paid answer lost on the wire is still a paid answer.
        recorder.success(g);
        decorate(ex, wire, ok, decision);
        if (quirks.trickleRate() > 0
            && model.unit(seq, SimulatedModel.Stream.TRICKLE) < quirks.trickleRate()) {
          Exchanges.trickle(ex, ok, quirks.trickleMs());
        } else {
          Exchanges.write(ex, ok);
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

  private void send(
      HttpExchange ex, WireFormat wire, Reply reply, SimulatedRateLimiter.Decision decision)
      throws IOException {
    // Batch API answers are counted apart ("batch_200", ...): "200" stays the chat answers.
    recorder.status(
        (BatchEndpoints.handles(ex.getRequestURI().getRawPath()) ? "batch_" : "") + reply.status());
    decorate(ex, wire, reply, decision);
    Exchanges.write(ex, reply);
  }

  private void decorate(
      HttpExchange ex, WireFormat wire, Reply reply, SimulatedRateLimiter.Decision decision) {
    Headers h = ex.getResponseHeaders();
    wire.commonHeaders(h);
    if (reply.status() >= 400 && config.quirks().shouldRetry() != null) {
      h.set("x-should-retry", config.quirks().shouldRetry());
    }
    if (decision != null) {
      wire.rateLimitHeaders(h, decision);
    }
    if (reply.retryAfterMillis() > 0) {
      wire.retryAfterHeaders(h, reply.retryAfterMillis());
    }
  }
}
