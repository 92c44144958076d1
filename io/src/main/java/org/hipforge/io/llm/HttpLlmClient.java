package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Locale;
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

  /** One connection pool and dispatcher per JVM, shared by every client (OkHttp's advice). */
  private static final OkHttpClient SHARED =
      new OkHttpClient.Builder()
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
  private final KeyRedactor keys;
  private final ErrorAnswers errors = new ErrorAnswers(this);
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
    this.keys = new KeyRedactor(apiKey);
    this.apiRoot = apiRoot;
    this.endpoint = apiRoot + endpointPath;
    this.http =
        SHARED
            .newBuilder()
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

  /**
   * {@code base_url} with its API version: {@code .../v1}, to append {@code /files}, {@code
   * /batches}, ...
   */
  final String apiRoot() {
    return apiRoot;
  }

  /**
   * The request body's one JSON object, written field by field (the wire bytes are these calls).
   */
  abstract void writeBody(JsonGenerator g, ChatRequest request) throws IOException;

  /** One chat message of the body's {@code messages} array: {@code {"role":..,"content":..}}. */
  static void writeMessage(JsonGenerator g, String role, String content) throws IOException {
    g.writeStartObject();
    g.writeStringField("role", role);
    g.writeStringField("content", content);
    g.writeEndObject();
  }

  abstract Request.Builder authorize(Request.Builder builder);

  /**
   * Reads a 200 answer's JSON object ({@code body} is its bytes, quoted in a {@code bad_response});
   * throws BAD_RESPONSE when it is not the expected answer.
   */
  abstract ChatResponse parse(JsonNode root, byte[] body, RateLimitSnapshot limits)
      throws LlmException;

  /** Reads the provider's error message out of an error body (or a trimmed raw body). */
  abstract String errorMessage(JsonNode body);

  /** True when a 400 body says the prompt is longer than the model's context. */
  abstract boolean isContextLength(int status, JsonNode body, String rawBody);

  /**
   * {@link #authorize}, with a key OkHttp refuses as a header turned into an {@code auth} error.
   */
  final Request.Builder authorized(Request.Builder builder) throws LlmException {
    try {
      return authorize(builder);
    } catch (IllegalArgumentException e) {
      // OkHttp refuses header values outside printable ASCII (a key pasted with a no-break
      // space, say) and quotes the value in its message unless the header is Authorization:
      // for x-api-key that is the key itself, so neither the message nor the cause is kept.
      throw new LlmException(
          ErrorCategory.AUTH,
          0,
          -1,
          String.format(
              Locale.ROOT,
              "the API key of %s (or its "
                  + "anthropic_version) holds a character not allowed in an HTTP header (check the key in environment "
                  + "variable %s)",
              config.name(),
              config.apiKeyEnv()));
    }
  }

  /** The error a response that is not a success stands for ({@link ErrorAnswers}). */
  final LlmException errorOf(Response response, RateLimitSnapshot limits, String call)
      throws IOException {
    return errors.of(response, limits, call);
  }

  /** The error an HTTP status with body {@code raw} stands for ({@link ErrorAnswers}). */
  final LlmException errorOf(
      int status, String raw, long retryAfterMillis, Boolean shouldRetry, String call) {
    return errors.of(status, raw, retryAfterMillis, shouldRetry, call);
  }

  /**
   * A parsed 200 answer, exactly as {@link #complete} makes it: the key redacted out of the body
   * before parsing, refused when it still holds the key; unusable answers throw their category.
   */
  final ChatResponse parseAnswer(byte[] body, RateLimitSnapshot limits) throws LlmException {
    byte[] redacted = keys.redactAnswer(body);
    JsonNode root;
    try {
      root = MAPPER.readTree(redacted);
    } catch (IOException e) {
      throw badResponse("the 200 answer is not JSON", redacted);
    }
    if (root == null || !root.isObject()) {
      throw badResponse("the 200 answer is not a JSON object", redacted);
    }
    ChatResponse answer = parse(root, redacted, limits);
    if (keys.holdsKey(answer)) {
      // Spelled with JSON escapes, which only a deliberate echo does; final (x-should-retry false):
      // the same provider would do it again.
      throw new LlmException(
          ErrorCategory.BAD_RESPONSE,
          200,
          -1,
          false,
          "the answer of "
              + config.name()
              + " holds the API key in an escaped form; it is not stored");
    }
    return answer;
  }

  /** The exact request body {@link #complete} sends for {@code request}. */
  final byte[] body(ChatRequest request) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(request.user().length() + 512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeBody(g, request);
    }
    return out.toByteArray();
  }

  /**
   * {@code root}'s array {@code field}; a {@code bad_response} saying {@code missing} when it has
   * none.
   */
  final JsonNode array(JsonNode root, String field, String missing, byte[] body)
      throws LlmException {
    JsonNode node = root.get(field);
    if (node == null || !node.isArray()) {
      throw badResponse(missing, body);
    }
    return node;
  }

  /** A text field's value, or null when it is absent or not text ({@code finish_reason}, ...). */
  static String textOrNull(JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  /**
   * One request to another endpoint of this provider (the Batch API's files and batches), with the
   * same key, the same refusal of redirects and the same error categories as {@link #complete}.
   * Returns the open 2xx response for the caller to read and close; anything else is an {@link
   * LlmException}. {@code body} is null for a GET.
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
      throw errorOf(
          failed, RateLimitSnapshot.parse(failed::header, System.currentTimeMillis()), call);
    } catch (IOException e) {
      throw transportError(e, call);
    }
  }

  /**
   * A request that got no complete answer: {@code timeout}, {@code unreachable} or {@code
   * connection}; {@code call} ({@code "GET <url>"}) is named in the message, null for a completion.
   */
  final LlmException transportError(IOException e, String call) {
    if (e instanceof InterruptedIOException) {
      return new LlmException(
          ErrorCategory.TIMEOUT,
          "no answer from " + config.name() + " within " + config.timeoutS() + " s (" + call + ")",
          e);
    }
    if (e instanceof java.net.ConnectException
        || e instanceof java.net.UnknownHostException
        || e instanceof java.net.NoRouteToHostException) {
      return new LlmException(
          ErrorCategory.UNREACHABLE,
          "cannot connect to " + config.baseUrl() + " (" + named(e) + ")",
          e);
    }
    String failed = call == null ? " failed: " : " failed (" + call + "): ";
    return new LlmException(
        ErrorCategory.CONNECTION, "connection to " + config.name() + failed + named(e), e);
  }

  /**
   * The failure's class and its message, redacted: {@code "ConnectException Connection refused"}.
   */
  private String named(IOException e) {
    return e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : " " + redact(e.getMessage()));
  }

  @Override
  public ChatResponse complete(ChatRequest request) throws LlmException {
    Request.Builder builder = authorized(new Request.Builder().url(endpoint()));
    Request httpRequest;
    try {
      httpRequest = builder.post(RequestBody.create(body(request), JSON)).build();
    } catch (IOException e) {
      throw new LlmException(
          ErrorCategory.BAD_REQUEST, "cannot encode the request: " + e.getMessage(), e);
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
        throw new LlmException(
            ErrorCategory.TIMEOUT,
            String.format(
                Locale.ROOT,
                "after headers: %s sent the "
                    + "answer's headers but not its whole body within timeout_s %d s (a retry is a new paid generation: "
                    + "at most body_timeout_retries %d)",
                config.name(),
                config.timeoutS(),
                config.retryRules().bodyTimeoutRetries()),
            e,
            true);
      }
      throw new LlmException(
          ErrorCategory.TIMEOUT,
          "no answer from "
              + config.name()
              + " within "
              + config.timeoutS()
              + " s"
              + (e instanceof SocketTimeoutException ? "" : " (" + e.getMessage() + ")"),
          e);
    } catch (IOException e) {
      throw transportError(e, null);
    }
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
      throw new LlmException(
          ErrorCategory.TOO_LARGE_ANSWER,
          200,
          -1,
          false,
          "the answer of "
              + config.name()
              + " is larger than max_answer_bytes "
              + max
              + (declared > max ? " (" + declared + " bytes)" : "")
              + "; it was not read further and is not stored");
    }
    return source.readByteArray();
  }

  /**
   * {@code text} with the key, and anything shaped like a provider key, replaced ({@link
   * KeyRedactor#redact}).
   */
  String redact(String text) {
    return keys.redact(text);
  }

  static String oneLine(String s, int max) {
    String t = s.replaceAll("<[^>]{0,200}>", " ").replaceAll("\\s+", " ").trim();
    return t.length() > max ? t.substring(0, max) + "..." : t;
  }

  /**
   * A 200 whose body is not the expected answer; the quoted start of it is redacted (echo servers).
   */
  LlmException badResponse(String what, byte[] body) {
    String head =
        new String(body, 0, Math.min(body.length, 400), java.nio.charset.StandardCharsets.UTF_8);
    return new LlmException(
        ErrorCategory.BAD_RESPONSE, 200, -1, what + "; body starts: " + oneLine(redact(head), 120));
  }

  @Override
  public void close() {
    // The shared pool outlives clients; idle connections are evicted by OkHttp itself.
  }
}
