package org.hipforge.io.llm.batch;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.io.llm.ProviderConfig;
import org.hipforge.io.llm.ProviderHttp;

/** UNFINISHED stub: the interface is fixed, the bodies come in the next commit. */
final class OpenAiBatchApi implements BatchApi {
  private final ProviderHttp http;

  OpenAiBatchApi(ProviderConfig config, String apiKey) {
    this.http = ProviderHttp.of(config, apiKey);
  }

  @Override
  public byte[] body(ChatRequest request) throws IOException {
    return http.chatBody(request);
  }

  @Override
  public String uploadInput(List<BatchLine> lines) throws IOException {
    throw new UnsupportedOperationException("unfinished");
  }

  @Override
  public String create(String inputFileId, List<BatchLine> lines) throws IOException {
    throw new UnsupportedOperationException("unfinished");
  }

  @Override
  public BatchStatus status(String batchId) throws IOException {
    throw new UnsupportedOperationException("unfinished");
  }

  @Override
  public void readResults(String batchId, Consumer<BatchOutcome> sink) throws IOException {
    throw new UnsupportedOperationException("unfinished");
  }

  @Override
  public void cancel(String batchId) throws IOException {
    throw new UnsupportedOperationException("unfinished");
  }

  @Override
  public int maxRequests() {
    return 50_000;
  }

  @Override
  public long maxBytes() {
    return 200L * 1000 * 1000;
  }

  @Override
  public long encodedSize(BatchLine line) {
    return line.body().length + 100L + line.customId().length();
  }

  @Override
  public void close() {
    http.close();
  }
}
