package org.hipforge.llmsim;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server that speaks the OpenAI chat-completions and Anthropic messages wire
 * formats with configurable latency, rate limits and faults, and records every call.
 *
 * <p>Serves {@code POST /v1/chat/completions}, {@code POST /v1/messages} and {@code GET
 * /v1/models}, and both providers' Batch APIs ({@link BatchEndpoints}: OpenAI files and batches,
 * Anthropic message batches; see {@link BatchSettings}); {@link #baseUrl()} ends in {@code /v1}.
 * Answers are deterministic (see {@link SimulatedAnswers}); random choices (latency, faults,
 * compile errors) come from the configured seed and the order requests arrive in. Each chat request
 * goes through, in order: authentication (401), validation (400), context length (400), the request
 * and token buckets shared by both formats (429, counting prompt + answer tokens), then one fault
 * draw, the latency wait and the answer. 400, 401 and 404 answers come at once and carry no
 * rate-limit headers. Usage:
 *
 * <pre>{@code
 * try (SimulatedLlmServer llm = SimulatedLlmServer.start(
 *     SimulatorConfig.defaults()
 *         .withLatencyMs(200)
 *         .withRpm(600)
 *         .withFaultRate(Fault.HTTP_500, 0.05))) {
 *   String baseUrl = llm.baseUrl(); // http://127.0.0.1:PORT/v1
 *   ...
 *   assertThat(llm.successCountsByPrompt(), ...);
 * }
 * }</pre>
 *
 * <p>As a process: {@code java -cp ... org.hipforge.llmsim.SimulatedLlmServer --port=0
 * --latency-ms=200 --rpm=600}; it prints {@code SIMULATED LLM listening on
 * http://127.0.0.1:PORT/v1} and serves until killed.
 */
public final class SimulatedLlmServer implements AutoCloseable {

  static {
    // The JDK server writes headers and body in two segments; with Nagle's algorithm on, the
    // second waits for a delayed ACK (40 ms on Linux) and keep-alive throughput collapses to
    // about 25 requests/s per connection. The property is read once, by the first HttpServer
    // of the JVM, so it is set before ours exists unless the user chose otherwise.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The line the process prints once it accepts connections, followed by the base URL. */
  public static final String LISTENING_PREFIX = "SIMULATED LLM listening on ";

  // Pending connections the kernel queues for us: hundreds of clients may connect at once.
  private static final int BACKLOG = 1024;

  private final HttpServer http;
  private final ExecutorService workers;
  private final SimulatorHandler handler;
  private final String baseUrl;
  private boolean closed;

  private SimulatedLlmServer(HttpServer http, ExecutorService workers, SimulatorHandler handler) {
    this.http = http;
    this.workers = workers;
    this.handler = handler;
    this.baseUrl = "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  /** Starts a server on 127.0.0.1 at the configured port (0: an ephemeral one). */
  public static SimulatedLlmServer start(SimulatorConfig config) throws IOException {
    Objects.requireNonNull(config, "config");
    SimulatorHandler handler = new SimulatorHandler(config);
    // Cached: every slow or sleeping request holds a thread, and hundreds may be in flight;
    // idle threads die after a minute.
    ExecutorService workers = Executors.newCachedThreadPool(daemonThreads());
    HttpServer http;
    try {
      http =
          HttpServer.create(
              new InetSocketAddress(InetAddress.getByName("127.0.0.1"), config.port()), BACKLOG);
    } catch (IOException e) {
      workers.shutdownNow();
      handler.recorder().close();
      throw e;
    }
    http.setExecutor(workers);
    http.createContext("/", handler);
    http.start();
    handler.batchStore().start();
    return new SimulatedLlmServer(http, workers, handler);
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "simulated-llm-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** {@code http://127.0.0.1:PORT/v1}: append {@code /chat/completions} or {@code /messages}. */
  public String baseUrl() {
    return baseUrl;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** Every HTTP request received, whatever its outcome. */
  public long totalRequests() {
    return recorder().total();
  }

  /**
   * Requests by outcome: the status code as text ({@code "200"}, {@code "429"}, ...), {@code
   * "dropped"} for closed connections and {@code "html"} for the 200 HTML pages; Batch API requests
   * are counted apart, as {@code "batch_200"}, {@code "batch_404"}, ...
   */
  public Map<String, Long> requestsByStatus() {
    return recorder().byStatus();
  }

  /**
   * Prompt and completion tokens of every answer served with 200, repeats included: what a provider
   * would bill. A separate process reads the same from {@code GET /sim/stats}.
   */
  public long[] billedTokens() {
    return new long[] {recorder().billedPromptTokens(), recorder().billedCompletionTokens()};
  }

  /** Successful (200, provider-format) answers per prompt key; see {@link #promptKey}. */
  public Map<String, Long> successCountsByPrompt() {
    return recorder().successByPrompt();
  }

  /** Well-formed chat requests per prompt key, whatever their outcome. */
  public Map<String, Long> requestsByPrompt() {
    return recorder().byPrompt();
  }

  /** The most requests that were being handled at the same moment. */
  public int maxConcurrentRequests() {
    return recorder().maxInFlight();
  }

  /** When each successful answer was sent, in epoch milliseconds, in the order recorded. */
  public long[] successTimestampsMillis() {
    return recorder().successMillis();
  }

  /** Successful answers per epoch second, for measuring the rate a client achieved. */
  public SortedMap<Long, Long> successesPerSecond() {
    return recorder().successesPerSecond();
  }

  /** Successful answers whose code holds the deliberate compile error. */
  public long compileErrorAnswers() {
    return recorder().compileErrors();
  }

  /**
   * Batch API calls by kind: {@code upload}, {@code create}, {@code status}, {@code results} (a
   * results or file-content download), {@code cancel}, {@code file}. Not chat requests.
   */
  public Map<String, Long> batchCalls() {
    return recorder().batchCalls();
  }

  /** Batches created (both wire formats, failed ones included). */
  public long batchesCreated() {
    return recorder().batchesCreated();
  }

  /** Lines submitted in created batches. */
  public long batchLinesSubmitted() {
    return recorder().batchLines();
  }

  /**
   * Batch lines answered and billed, brought up to now (a batch past its time is settled first).
   * They are counted in {@link #successCountsByPrompt()} and {@link #billedTokens()} too.
   */
  public long batchLinesAnswered() {
    try {
      handler.batchStore().advanceAll();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return recorder().batchAnswers();
  }

  /**
   * The body of every line of batch {@code batchId} as the client sent it, byte for byte, by
   * custom_id (in the batch's order); empty for an unknown batch.
   */
  public Map<String, byte[]> batchLineBodies(String batchId) {
    return handler.batchStore().lineBodies(batchId);
  }

  /** Forgets everything recorded; rate-limit buckets and the random sequence carry on. */
  public void reset() {
    recorder().reset();
  }

  /** The key requests are recorded under: the SHA-256 hex of the last user message's text. */
  public static String promptKey(String userContent) {
    return SimulatedModel.promptKey(userContent);
  }

  private RequestRecorder recorder() {
    return handler.recorder();
  }

  /** Stops listening and cuts off requests still waiting, within milliseconds. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    handler.batchStore().close();
    http.stop(0);
    workers.shutdownNow();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    recorder().close();
  }

  /** Runs the simulator as its own process; see {@link SimulatorFlags#usage()} for the flags. */
  public static void main(String[] args) throws Exception {
    SimulatorConfig config;
    try {
      config = SimulatorFlags.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(SimulatorFlags.usage());
      System.exit(2);
      return;
    }
    if (config == null) {
      System.out.println(SimulatorFlags.usage());
      return;
    }
    SimulatedLlmServer server = start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "simulated-llm-shutdown"));
    // Flushed at once: a parent process waits for this line to learn the port.
    System.out.println(LISTENING_PREFIX + server.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
