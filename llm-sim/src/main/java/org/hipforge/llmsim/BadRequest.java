package org.hipforge.llmsim;

/** A request the provider would refuse with a 400, with the offending field when known. */
final class BadRequest extends Exception {
  final String param;

  BadRequest(String message, String param) {
    super(message, null, false, false);
    this.param = param;
  }
}
