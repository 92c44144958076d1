package org.hipforge.io.llm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.hipforge.io.llm.ProviderConfig.Api;

/**
 * What the loopback tests of this package share: the provider they talk to (a test model, a short
 * timeout) and how their hand-written servers answer; public for the tests of {@code batch}.
 */
public final class LoopbackProviders {
  private LoopbackProviders() {}

  /**
   * A provider named {@code prefix-api} at {@code baseUrl}, keyed by {@code keyEnv}, 2 s timeout.
   */
  static ProviderConfig config(String prefix, Api api, String baseUrl, String keyEnv) {
    return ProviderConfig.of(
            prefix + "-" + api.name().toLowerCase(Locale.ROOT), api, baseUrl, "test-model", keyEnv)
        .withTimeoutS(2);
  }

  /** Answers {@code ex} with {@code status} and {@code body} (UTF-8) as {@code contentType}. */
  public static void reply(HttpExchange ex, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A started HTTP server on a free loopback port that answers every path with {@code handler}. */
  public static HttpServer serve(HttpHandler handler) throws IOException {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
    http.createContext("/", handler);
    http.start();
    return http;
  }

  /** The {@code /v1} base URL a client of {@code http} is configured with. */
  public static String baseUrl(HttpServer http) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }
}
