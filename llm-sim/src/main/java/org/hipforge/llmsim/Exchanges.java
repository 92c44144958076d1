package org.hipforge.llmsim;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/** Writing a {@link Reply} to an exchange, at once or trickled, and the simulator's waits. */
final class Exchanges {

  /**
   * Thrown out of a handler before any response is sent: the JDK server then closes the socket, so
   * the client reads EOF exactly as when a proxy drops the connection.
   */
  static final class DroppedConnection extends IOException {
    DroppedConnection(String why) {
      super(why, null);
    }
  }

  private Exchanges() {}

  static void write(HttpExchange ex, Reply reply) throws IOException {
    ex.getResponseHeaders().set("Content-Type", reply.contentType());
    // Bodies are never empty; a length of 0 would switch the JDK server to chunked encoding.
    ex.sendResponseHeaders(reply.status(), reply.body().length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(reply.body());
    }
  }

  /** Headers at once, then the body in 20 pieces spread over {@code millis}. */
  static void trickle(HttpExchange ex, Reply reply, long millis) throws IOException {
    byte[] body = reply.body();
    ex.getResponseHeaders().set("Content-Type", reply.contentType());
    ex.sendResponseHeaders(reply.status(), body.length);
    int pieces = 20;
    try (OutputStream out = ex.getResponseBody()) {
      for (int i = 0; i < pieces; i++) {
        int from = body.length * i / pieces;
        int to = body.length * (i + 1) / pieces;
        out.write(body, from, to - from);
        out.flush();
        pause(millis / pieces);
      }
    }
  }

  static void pause(long millis) throws IOException {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      // Only close() interrupts workers; the client is cut off like any dropped connection.
      Thread.currentThread().interrupt();
      throw new DroppedConnection("simulated server is closing");
    }
  }
}
