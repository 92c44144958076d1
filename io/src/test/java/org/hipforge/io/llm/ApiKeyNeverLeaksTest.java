package org.hipforge.io.llm;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.hipforge.io.llm.ProviderConfig.Api;
import org.hipforge.llmsim.SimulatedLlmServer;
import org.hipforge.llmsim.SimulatorConfig;
import org.hipforge.llmsim.SimulatorConfig.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A distinctive fake key goes through every failure we know, over real HTTP; every message, {@code
 * toErrorMsg()}, stack trace (causes included), limiter abort reason, log record and byte printed
 * to System.out/System.err is collected, and the key must appear in none of them.
 */
class ApiKeyNeverLeaksTest {

  static {
    LlmClientWireTest.noDelay();
  }

  private static final String KEY_ENV = "HIPFORGE_LEAK_TEST_KEY";
  private static final ChatRequest HELLO =
      new ChatRequest("You are terse.", "Say hello to the leak test.");

  private String key;
  private final List<String> evidence = Collections.synchronizedList(new ArrayList<>());
  private int failuresSeen;

  private PrintStream originalOut;
  private PrintStream originalErr;
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
  private Handler logHandler;

  @BeforeEach
  void captureEverything() {
    key = "sk-test-" + random(32);
    originalOut = System.out;
    originalErr = System.err;
    // Captured only, not passed on: the failures' stack traces would flood the build log.
    System.setOut(new PrintStream(new Capture(printed), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Capture(printed), true, StandardCharsets.UTF_8));
    SimpleFormatter formatter = new SimpleFormatter();
    logHandler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            logged.add(formatter.format(record));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logHandler.setLevel(Level.ALL);
    Logger.getLogger("").addHandler(logHandler);
  }

  @AfterEach
  void assertTheKeyAppearedNowhere() {
    System.out.flush();
    System.err.flush();
    System.setOut(originalOut);
    System.setErr(originalErr);
    Logger.getLogger("").removeHandler(logHandler);
    String out;
    synchronized (printed) {
      out = printed.toString(StandardCharsets.UTF_8);
    }
    assertThat("something was printed (the failures' stack traces)", out.length(), greaterThan(0));
    assertNoKey("System.out / System.err", out);
    for (String line : logged) {
      assertNoKey("a log record", line);
    }
    for (String text : evidence) {
      assertNoKey("an error text", text);
    }
  }

  private void assertNoKey(String where, String text) {
    if (text.contains(key)) {
      fail("the API key leaked into " + where + ": " + text.replace(key, "<<THE KEY>>"));
    }
    // Nor its secret part on its own (the "sk-test-" prefix is not secret).
    assertThat(where, text, not(containsString(key.substring(8))));
  }

  // ---------------------------------------------------------------------------- scenarios

