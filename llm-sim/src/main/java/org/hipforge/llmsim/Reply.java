package org.hipforge.llmsim;

/** An answer to send: status, content type, body, and a retry hint in milliseconds (0 for none). */
record Reply(int status, String contentType, byte[] body, long retryAfterMillis) {

  static Reply json(int status, byte[] body) {
    return new Reply(status, "application/json", body, 0);
  }
}
