package org.hipforge.llmsim;

/**
 * A chat request reduced to what the simulator needs.
 *
 * @param user the last user message's text: what the answer and the prompt key are made from
 * @param promptChars characters of every message, system prompt included, for the token estimate
 * @param maxTokens the request's output token cap, or null when it sets none
 */
record ChatRequest(String model, String user, long promptChars, Integer maxTokens) {}
