package org.hipforge.pipeline.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The chart library the report inlines: Apache ECharts 5.3.1 (Apache-2.0), read from the WebJar
 * {@code org.webjars.npm:echarts} on the classpath, so the page needs no network when it is viewed.
 *
 * <p>Only {@code dist/echarts.min.js} (1 MB; it bundles its zrender renderer) and the license and
 * notice files are kept in the shaded jar. The script text is checked once: it is inlined in a
 * {@code <script>} element, which the text {@code </script} would end early.
 */
public final class ChartLibrary {
  /** The WebJar's version: the one place it is named besides the pom. */
  public static final String VERSION = "5.3.1";

  static final String BASE = "META-INF/resources/webjars/echarts/" + VERSION + "/";
  static final String SCRIPT = BASE + "dist/echarts.min.js";
  static final String NOTICE = BASE + "NOTICE";

  private static volatile String script;

  private ChartLibrary() {}

  /** ECharts' minified script, safe to put inside a {@code <script>} element. */
  public static String script() throws IOException {
    String s = script;
    if (s == null) {
      s = resource(SCRIPT);
      if (s.toLowerCase(Locale.ROOT).contains("</script") || s.contains("<!--")) {
        throw new IOException(
            SCRIPT + " holds '</script' or '<!--': it cannot be inlined as it is");
      }
      script = s;
    }
    return s;
  }

  /** The library's NOTICE text (its copyright line goes into the page's footer). */
  public static String notice() throws IOException {
    return resource(NOTICE);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ChartLibrary.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(
            "the chart library is not on the classpath ("
                + name
                + " from the WebJar "
                + "org.webjars.npm:echarts:"
                + VERSION
                + "): rebuild hipforge");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
