package dev.tokengate.internal.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the text of a setting, as it arrives from {@code web.xml} init-params, into typed values. Every failure names
 * the setting and shows the accepted forms, because the message is what a user sees at start-up.
 */
public final class SettingValues {
  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  private SettingValues() {}

  /**
   * Parses a duration written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, a bare number of
   * seconds, or ISO-8601 ({@code PT30S}): the forms Spring Boot also accepts.
   */
  public static Duration duration(String setting, String text) {
    String value = text.strip();
    Matcher simple = SIMPLE_DURATION.matcher(value.toLowerCase(Locale.ROOT));
    if (simple.matches()) {
      long amount = Long.parseLong(simple.group(1));
      String unit = simple.group(2) == null ? "s" : simple.group(2);
      return switch (unit) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "Setting '" + setting + "' must be a duration such as 30s, 500ms, 5m or PT30S, was '" + value + "'");
    }
  }

  /** Parses {@code true} or {@code false}, case-insensitively; anything else is an error, never silently false. */
  public static boolean bool(String setting, String text) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    if (value.equals("true")) {
      return true;
    }
    if (value.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("Setting '" + setting + "' must be true or false, was '" + text.strip() + "'");
  }

  /** Parses a positive whole number. */
  public static int positiveInt(String setting, String text) {
    try {
      int value = Integer.parseInt(text.strip());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the setting's name
    }
    throw new IllegalArgumentException("Setting '" + setting + "' must be a positive whole number, was '" + text.strip()
        + "'");
  }

  /** Parses a whole number of zero or more. */
  public static int nonNegativeInt(String setting, String text) {
    try {
      int value = Integer.parseInt(text.strip());
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the setting's name
    }
    throw new IllegalArgumentException("Setting '" + setting + "' must be a whole number of 0 or more, was '"
        + text.strip() + "'");
  }

  /** Splits a list on commas and white space, dropping empty entries. */
  public static List<String> list(String text) {
    List<String> values = new ArrayList<>();
    for (String value : text.split("[,\\s]+")) {
      if (!value.isEmpty()) {
        values.add(value);
      }
    }
    return values;
  }

  /** Splits a list on commas and new lines only, for entries that themselves contain spaces. */
  public static List<String> lines(String text) {
    List<String> values = new ArrayList<>();
    for (String value : text.split("[,\\r\\n]+")) {
      if (!value.isBlank()) {
        values.add(value.strip());
      }
    }
    return values;
  }
}
