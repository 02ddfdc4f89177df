package dev.tokengate.security;

import java.util.regex.Pattern;

/** What a well-formed RFC 6750 answer looks like, for checks on arbitrary (fuzzed) input. */
final class Rfc6750 {
  /** §3: error_description = *( %x20-21 / %x23-5B / %x5D-7E ). */
  static final Pattern DESCRIPTION = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+");

  /** The challenges tokengate sends with realm "api": bare (§3.1), or with an error code and description. */
  static final Pattern CHALLENGE = Pattern.compile("Bearer realm=\"api\"(, error=\"(invalid_request|invalid_token"
      + "|insufficient_scope)\", error_description=\"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+\""
      + "(, scope=\"[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*\")?)?");

  private Rfc6750() {}
}
