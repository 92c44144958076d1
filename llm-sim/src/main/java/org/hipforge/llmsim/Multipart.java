package org.hipforge.llmsim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A multipart/form-data body: enough of RFC 7578 for a file upload. */
final class Multipart {
  private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");

  private final List<String> names = new ArrayList<>();
  private final List<byte[]> values = new ArrayList<>();

  static Multipart parse(String contentType, byte[] body) {
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      throw new IllegalArgumentException(
          "the upload must be multipart/form-data, was " + contentType);
    }
    int b = contentType.indexOf("boundary=");
    if (b < 0) {
      throw new IllegalArgumentException("multipart/form-data without a boundary");
    }
    String boundary = contentType.substring(b + 9).split(";")[0].trim();
    if (boundary.startsWith("\"") && boundary.endsWith("\"") && boundary.length() >= 2) {
      boundary = boundary.substring(1, boundary.length() - 1);
    }
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
    Multipart m = new Multipart();
    int at = indexOf(body, delimiter, 0);
    while (at >= 0) {
      int partStart = at + delimiter.length;
      if (partStart + 1 < body.length && body[partStart] == '-' && body[partStart + 1] == '-') {
        break; // the closing delimiter
      }
      partStart += 2; // CRLF after the delimiter
      int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), partStart);
      int next =
          indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII), partStart);
      if (headersEnd < 0 || next < 0 || headersEnd > next) {
        throw new IllegalArgumentException("a broken multipart/form-data body");
      }
      String headers =
          new String(body, partStart, headersEnd - partStart, StandardCharsets.ISO_8859_1);
      Matcher name = NAME.matcher(headers);
      if (name.find()) {
        m.names.add(name.group(1));
        m.values.add(Arrays.copyOfRange(body, headersEnd + 4, next));
      }
      at = next + 2;
    }
    return m;
  }

  byte[] bytes(String name) {
    int i = names.indexOf(name);
    return i < 0 ? null : values.get(i);
  }

  String text(String name) {
    byte[] v = bytes(name);
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] data, byte[] pattern, int from) {
    outer:
    for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
