package org.hipforge.io.llm.batch;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ProviderConfig;

/**
 * One provider's Batch API (OpenAI Batch, Anthropic Message Batches) over the synchronous client's
 * HTTP stack: same key handling, same refusal of redirects, same error categories, same request
 * body and same answer parser.
 *
 * <p>Flow: {@link #uploadInput} (OpenAI: a JSONL file; Anthropic: nothing, null), {@link #create}
 * (the provider's batch id), {@link #status} until {@link BatchStatus.State#terminal}, then {@link
 * #readResults}. Every call is one HTTP request (plus one for reading results); failures are {@link
 * BatchApiException}s and retrying is the caller's choice ({@link
 * org.hipforge.io.llm.LlmException#retryable()} of its cause): only a GET whose connection broke
 * before any answer is sent once more here (a stale keep-alive connection between polls). Usage:
 *
 * <pre>{@code
 * try (BatchApi api = BatchApi.forProvider(provider)) {
 *   List<BatchLine> lines = List.of(new BatchLine("t-17", api.body(request)));
 *   String file = api.uploadInput(lines);
 *   String id = api.create(file, lines);
 *   while (!api.status(id).state().terminal()) { ... wait ... }
 *   api.readResults(id, outcome -> ...);
 * }
 * }</pre>
 *
 * <p>Thread-safe; one instance per provider is enough.
 */
public interface BatchApi extends AutoCloseable {

  /**
   * The Batch API of {@code config}'s wire format, with the key from its environment variable.
   *
   * @throws IllegalStateException naming the provider and the variable when the key is not set (and
   *     base_url is not loopback)
   */
  static BatchApi forProvider(ProviderConfig config) {
    return forProvider(config, config.resolveApiKey());
  }

  /**
   * The Batch API of {@code config}'s wire format; {@code apiKey} may be null for keyless local
   * servers.
   */
  static BatchApi forProvider(ProviderConfig config, String apiKey) {
    return switch (config.api()) {
      case ANTHROPIC -> new AnthropicBatchApi(config, apiKey);
      case OPENAI -> new OpenAiBatchApi(config, apiKey);
    };
  }

  /**
   * The exact body the synchronous client sends for {@code request}: a {@link BatchLine}'s body.
   */
  byte[] body(ChatRequest request) throws IOException;

  /**
   * OpenAI: uploads the lines as one JSONL file ({@code purpose=batch}) and returns its file id.
   * Anthropic: sends nothing and returns null (the requests go inline at {@link #create}).
   */
  String uploadInput(List<BatchLine> lines) throws IOException;

  /**
   * Creates the batch and returns the provider's batch id. OpenAI uses {@code inputFileId} (from
   * {@link #uploadInput}); Anthropic sends {@code lines} inline.
   */
  String create(String inputFileId, List<BatchLine> lines) throws IOException;

  /** The batch's state and counts, one GET. */
  BatchStatus status(String batchId) throws IOException;

  /**
   * Streams the results of an ended batch to {@code sink}, one {@link BatchOutcome} per line, in
   * the provider's order (not the input order): OpenAI's output file then its error file,
   * Anthropic's {@code results_url}. Memory stays bounded by one line. Throws when the batch has no
   * results yet ({@link BatchStatus.State#hasResults}).
   */
  void readResults(String batchId, Consumer<BatchOutcome> sink) throws IOException;

  /**
   * Asks the provider to cancel the batch; requests already answered stay answered (and billed).
   */
  void cancel(String batchId) throws IOException;

  /** The most requests one batch may hold: OpenAI 50,000, Anthropic 100,000. */
  int maxRequests();

  /**
   * The most bytes one batch may hold ({@link #encodedSize} summed): OpenAI 200 MB, Anthropic 256
   * MB.
   */
  long maxBytes();

  /**
   * The bytes {@code line} adds to a batch as this provider's input is encoded: split on the sum of
   * these.
   */
  long encodedSize(BatchLine line);

  @Override
  void close();
}
