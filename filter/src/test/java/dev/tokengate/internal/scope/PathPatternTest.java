package dev.tokengate.internal.scope;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Matching as Servlet 6.0 §12.2 maps a request path to a url-pattern. */
class PathPatternTest {
  @ParameterizedTest(name = "{0} vs {1}")
  @CsvSource(delimiter = '|', textBlock = """
      /health        | /health                 | true
      /health        | /health/                | false
      /health        | /healthz                | false
      /api/*         | /api                    | true
      /api/*         | /api/                   | true
      /api/*         | /api/x/y                | true
      /api/*         | /apix                   | false
      /api/*         | /ap                     | false
      *.csv          | /open/report.csv        | true
      *.csv          | /open/report.2024.csv   | true
      *.csv          | /report.csv             | true
      *.csv          | /open/.csv              | true
      *.csv          | /open/report.csv.bak    | false
      *.csv          | /open/report.csv/x      | false
      *.csv          | /open.csv/report        | false
      *.csv          | /open/reportcsv         | false
      *.csv          | /open/report.xcsv       | false
      *.csv          | /open/report.CSV        | false
      *.gz           | /x/archive.tar.gz       | true
      /              | /anything/at/all        | true
      /*             | /anything/at/all        | true
      """)
  void matchesAsTheServletSpecMaps(String pattern, String path, boolean matches) {
    assertThat(PathPattern.of(pattern).matches(path)).isEqualTo(matches);
  }
}
