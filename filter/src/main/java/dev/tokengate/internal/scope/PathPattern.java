package dev.tokengate.internal.scope;

/**
 * A servlet {@code url-pattern} matched as Servlet 6.0 §12.2 maps requests: exact ({@code /health}), prefix ({@code
 * /api/*}, which also matches {@code /api}), extension ({@code *.csv}: the part of the last segment after its last
 * dot, so {@code /open/report.2024.csv} matches), or default ({@code /} and {@code /*}, matching everything).
 *
 * <p>A pattern that can never match is refused when it is read, naming the fix: servlet patterns have no wildcards
 * inside a path ({@code /api/*}{@code /x}, {@code /api/**}, {@code /a*}), an extension has no dot or slash ({@code
 * *.tar.gz}, {@code *.csv/x}), and a path the request firewall refuses ({@code ;}, {@code %}, {@code \}, {@code //},
 * a segment ending in a dot, control characters) never reaches matching.
 */
public final class PathPattern {
  private enum Kind { EXACT, PREFIX, EXTENSION, ALL }

  private final Kind kind;
  private final String value;
  private final String pattern;

  private PathPattern(Kind kind, String value, String pattern) {
    this.kind = kind;
    this.value = value;
    this.pattern = pattern;
  }

  /**
   * Reads a pattern.
   *
   * @throws IllegalArgumentException saying why the pattern can never match and what to write instead
   */
  public static PathPattern of(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("can never match: it is empty; write a path such as '/health'");
    }
    if (pattern.equals("/") || pattern.equals("/*")) {
      return new PathPattern(Kind.ALL, "", pattern);
    }
    if (pattern.startsWith("*.")) {
      String extension = pattern.substring(2);
      if (extension.isEmpty() || extension.indexOf('.') >= 0 || extension.indexOf('/') >= 0
          || extension.indexOf('*') >= 0) {
        throw new IllegalArgumentException("can never match: an extension pattern '*.ext' matches what follows the"
            + " last dot of the last segment, so it holds no '.', '/' or '*'; write e.g. '*.csv' or '*.gz'");
      }
      refuseUnreachable(extension);
      return new PathPattern(Kind.EXTENSION, "." + extension, pattern);
    }
    if (!pattern.startsWith("/")) {
      throw new IllegalArgumentException("can never match: a pattern starts with '/' (a path) or '*.' (an extension)");
    }
    boolean prefix = pattern.endsWith("/*");
    String path = prefix ? pattern.substring(0, pattern.length() - 2) : pattern;
    if (path.indexOf('*') >= 0) {
      throw new IllegalArgumentException("can never match: servlet url-patterns allow '*' only as a last '/*'"
          + " (a prefix, e.g. '/api/*', which also covers everything below it) or as a leading '*.' (an extension,"
          + " e.g. '*.csv'); there are no wildcards inside a path");
    }
    refuseUnreachable(path);
    return new PathPattern(prefix ? Kind.PREFIX : Kind.EXACT, path, pattern);
  }

  /** A path the request firewall refuses never reaches matching: a pattern for it would guard nothing. */
  private static void refuseUnreachable(String path) {
    String reason = null;
    for (int i = 0; i < path.length() && reason == null; i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        reason = "a control character";
      } else if (c == ';' || c == '%' || c == '\\' || c == '#') {
        reason = "'" + c + "'";
      } else if (c == '/' && i > 0 && path.charAt(i - 1) == '/') {
        reason = "'//'";
      } else if (c == '/' && i > 0 && path.charAt(i - 1) == '.') {
        reason = "a segment ending in a dot";
      }
    }
    if (reason == null && path.endsWith(".")) {
      reason = "a segment ending in a dot";
    }
    if (reason != null) {
      throw new IllegalArgumentException("can never match: it contains " + reason + ", and the request firewall"
          + " refuses every such request path before matching; write the path decoded and normalized, as the"
          + " application routes on it, e.g. '/files/report' rather than '/files/./report;v=1'");
    }
  }

  /** Whether the pattern matches a path within the application (context path removed). */
  public boolean matches(String path) {
    return switch (kind) {
      case ALL -> true;
      case EXACT -> path.equals(value);
      case PREFIX -> path.startsWith(value) && (path.length() == value.length() || path.charAt(value.length()) == '/');
      case EXTENSION -> {
        int dot = path.lastIndexOf('.');
        yield dot > path.lastIndexOf('/') && path.length() - dot == value.length() && path.endsWith(value);
      }
    };
  }

  @Override
  public String toString() {
    return pattern;
  }
}
