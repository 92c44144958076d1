package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The HTTP half shared by both wire formats: sending, timeouts, and turning statuses and broken
 * bodies into {@link LlmException}s of the right category.
 */
abstract class HttpLlmClient implements LlmClient {
  static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonFactory FACTORY = MAPPER.getFactory();
  /** Error bodies are read only this far: enough for the message, never a huge HTML page. */
  private static final long MAX_ERROR_BODY = 16 * 1024;
  /** What stands for the API key wherever a text held it. */
  static final String REDACTED = "<redacted>";

  /** One connection pool and dispatcher per JVM, shared by every client (OkHttp's advice). */
  private static final OkHttpClient SHARED = new OkHttpClient.Builder()
      .connectionPool(new ConnectionPool(512, 5, TimeUnit.MINUTES))
      .dispatcher(dispatcher())
      .retryOnConnectionFailure(false) // retries are ours, counted and paced
      // A redirect would carry the key (Anthropic's x-api-key) or the prompt to another origin.
      .followRedirects(false)
      .followSslRedirects(false)
      .build();

  private static Dispatcher dispatcher() {
    Dispatcher d = new Dispatcher();
    d.setMaxRequests(1024);
    d.setMaxRequestsPerHost(1024);
    return d;
  }

  protected final ProviderConfig config;
  protected final String apiKey;
  private final String apiRoot;
  private final String endpoint;
  private final OkHttpClient http;
  private final OkHttpClient transfer;

  /**
   * A client of the API at {@code apiRoot} ({@code base_url} with its version, {@code .../v1})
   * whose completion endpoint is {@code apiRoot + endpointPath}.
   */
  HttpLlmClient(ProviderConfig config, String apiKey, String apiRoot, String endpointPath) {
    this.config = config;
    this.apiKey = apiKey;
    this.apiRoot = apiRoot;
    this.endpoint = apiRoot + endpointPath;
    this.http = SHARED.newBuilder()
        .callTimeout(config.timeoutS(), TimeUnit.SECONDS)
        .readTimeout(config.timeoutS(), TimeUnit.SECONDS)
        .connectTimeout(Math.min(30, config.timeoutS()), TimeUnit.SECONDS)
        .build();
    // A batch file of 200 MB may take longer than one answer's timeout_s to move; a stalled
    // one is still cut after timeout_s without a byte.
    this.transfer = http.newBuilder().callTimeout(0, TimeUnit.SECONDS).build();
  }

  /** The URL of the completion endpoint. */
  final String endpoint() {
    return endpoint;
  }

  /** {@code base_url} with its API version: {@code .../v1}, to append {@code /files}, {@code /batches}, ... */
  final String apiRoot() {
    return apiRoot;
  }

  /** The request body's one JSON object, written field by field (the wire bytes are these calls). */
  abstract void writeBody(JsonGenerator g, ChatRequest request) throws IOException;

  abstract Request.Builder authorize(Request.Builder builder);

  /**
   * Reads a 200 answer's JSON object ({@code body} is its bytes, quoted in a {@code bad_response});
   * throws BAD_RESPONSE when it is not the expected answer.
   */
  abstract ChatResponse parse(JsonNode root, byte[] body, RateLimitSnapshot limits) throws LlmException;

  /** Reads the provider's error message out of an error body (or a trimmed raw body). */
  abstract String errorMessage(JsonNode body);

  /** True when a 400 body says the prompt is longer than the model's context. */
  abstract boolean isContextLength(int status, JsonNode body, String rawBody);

  /** {@link #authorize}, with a key OkHttp refuses as a header turned into an {@code auth} error. */
  final Request.Builder authorized(Request.Builder builder) throws LlmException {
    try {
      return authorize(builder);
    } catch (IllegalArgumentException e) {
      // OkHttp refuses header values outside printable ASCII (a key pasted with a no-break
      // space, say) and quotes the value in its message unless the header is Authorization:
      // for x-api-key that is the key itself, so neither the message nor the cause is kept.
      throw new LlmException(ErrorCategory.AUTH, 0, -1, "the API key of " + config.name()
          + " (or its anthropic_version) holds a character not allowed in an HTTP header (check "
          + "the key in environment variable " + config.apiKeyEnv() + ")");
    }
  }