  @ParameterizedTest
  @EnumSource(Api.class)
  void serverRequiringAnotherKey(Api api) throws Exception {
    try (SimulatedLlmServer server =
        SimulatedLlmServer.start(SimulatorConfig.defaults().withApiKey("sk-test-" + random(32)))) {
      ProviderConfig c = config(api, server.baseUrl());
      ErrorCategory category = expectFailure(c, key, HELLO);
      assertThat(category, is(ErrorCategory.AUTH));
      // Through the caller: the stop reason is shared with every worker and may be logged.
      RateLimiter limiter = new RateLimiter(0, 0, RateLimiter.SYSTEM_CLOCK, nanos -> {});
      CallGate gate = CallGate.standalone();
      try (LlmClient client = LlmClient.create(c, key)) {
        RetryingCaller caller =
            new RetryingCaller(
                client,
                limiter,
                new RetryingCaller.Policy(5, 1024, RetryRules.DEFAULTS),
                nanos -> {},
                null,
                gate);
        record(caller.call(HELLO));
        record(caller.call(HELLO)); // refused by the closed gate without a request
      }
      evidence.add(String.valueOf(gate.stop().reason()));
      System.err.println("gate closed: " + gate.stop().reason());
      assertThat(server.requestsByStatus().get("401"), is(2L));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void everySimulatedFault(Api api) throws Exception {
    SimulatorConfig d = SimulatorConfig.defaults();
    List<SimulatorConfig> faults =
        List.of(
            d.withFaultRate(Fault.HTTP_500, 1.0),
            d.withFaultRate(Fault.HTTP_502, 1.0),
            d.withFaultRate(Fault.HTTP_503, 1.0),
            d.withFaultRate(Fault.HTTP_529, 1.0),
            d.withFaultRate(Fault.DROP, 1.0),
            d.withFaultRate(Fault.HTML, 1.0),
            d.withFaultRate(Fault.SLOW, 1.0).withSlowMs(2_500),
            d.withMaxContextTokens(10));
    for (SimulatorConfig sim : faults) {
      try (SimulatedLlmServer server = SimulatedLlmServer.start(sim)) {
        expectFailure(config(api, server.baseUrl()).withTimeoutS(1), key, HELLO);
      }
    }
    // 429 with rate-limit headers, through the caller as well.
    try (SimulatedLlmServer server = SimulatedLlmServer.start(d.withRpm(1));
        LlmClient client = LlmClient.create(config(api, server.baseUrl()), key)) {
      client.complete(HELLO);
      expectFailure(config(api, server.baseUrl()), key, HELLO);
      // Fake time: the limiter's pause for the server's retry-after passes at once, while the
      // server's own minute does not, so both attempts meet a 429.
      java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
      RateLimiter.Sleeper sleeper = now::addAndGet;
      RateLimiter limiter = new RateLimiter(0, 0, now::get, sleeper);
      record(
          new RetryingCaller(
                  client,
                  limiter,
                  new RetryingCaller.Policy(2, 1024, RetryRules.DEFAULTS),
                  sleeper,
                  null,
                  CallGate.standalone())
              .call(HELLO));
    }
    assertThat(failuresSeen, is(10));
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void serversThatEchoTheKeyBack(Api api) throws Exception {
    // Misconfigured base URLs and debugging proxies answer with what they received, headers
    // included: the key comes back inside 200 bodies, error bodies and HTML pages.
    List<Function<String, Reply>> echoes =
        List.of(
            h -> new Reply(200, "application/json", "{\"headers\":" + h + ",\"note\":\"echo\"}"),
            h -> new Reply(200, "text/html", "<html><body><pre>" + h + "</pre></body></html>"),
            h -> new Reply(200, "application/json", "[" + h + "]"),
            h ->
                new Reply(
                    401,
                    "application/json",
                    "{\"error\": \"invalid key " + h.replace("\"", "'") + "\"}"),
            h ->
                new Reply(
                    403,
                    "application/json",
                    "{\"error\":{\"type\":\"permission_error\",\"message\":\"key "
                        + h.replace("\"", "'")
                        + " may not use this model\"}}"),
            h -> new Reply(500, "text/plain", "upstream failed for " + h),
            h ->
                new Reply(
                    400,
                    "application/json",
                    "{\"message\":\"bad request from "
                        + h.replace("\"", "'")
                        + "; maximum context length exceeded\"}"),
            h -> new Reply(502, "text/html", "<html><h1>502</h1><p>" + h + "</p></html>"));
    try (EchoServer echo = new EchoServer(echoes)) {
      ProviderConfig c = config(api, echo.baseUrl());
      for (int i = 0; i < echoes.size(); i++) {
        expectFailure(c, key, HELLO);
      }
      assertThat("the echo server did receive the key", echo.sawKey(key), is(true));
    }
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void keyWithACharacterNotAllowedInHeaders(Api api) throws Exception {
    // A key pasted with a trailing no-break space: String.trim() keeps it, and OkHttp refuses
    // the header value, quoting it in its message unless it knows the header is secret.
    String pasted = key + "\u00a0";
    try (EchoServer echo = new EchoServer(List.of(h -> new Reply(200, "application/json", "{}")))) {
      ErrorCategory category = expectFailure(config(api, echo.baseUrl()), pasted, HELLO);
      assertThat(category, is(ErrorCategory.AUTH));
      assertThat("nothing was sent", echo.requests(), is(0));
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private static ProviderConfig config(Api api, String baseUrl) {
    return LoopbackProviders.config("leak", api, baseUrl, KEY_ENV);
  }

  /** Sends once; records whatever was thrown (checked or not) and prints it like a worker log. */
  private ErrorCategory expectFailure(ProviderConfig c, String apiKey, ChatRequest request) {
    try (LlmClient client = LlmClient.create(c, apiKey)) {
      ChatResponse r = client.complete(request);
      fail(
          "expected a failure from " + c + " but got an answer of " + r.text().length() + " chars");
      return null;
    } catch (LlmException e) {
      record(e);
      return e.category();
    } catch (RuntimeException e) {
      // Not an LlmException: the run would crash and log this. It must not carry the key either.
      record(e);
      fail("complete() threw " + e.getClass().getName() + " instead of an LlmException");
      return null;
    }
  }

  private void record(RetryingCaller.Outcome o) {
    assertThat(o.ok(), is(false));
    record(o.error());
  }

  private void record(Throwable t) {
    failuresSeen++;
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    evidence.add(trace.toString());
    evidence.add(String.valueOf(t.getMessage()));
    evidence.add(t.toString());
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      evidence.add(String.valueOf(c.getMessage()));
    }
    if (t instanceof LlmException) {
      LlmException e = (LlmException) t;
      evidence.add(e.toErrorMsg());
      System.out.println("error_msg: " + e.toErrorMsg());
    }
    t.printStackTrace();
  }

  private static String random(int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom r = new SecureRandom();
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** Appends to the shared capture, whichever stream wrote. */
  private static final class Capture extends OutputStream {
    private final ByteArrayOutputStream to;

    Capture(ByteArrayOutputStream to) {
      this.to = to;
    }

    @Override
    public void write(int c) {
      synchronized (to) {
        to.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) {
      synchronized (to) {
        to.write(buf, off, len);
      }
    }
  }

  private record Reply(int status, String contentType, String body) {}

  /**
   * Answers request i with {@code echoes.get(i)} applied to the request's auth headers as a JSON
   * object, e.g. {@code {"authorization":"Bearer sk-..."}}.
   */
  private static final class EchoServer implements AutoCloseable {
    private final HttpServer http;
    private final List<String> seenHeaders = Collections.synchronizedList(new ArrayList<>());

    EchoServer(List<Function<String, Reply>> echoes) throws IOException {
      http =
          LoopbackProviders.serve(
              ex -> {
                ex.getRequestBody().readAllBytes();
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                String apiKey = ex.getRequestHeaders().getFirst("x-api-key");
                String headers =
                    "{\"authorization\":\""
                        + (auth == null ? "" : auth)
                        + "\",\"x-api-key\":\""
                        + (apiKey == null ? "" : apiKey)
                        + "\"}";
                int i;
                synchronized (seenHeaders) {
                  i = seenHeaders.size();
                  seenHeaders.add(headers);
                }
                Reply r = echoes.get(Math.min(i, echoes.size() - 1)).apply(headers);
                LoopbackProviders.reply(ex, r.status(), r.contentType(), r.body());
              });
    }

    String baseUrl() {
      return LoopbackProviders.baseUrl(http);
    }

    int requests() {
      return seenHeaders.size();
    }

    boolean sawKey(String key) {
      synchronized (seenHeaders) {
        return seenHeaders.stream().anyMatch(h -> h.contains(key));
      }
    }

    @Override
    public void close() {
      http.stop(0);
    }
  }
}
