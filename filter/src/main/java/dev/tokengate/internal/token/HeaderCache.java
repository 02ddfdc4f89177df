package dev.tokengate.internal.token;

import com.nimbusds.jose.JWSHeader;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The parsed headers of recently verified tokens, found by the exact base64url text of the header segment.
 *
 * <p>An issuer signs thousands of tokens with a handful of distinct headers (one per key and {@code typ}), and parsing
 * one is a whole JSON parse through Nimbus per token. The same bytes always parse to the same {@link JWSHeader}, which
 * is immutable, so a header parsed once may answer for every later token whose header segment is byte for byte the
 * same. A lookup compares the whole segment: a different text never hits, however close.
 *
 * <p>Only the header of a token whose signature verified is stored ({@link #remember}), so only the issuer's own
 * headers take the slots: forged tokens neither fill nor evict them, and a header that fails a check ({@code crit},
 * an algorithm not allowed, a wrong {@code typ}) never verifies, so it is never stored. The verifier checks a cached
 * header exactly as it checks a freshly parsed one anyway. The cache is a fixed array of {@value #SLOTS} slots indexed
 * by a hash of the text; a collision replaces the older entry, so its size is bounded whatever arrives.
 */
final class HeaderCache {
  static final int SLOTS = 16;

  /** Longer header segments are parsed every time: a compact JWS header is well under this. */
  static final int MAX_TEXT_LENGTH = 512;

  /** A header segment's text (base64url characters as bytes) and what Nimbus parsed from it. */
  private record Entry(byte[] text, JWSHeader header) {}

  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

  /** The header parsed from text equal to {@code token[from, to)}, {@code null} if none is cached. */
  JWSHeader find(byte[] token, int from, int to) {
    if (to - from > MAX_TEXT_LENGTH) {
      return null;
    }
    Entry entry = slots.get(slot(token, from, to));
    if (entry != null && Arrays.equals(entry.text(), 0, entry.text().length, token, from, to)) {
      return entry.header();
    }
    return null;
  }

  /** Keeps {@code header}, which must be what {@code JWSHeader.parse} made of the text {@code token[from, to)}. */
  void remember(byte[] token, int from, int to, JWSHeader header) {
    if (to - from > MAX_TEXT_LENGTH) {
      return;
    }
    slots.set(slot(token, from, to), new Entry(Arrays.copyOfRange(token, from, to), header));
  }

  /** How many slots hold a header (for tests). */
  int size() {
    int size = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (slots.get(i) != null) {
        size++;
      }
    }
    return size;
  }

  private static int slot(byte[] token, int from, int to) {
    int hash = 1;
    for (int i = from; i < to; i++) {
      hash = 31 * hash + token[i];
    }
    hash ^= hash >>> 16;
    return hash & (SLOTS - 1);
  }
}