  /**
   * The error a response that is not a success stands for ({@code call} is {@code "POST <url>"}
   * and names the request in the message): a redirect (never followed) is {@code endpoint}, a
   * status gets its category ({@link ErrorCategory#ofStatus}, refined to {@code quota} and {@code
   * context_length} by the body), the provider's message is redacted. Reads at most {@value
   * #MAX_ERROR_BODY} bytes of the body.
   */
  final LlmException errorOf(Response response, RateLimitSnapshot limits, String call) throws IOException {
    int status = response.code();
    if (status >= 300 && status < 400) {
      // Never followed (the client is built with followRedirects(false)): the key and the
      // prompt must not go to another origin, and a moved API is a wrong base_url.
      String location = response.header("Location");
      return new LlmException(ErrorCategory.ofStatus(status), status, -1, false, "HTTP " + status + " from "
          + config.name() + " redirects to " + (location == null ? "nowhere" : oneLine(redact(location), 200))
          + "; API calls do not follow redirects (" + call + "): set base_url to the final address");
    }
    String raw = "";
    ResponseBody rb = response.body();
    if (rb != null) {
      okio.BufferedSource source = rb.source();
      source.request(MAX_ERROR_BODY);
      raw = source.getBuffer().readUtf8(Math.min(source.getBuffer().size(), MAX_ERROR_BODY));
    }
    return errorOf(status, raw, limits.retryAfterMillis(), shouldRetry(response.header("x-should-retry")), call);
  }

  /**
   * The error an HTTP status with body {@code raw} stands for: also used for one line of a batch
   * whose own request failed (a status and a body, no headers).
   */
  final LlmException errorOf(int status, String raw, long retryAfterMillis, Boolean shouldRetry, String call) {
    JsonNode json = null;
    try {
      json = MAPPER.readTree(raw);
    } catch (IOException notJson) {
      // an HTML error page from a proxy: keep the raw text
    }
    String message = json != null ? errorMessage(json) : null;
    if (message == null || message.isBlank()) {
      message = oneLine(raw, 200);
    }
    ErrorCategory category = ErrorCategory.ofStatus(status);
    if (isQuota(status, json, raw)) {
      category = ErrorCategory.QUOTA;
    } else if (status == 400 && isContextLength(status, json, raw)) {
      category = ErrorCategory.CONTEXT_LENGTH;
    }
    String detail = "HTTP " + status + " from " + config.name() + ": " + redact(message);
    if (category == ErrorCategory.AUTH) {
      detail += " (check the key in environment variable " + config.apiKeyEnv() + ")";
    } else if (category == ErrorCategory.ENDPOINT) {
      detail += " (" + call + ")";
    }
    return new LlmException(category, status, retryAfterMillis, shouldRetry, detail);
  }

  /**
   * A parsed 200 answer, exactly as {@link #complete} makes it: the key redacted out of the body
   * before parsing, refused when it still holds the key; unusable answers throw their category.
   */
  final ChatResponse parseAnswer(byte[] body, RateLimitSnapshot limits) throws LlmException {
    byte[] redacted = redactAnswer(body);
    JsonNode root;
    try {
      root = MAPPER.readTree(redacted);
    } catch (IOException e) {
      throw badResponse("the 200 answer is not JSON", redacted);
    }
    if (root == null || !root.isObject()) {
      throw badResponse("the 200 answer is not a JSON object", redacted);
    }
    return keyFree(parse(root, redacted, limits));
  }

