package org.hipforge.io.util;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The one rule for turning a source file's bytes into prompt text: UTF-8 when they are valid UTF-8,
 * else Latin-1 when every byte is printable Latin-1 text (a {@code ©} 0xA9 in a license comment,
 * which hipcc compiles), else refused. Describe reads sources by it and export shows them by it, so
 * the text a model was asked about is the text the dataset holds.
 */
public final class SourceText {
  /** The {@code source_encoding} a Latin-1 source is recorded with. */
  public static final String LATIN_1 = "latin-1";

  private SourceText() {}

  /**
   * The decoded text and the encoding it was read in ({@code null}: UTF-8, {@link #LATIN_1}), or
   * the {@code problem} why the bytes are no text (then {@code text} is null).
   */
  public record Decoded(String text, String encoding, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  /** Decodes {@code bytes} by the rule above; NUL bytes are refused in either encoding. */
  public static Decoded decode(byte[] bytes) {
    String text;
    try {
      text = strictUtf8(bytes);
    } catch (CharacterCodingException ex) {
      int odd = firstNonTextLatin1(bytes);
      if (odd >= 0) {
        return new Decoded(
            null,
            null,
            "the source is neither UTF-8 nor Latin-1 text (byte 0x"
                + String.format("%02X", bytes[odd] & 0xFF)
                + " at offset "
                + odd
                + ")");
      }
      return new Decoded(new String(bytes, StandardCharsets.ISO_8859_1), LATIN_1, null);
    }
    if (text.indexOf('\0') >= 0) {
      return new Decoded(null, null, "the source holds NUL bytes (a binary file?)");
    }
    return new Decoded(text, null, null);
  }

  /** {@code bytes} as UTF-8 text, refusing malformed input instead of replacing it. */
  public static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  /**
   * The offset of the first byte that is no printable Latin-1 text (a C0 control other than tab,
   * newline, carriage return, form feed or vertical tab; DEL; a C1 control 0x80-0x9F), or -1.
   */
  static int firstNonTextLatin1(byte[] b) {
    for (int i = 0; i < b.length; i++) {
      int x = b[i] & 0xFF;
      boolean space = x == '\t' || x == '\n' || x == '\r' || x == '\f' || x == 0x0B;
      if ((x < 0x20 && !space) || (x >= 0x7F && x < 0xA0)) {
        return i;
      }
    }
    return -1;
  }
}
