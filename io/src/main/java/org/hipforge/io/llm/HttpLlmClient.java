package org.hipforge.io.llm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  /** One connection pool and dispatcher per JVM, shared by every client (OkHttp's advice). */
  private static final OkHttpClient SHARED = new OkHttpClient.Builder()
      .connectionPool(new ConnectionPool(512, 5, TimeUnit.MINUTES))
      .dispatcher(dispatcher())
      .retryOnConnectionFailure(false) // retries are ours, counted and paced
      .build();

  private static Dispatcher dispatcher() {
    Dispatcher d = new Dispatcher();
    d.setMaxRequests(1024);
    d.setMaxRequestsPerHost(1024);
    return d;
  }

  protected final ProviderConfig config;
  protected final String apiKey;
  private final OkHttpClient http;

  HttpLlmClient(ProviderConfig config, String apiKey) {
    this.config = config;
    this.apiKey = apiKey;
    this.http = SHARED.newBuilder()
        .callTimeout(config.timeoutS(), TimeUnit.SECONDS)
        .readTimeout(config.timeoutS(), TimeUnit.SECONDS)
        .connectTimeout(Math.min(30, config.timeoutS()), TimeUnit.SECONDS)
        .build();
  }

  /** The URL of the completion endpoint. */
  abstract String endpoint();

  abstract byte[] body(ChatRequest request) throws IOException;

  abstract Request.Builder authorize(Request.Builder builder);

  /** Parses a 200 body; throws BAD_RESPONSE when it is not the expected JSON. */
  abstract ChatResponse parse(byte[] body, RateLimitSnapshot limits) throws LlmException;

  /** Reads the provider's error message out of an error body (or a trimmed raw body). */
  abstract String errorMessage(JsonNode body);

  /** True when a 400 body says the prompt is longer than the model's context. */
  abstract boolean isContextLength(int status, JsonNode body, String rawBody);

  @Override
  public ChatResponse complete(ChatRequest request) throws LlmException {
    Request.Builder builder = new Request.Builder().url(endpoint());
    try {
      builder = authorize(builder);
    } catch (IllegalArgumentException e) {
      // OkHttp refuses header values outside printable ASCII (a key pasted with a no-break
      // space, say) and quotes the value in its message unless the header is Authorization:
      // for x-api-key that is the key itself, so neither the message nor the cause is kept.
      throw new LlmException(ErrorCategory.AUTH, 0, -1, "the API key of " + config.name()
          + " (or its anthropic_version) holds a character not allowed in an HTTP header (check "
          + "the key in environment variable " + config.apiKeyEnv() + ")");
    }
    Request httpRequest;
    try {
      httpRequest = builder
          .post(RequestBody.create(body(request), JSON))
          .build();
    } catch (IOException e) {
      throw new LlmException(ErrorCategory.BAD_REQUEST, "cannot encode the request: " + e.getMessage(), e);
    }
    try (Response response = http.newCall(httpRequest).execute()) {
      long now = System.currentTimeMillis();
      RateLimitSnapshot limits = RateLimitSnapshot.parse(response::header, now);
      int status = response.code();
      ResponseBody rb = response.body();
      if (status == 200) {
        byte[] bytes = rb == null ? new byte[0] : rb.bytes();
        return parse(bytes, limits);
      }
      String raw = "";
      if (rb != null) {
        okio.BufferedSource source = rb.source();
        source.request(MAX_ERROR_BODY);
        raw = source.getBuffer().readUtf8(Math.min(source.getBuffer().size(), MAX_ERROR_BODY));
      }
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
        detail += " (POST " + endpoint() + ")";
      }
      throw new LlmException(category, status, limits.retryAfterMillis(), detail);
    } catch (SocketTimeoutException e) {
      throw new LlmException(ErrorCategory.TIMEOUT, "no answer from " + config.name() + " within "
          + config.timeoutS() + " s", e);
    } catch (InterruptedIOException e) {
      throw new LlmException(ErrorCategory.TIMEOUT, "no answer from " + config.name() + " within "
          + config.timeoutS() + " s (" + e.getMessage() + ")", e);
    } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.NoRouteToHostException e) {
      throw new LlmException(ErrorCategory.UNREACHABLE, "cannot connect to " + config.baseUrl() + " ("
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())) + ")", e);
    } catch (IOException e) {
      throw new LlmException(ErrorCategory.CONNECTION, "connection to " + config.name() + " failed: "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + redact(e.getMessage())), e);
    }
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

  /** Never let a key reach an error message, a log line or a state file. */
  String redact(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    if (apiKey != null && apiKey.length() >= 4) {
      out = out.replace(apiKey, "[redacted]");
    }
    return out.replaceAll("(sk-(?:ant-)?)[A-Za-z0-9_\\-*.]{6,}", "$1[redacted]");
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