  /** The exact request body {@link #complete} sends for {@code request}. */
  final byte[] body(ChatRequest request) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(request.user().length() + 512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeBody(g, request);
    }
    return out.toByteArray();
  }

  /** A text field's value, or null when it is absent or not text ({@code finish_reason}, ...). */
  static String textOrNull(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  /** The HTTP client for uploads and downloads of any size: the read timeout kept, no call timeout. */
  final OkHttpClient transferClient() {
    return transfer;
  }

  /**
   * One request to another endpoint of this provider (the Batch API's files and batches), with
   * the same key, the same refusal of redirects and the same error categories as {@link
   * #complete}. Returns the open 2xx response for the caller to read and close; anything else is
   * an {@link LlmException}. {@code body} is null for a GET.
   */
  final Response send(String method, String url, RequestBody body) throws LlmException {
    Request request = authorized(new Request.Builder().url(url)).method(method, body).build();
    String call = method + " " + url;
    Response response;
    try {
      response = transfer.newCall(request).execute();
    } catch (IOException e) {
      throw transportError(e, call);
    }
    if (response.isSuccessful()) {
      return response;
    }
    try (Response failed = response) {
      throw errorOf(failed, RateLimitSnapshot.parse(failed::header, System.currentTimeMillis()), call);
    } catch (IOException e) {
      throw transportError(e, call);
    }
  }

  /** A request that got no complete answer: {@code timeout}, {@code unreachable} or {@code connection}. */
  final LlmException transportError(IOException e, String call) {
    if (e instanceof InterruptedIOException) {
      return new LlmException(ErrorCategory.TIMEOUT, "no answer from " + config.name() + " within "
          + config.timeoutS() + " s (" + call + ")", e);
    }
    if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException
        || e instanceof java.net.NoRouteToHostException) {
      return new LlmException(ErrorCategory.UNREACHABLE, "cannot connect to " + config.baseUrl() + " ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())) + ")", e);
    }
    return new LlmException(ErrorCategory.CONNECTION, "connection to " + config.name() + " failed ("
        + call + "): " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())), e);
  }

  @Override
  public ChatResponse complete(ChatRequest request) throws LlmException {
    Request.Builder builder = authorized(new Request.Builder().url(endpoint()));
    Request httpRequest;
    try {
      httpRequest = builder
          .post(RequestBody.create(body(request), JSON))
          .build();
    } catch (IOException e) {
      throw new LlmException(ErrorCategory.BAD_REQUEST, "cannot encode the request: " + e.getMessage(), e);
    }
    boolean headersArrived = false;
    try (Response response = http.newCall(httpRequest).execute()) {
      headersArrived = true;
      long now = System.currentTimeMillis();
      RateLimitSnapshot limits = RateLimitSnapshot.parse(response::header, now);
      int status = response.code();
      ResponseBody rb = response.body();
      if (status == 200) {
        return parseAnswer(readCapped(rb), limits);
      }
      throw errorOf(response, limits, "POST " + endpoint());
    } catch (InterruptedIOException e) {
      // SocketTimeoutException (a read or connect timeout) is one too, as is OkHttp's call timeout.
      if (headersArrived) {
        throw new LlmException(ErrorCategory.TIMEOUT, "after headers: " + config.name() + " sent the answer's "
            + "headers but not its whole body within timeout_s " + config.timeoutS() + " s (a retry is a new "
            + "paid generation: at most body_timeout_retries " + config.retryRules().bodyTimeoutRetries() + ")",
            e, true);
      }
      throw new LlmException(ErrorCategory.TIMEOUT, "no answer from " + config.name() + " within "
          + config.timeoutS() + " s" + (e instanceof SocketTimeoutException ? "" : " (" + e.getMessage() + ")"), e);
    } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.NoRouteToHostException e) {
      throw new LlmException(ErrorCategory.UNREACHABLE, "cannot connect to " + config.baseUrl() + " ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())) + ")", e);
    } catch (IOException e) {
      throw new LlmException(ErrorCategory.CONNECTION, "connection to " + config.name() + " failed: "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())), e);
    }
  }

  /** {@code x-should-retry: true/false} as both official SDKs read it; null for absent or other values. */
  static Boolean shouldRetry(String header) {
    if ("true".equals(header)) {
      return Boolean.TRUE;
    }
    return "false".equals(header) ? Boolean.FALSE : null;
  }

  /**
   * A 200 body, read only up to {@code max_answer_bytes}: a bigger one is refused before it is
   * stored anywhere ({@code too_large_answer}, final: asking again buys the same huge answer).
   */
  private byte[] readCapped(ResponseBody rb) throws IOException, LlmException {
    if (rb == null) {
      return new byte[0];
    }
    long max = config.retryRules().maxAnswerBytes();
    long declared = rb.contentLength();
    okio.BufferedSource source = rb.source();
    if (declared > max || (declared < 0 && source.request(max + 1))) {
      throw new LlmException(ErrorCategory.TOO_LARGE_ANSWER, 200, -1, false, "the answer of " + config.name()
          + " is larger than max_answer_bytes " + max + (declared > max ? " (" + declared + " bytes)" : "")
          + "; it was not read further and is not stored");
    }
    return source.readByteArray();
  }

  /**
   * The answer's body with the configured key replaced by {@value #REDACTED} wherever the provider
   * echoed it (also JSON-escaped as {@code \\/}), before it is parsed: its text becomes an
   * instruction, a state line, an export row and the next prompt, none of which may hold the key.
   * Done on the body, so every field a parser keeps is covered.
   */
  private byte[] redactAnswer(byte[] body) {
    if (apiKey == null || apiKey.length() < 4) {
      return body;
    }
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    String escaped = apiKey.replace("/", "\\/");
    if (!text.contains(apiKey) && !text.contains(escaped)) {
      return body;
    }
    return redactKey(text).replace(escaped, REDACTED).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The parsed answer, refused when its text still holds the key: the provider spelled it with
   * JSON escapes, which only a deliberate echo does. Final ({@code x-should-retry} false): the
   * same provider would do it again.
   */
  private ChatResponse keyFree(ChatResponse response) throws LlmException {
    if (apiKey != null && apiKey.length() >= 4 && response.text() != null && response.text().contains(apiKey)) {
      throw new LlmException(ErrorCategory.BAD_RESPONSE, 200, -1, false, "the answer of " + config.name()
          + " holds the API key in an escaped form; it is not stored");
    }
    return response;
  }

  /** Replaces the configured key by {@value #REDACTED}; text without it is returned as it is. */
  String redactKey(String text) {
    if (text == null || apiKey == null || apiKey.length() < 4) {
      return text;
    }
    return text.replace(apiKey, REDACTED);
  }

  /**
   * True when an error says the account has no quota or credit left, in either wire format (a
   * proxy may speak one and relay the other's body): any 402; a 429 whose {@code error.code} or
   * {@code error.type} is {@code insufficient_quota} (OpenAI, which a plain rate limit never
   * carries); a 400 saying the credit balance is too low (Anthropic).
   */
  static boolean isQuota(int status, JsonNode body, String rawBody) {
    if (status == 402) {
      return true;
    }
    if (status == 429) {
      JsonNode err = body == null ? null : body.path("error");
      return err != null && ("insufficient_quota".equals(err.path("code").asText())
          || "insufficient_quota".equals(err.path("type").asText()));
    }
    return status == 400 && rawBody.toLowerCase(java.util.Locale.ROOT).contains("credit balance is too low");
  }

  /**
   * Never let a key reach an error message, a log line or a state file: the configured key
   * ({@link #redactKey}), and anything shaped like an OpenAI or Anthropic key (a proxy may echo
   * another one). Only for error texts: in an answer the pattern would also hit code like
   * {@code mask-values}.
   */
  String redact(String text) {
    if (text == null) {
      return "";
    }
    return redactKey(text).replaceAll("(sk-(?:ant-)?)[A-Za-z0-9_\\-*.]{6,}", "$1" + REDACTED);
  }

  static String oneLine(String s, int max) {
    String t = s.replaceAll("<[^>]{0,200}>", " ").replaceAll("\\s+", " ").trim();
    return t.length() > max ? t.substring(0, max) + "..." : t;
  }

  /** A 200 whose body is not the expected answer; the quoted start of it is redacted (echo servers). */
  LlmException badResponse(String what, byte[] body) {
    String head = new String(body, 0, Math.min(body.length, 400), java.nio.charset.StandardCharsets.UTF_8);
    return new LlmException(ErrorCategory.BAD_RESPONSE, 200, -1,
        what + "; body starts: " + oneLine(redact(head), 120));
  }

  @Override
  public void close() {
    // The shared pool outlives clients; idle connections are evicted by OkHttp itself.
  }
}
