package org.hipforge.pipeline.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Writes the report as one self-contained HTML page: the template, its style, the chart library,
 * the page's script and the data, all inline, so it opens from a file with no network.
 *
 * <p>Untrusted text (sources, instructions, answers, file names) reaches the page only as JSON
 * inside {@code <script type="application/json">}, with {@code <}, {@code >}, {@code &} and the
 * JavaScript line separators written as {@code \\uXXXX} escapes, so no text can end that element or
 * start markup; the page's script puts it into the DOM with {@code textContent} only. Defence in
 * depth: a Content-Security-Policy allows no network at all and runs only the two inline scripts
 * whose SHA-256 it names (an injected script or {@code onerror} attribute would not run).
 */
public final class ReportPage {
  private static final String DIR = "org/hipforge/pipeline/report/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportPage() {}

  /** The page for {@code data}. */
  public static String render(ObjectNode data) throws IOException {
    String template = ChartLibrary.resource(DIR + "report.html");
    String echarts = ChartLibrary.script();
    String app = ChartLibrary.resource(DIR + "report.js");
    String csp =
        "default-src 'none'; script-src "
            + scriptHash(echarts)
            + " "
            + scriptHash(app)
            + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
    // Each marker is replaced once, in order, and inserted text is never scanned again.
    return fill(
        template,
        new String[] {"/*CSP*/", "/*STYLE*/", "/*DATA*/", "/*ECHARTS*/", "/*APP*/"},
        new String[] {
          csp, ChartLibrary.resource(DIR + "report.css"), scriptSafeJson(data), echarts, app
        });
  }

  static String fill(String template, String[] markers, String[] values) {
    StringBuilder b = new StringBuilder(template.length() + 2_000_000);
    int from = 0;
    for (int i = 0; i < markers.length; i++) {
      int at = template.indexOf(markers[i], from);
      if (at < 0) {
        throw new IllegalStateException("report template lacks " + markers[i]);
      }
      b.append(template, from, at).append(values[i]);
      from = at + markers[i].length();
    }
    return b.append(template, from, template.length()).toString();
  }

  /**
   * {@code data} as JSON that can stand inside a {@code <script>} element: these characters can
   * only occur inside JSON strings, where {@code \\uXXXX} means the same character.
   */
  static String scriptSafeJson(ObjectNode data) throws JsonProcessingException {
    String json = JSON.writeValueAsString(data);
    StringBuilder b = new StringBuilder(json.length() + 64);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The CSP source that allows exactly this inline script. */
  static String scriptHash(String script) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8));
      return "'sha256-" + Base64.getEncoder().encodeToString(d) + "'";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
