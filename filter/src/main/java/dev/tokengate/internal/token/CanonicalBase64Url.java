package dev.tokengate.internal.token;

/**
 * Whether a base64url part of a compact JWS is spelled the one canonical way (RFC 4648 §3.5).
 *
 * <p>A part whose length is 2 or 3 modulo 4 ends in a character carrying 4 or 2 bits that encode nothing. The JDK's
 * decoder ignores them, so 16 (or 4) strings decode to the same bytes: each spelling of one genuine token would
 * verify, take its own validated-token cache entry and a full signature check, and defeat any bookkeeping keyed on the
 * token string. Only the spelling with those bits zero is accepted; a length of 1 modulo 4 is never valid. Checking
 * the last character of each part is enough, and costs nothing beside the decoding that follows.
 */
final class CanonicalBase64Url {
  private CanonicalBase64Url() {}

  /** Whether {@code token[from, to)} has a possible length and no stray bits in its last character. */
  static boolean isCanonical(byte[] token, int from, int to) {
    int length = to - from;
    return switch (length & 3) {
      case 0 -> true;
      case 1 -> false;
      case 2 -> (value(token[to - 1]) & 0x0f) == 0;
      default -> (value(token[to - 1]) & 0x03) == 0;
    };
  }

  /** The 6-bit value of a base64url character; -1 (all bits set, so never canonical) outside the alphabet. */
  private static int value(byte c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '-') {
      return 62;
    }
    return c == '_' ? 63 : -1;
  }
}
