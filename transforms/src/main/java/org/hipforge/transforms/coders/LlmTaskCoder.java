package org.hipforge.transforms.coders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.util.VarInt;
import org.hipforge.io.llm.ChatRequest;
import org.hipforge.transforms.LlmTask;

/**
 * Compact binary coder for {@link LlmTask}, which crosses a shuffle in {@code CallLlm}: every
 * component in the record's order, the request as its system text, user text and {@code
 * max_tokens}; numbers as {@link VarInt}s, strings as {@link Wire} strings.
 */
public final class LlmTaskCoder extends CompactCoder<LlmTask> {
  private static final LlmTaskCoder INSTANCE = new LlmTaskCoder();

  @Override
  public void encode(LlmTask t, OutputStream out) throws IOException {
    VarInt.encode(t.id(), out);
    Wire.writeString(out, t.fileName());
    Wire.writeString(out, t.sourceSha256());
    Wire.writeString(out, t.request().system());
    Wire.writeString(out, t.request().user());
    VarInt.encode(t.request().maxTokens(), out);
    Wire.writeString(out, t.promptSha256());
    Wire.writeString(out, t.instruction());
    Wire.writeString(out, t.promptVersion());
    Wire.writeString(out, t.sourceEncoding());
    VarInt.encode(t.sourceBytes(), out);
    Wire.writeString(out, t.priorVerdicts());
    VarInt.encode(t.priorInputTokens(), out);
    VarInt.encode(t.priorOutputTokens(), out);
  }

  @Override
  public LlmTask decode(InputStream in) throws IOException {
    return new LlmTask(
        VarInt.decodeLong(in),
        Wire.readString(in),
        Wire.readString(in),
        new ChatRequest(Wire.readString(in), Wire.readString(in), VarInt.decodeInt(in)),
        Wire.readString(in),
        Wire.readString(in),
        Wire.readString(in),
        Wire.readString(in),
        VarInt.decodeLong(in),
        Wire.readString(in),
        VarInt.decodeLong(in),
        VarInt.decodeLong(in));
  }

  public static LlmTaskCoder of() {
    return INSTANCE;
  }
}
