package dev.tokengate.internal.scope;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Whether a filter's url-patterns cover every request a servlet mapping can receive, as Servlet 6.0 §12.2 maps them.
 * A servlet carrying {@code @RequiredScope} behind a filter mapped to other paths runs without any token: the
 * annotation would guard nothing, so start-up fails instead.
 */
public final class FilterCoverage {
  private FilterCoverage() {}

  /** The servlet's url-patterns that the filter's patterns leave (at least partly) uncovered. */
  public static List<String> uncovered(Collection<String> filterPatterns, Collection<String> servletPatterns) {
    List<String> uncovered = new ArrayList<>();
    for (String servletPattern : servletPatterns) {
      if (filterPatterns.stream().noneMatch(filter -> covers(filter, servletPattern))) {
        uncovered.add(servletPattern);
      }
    }
    return uncovered;
  }

  static boolean covers(String filter, String servlet) {
    if (filter.equals("/*")) {
      return true;
    }
    if (filter.equals(servlet)) {
      return true;
    }
    if (servlet.isEmpty() || servlet.equals("/") || servlet.equals("/*")) {
      // The context root and the default servlet receive any path: only "/*" covers them.
      return false;
    }
    if (filter.endsWith("/*")) {
      String prefix = filter.substring(0, filter.length() - 2);
      String path = servlet.endsWith("/*") ? servlet.substring(0, servlet.length() - 2) : servlet;
      // An extension mapping (*.jsp) receives paths anywhere: a prefix filter does not cover it.
      return !servlet.startsWith("*.") && (path.equals(prefix) || path.startsWith(prefix + "/"));
    }
    if (filter.startsWith("*.")) {
      // An exact mapping ending in the extension is covered; prefix and other mappings are not.
      return !servlet.endsWith("/*") && !servlet.startsWith("*.") && servlet.endsWith(filter.substring(1))
          && servlet.lastIndexOf('.') > servlet.lastIndexOf('/');
    }
    return false;
  }
}
