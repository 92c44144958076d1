package org.hipforge.llmsim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;

/**
 * One request object of a batch, with its body's raw bytes: the exact bytes the client sent, so a
 * test can compare them with a synchronous request's body.
 */
final class BatchRequestLine {
  String customId;
  String method;
  String url;
  byte[] raw;

  /** A whole JSONL line: {@code {custom_id, method, url, <bodyField>}}. */
  static BatchRequestLine parse(byte[] line, String bodyField) throws IOException {
    try (JsonParser p = WireFormat.MAPPER.getFactory().createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      BatchRequestLine r = read(p, line, bodyField);
      if (p.nextToken() != null) {
        throw new IOException("trailing data");
      }
      return r;
    }
  }

  /** The object {@code p} is at the start of, inside {@code source}. */
  static BatchRequestLine read(JsonParser p, byte[] source, String bodyField) throws IOException {
    BatchRequestLine r = new BatchRequestLine();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.getCurrentName();
      JsonToken t = p.nextToken();
      if (name.equals(bodyField) && t == JsonToken.START_OBJECT) {
        int from = (int) p.getTokenLocation().getByteOffset();
        p.skipChildren();
        int to = (int) p.getCurrentLocation().getByteOffset();
        r.raw = Arrays.copyOfRange(source, from, to);
      } else if (t == JsonToken.VALUE_STRING && name.equals("custom_id")) {
        r.customId = p.getText();
      } else if (t == JsonToken.VALUE_STRING && name.equals("method")) {
        r.method = p.getText();
      } else if (t == JsonToken.VALUE_STRING && name.equals("url")) {
        r.url = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return r;
  }
}
