package dev.tokengate.internal.scope;

/**
 * A servlet {@code url-pattern} (Servlet 6.0 §12.2): exact ({@code /health}), prefix ({@code /api/*}, which also
 * matches {@code /api}), extension ({@code *.csv}), or default ({@code /} and {@code /*}, matching everything).
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

  public static PathPattern of(String pattern) {
    if (pattern.equals("/") || pattern.equals("/*")) {
      return new PathPattern(Kind.ALL, "", pattern);
    }
    if (pattern.startsWith("*.")) {
      return new PathPattern(Kind.EXTENSION, pattern.substring(1), pattern);
    }
    if (pattern.endsWith("/*")) {
      return new PathPattern(Kind.PREFIX, pattern.substring(0, pattern.length() - 2), pattern);
    }
    return new PathPattern(Kind.EXACT, pattern, pattern);
  }

  /** Whether the pattern matches a path within the application (context path removed). */
  public boolean matches(String path) {
    return switch (kind) {
      case ALL -> true;
      case EXACT -> path.equals(value);
      case PREFIX -> path.equals(value) || (path.startsWith(value) && path.charAt(value.length()) == '/');
      case EXTENSION -> {
        int slash = path.lastIndexOf('/');
        yield path.endsWith(value) && path.indexOf('.', slash) == path.length() - value.length();
      }
    };
  }

  @Override
  public String toString() {
    return pattern;
  }
}
