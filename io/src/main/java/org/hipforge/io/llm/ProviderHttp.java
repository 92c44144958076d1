package org.hipforge.io.llm;

import java.io.IOException;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The synchronous client's HTTP stack opened to the provider's other endpoints (the Batch API), so
 * there is one home for the request body, the answer parser, the key, redirects and error
 * categories: {@link #chatBody} is byte for byte what {@link LlmClient#complete} sends, {@link
 * #parseAnswer} is its parser, {@link #send} its transport and error rules.
 *
 * <p>Thread-safe. Never exposes the key: every message it makes is redacted.
 */
public final class ProviderHttp implements AutoCloseable {
  private final HttpLlmClient client;

  private ProviderHttp(HttpLlmClient client) {
    this.client = client;
  }

  /**
   * The stack of {@code config}'s wire format; {@code apiKey} may be null for keyless local
   * servers.
   */
  public static ProviderHttp of(ProviderConfig config, String apiKey) {
    return new ProviderHttp((HttpLlmClient) LlmClient.create(config, apiKey));
  }

  public ProviderConfig config() {
    return client.config;
  }

  /** The exact body {@link LlmClient#complete} sends for {@code request}. */
  public byte[] chatBody(ChatRequest request) throws IOException {
    return client.body(request);
  }

  /**
   * A 200 answer body parsed exactly as the synchronous call parses it (key redaction included); a
   * billed but unusable answer throws its category with the answer attached ({@link
   * LlmException#answer()}), a body that is no answer throws {@code bad_response}.
   */
  public ChatResponse parseAnswer(byte[] body) throws LlmException {
    return client.parseAnswer(body, RateLimitSnapshot.EMPTY);
  }

  /**
   * {@code base_url} with its API version ({@code .../v1}) followed by {@code path} ({@code
   * "/files"}).
   */
  public String url(String path) {
    return client.apiRoot() + path;
  }

  /**
   * Sends one request with the provider's auth headers; returns the open 2xx response (the caller
   * closes it), or throws what the synchronous call would for that status or transport failure.
   * Redirects are never followed. No call timeout (files may be large); reads time out after {@code
   * timeout_s} without a byte.
   */
  public Response send(String method, String url, RequestBody body) throws LlmException {
    return client.send(method, url, body);
  }

  /**
   * The error of a request the provider ran for us and reports with a status and a body (one line
   * of a batch): same category rules as a synchronous error answer.
   */
  public LlmException errorOf(int status, String body, String call) {
    return client.errorOf(status, body == null ? "" : body, -1, null, call);
  }

  /**
   * A failure while reading a response {@link #send} returned, categorised like the synchronous
   * call's.
   */
  public LlmException transportError(IOException e, String call) {
    return client.transportError(e, call);
  }

  /** {@code text} with the key, and anything shaped like a provider key, replaced. */
  public String redact(String text) {
    return client.redact(text);
  }

  @Override
  public void close() {
    client.close();
  }
}
