package dev.tokengate.internal.scope;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which servlet url-patterns a filter url-pattern covers entirely (Servlet 6.0 §12.2). */
class FilterCoverageTest {
  @ParameterizedTest(name = "filter {0} covers servlet {1}: {2}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      /*        | /orders/*      | true
      /*        | /              | true
      /*        | *.jsp          | true
      /api/*    | /api/orders/*  | true
      /api/*    | /api/orders    | true
      /api/*    | /api           | true
      /api/*    | /api/*         | true
      /api/*    | /apiary/*      | false
      /api/*    | /orders/*      | false
      /api/*    | *.jsp          | false
      /api/*    | /              | false
      /api/x    | /api/x         | true
      /api/x    | /api/*         | false
      *.do      | /a/b.do        | true
      *.do      | *.do           | true
      *.do      | /a/*           | false
      *.do      | /a.do/b        | false
      """)
  void covers(String filter, String servlet, boolean covered) {
    assertThat(FilterCoverage.covers(filter, servlet)).isEqualTo(covered);
  }
}
