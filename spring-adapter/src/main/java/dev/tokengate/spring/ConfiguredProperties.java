package dev.tokengate.spring;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The {@code tokengate.*} names an application sets, from every property source of its Environment (files, command
 * line, system properties, environment variables, test properties), as Spring Boot's binder sees them.
 */
final class ConfiguredProperties {
  /**
   * Kubernetes gives every pod {@code <SERVICE>_SERVICE_HOST}, {@code <SERVICE>_PORT_443_TCP_ADDR}, ... for each
   * Service in its namespace: a Service named {@code tokengate} or {@code tokengate-x} would otherwise be read as
   * unknown tokengate properties and stop the application from starting.
   */
  private static final Pattern SERVICE_LINK = Pattern.compile(
      "TOKENGATE(_[A-Z0-9]+)*_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

  private ConfiguredProperties() {}

  /** One name as the user wrote it, and as the binder reads it. */
  record Property(ConfigurationPropertyName name, String written) {
    /** How to show it in a message: the property, or the environment variable. */
    String describe() {
      return written.equals(name.toString()) ? "'" + written + "'" : "'" + name + "' (" + written + ")";
    }
  }

  /** Every {@code tokengate.*} name set in {@code environment}, each once, in property-source order. */
  static List<Property> of(Environment environment) {
    Map<ConfigurationPropertyName, Property> found = new LinkedHashMap<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource variables) {
        for (String variable : variables.getPropertyNames()) {
          if (variable.toUpperCase(Locale.ROOT).startsWith("TOKENGATE_")
              && !SERVICE_LINK.matcher(variable.toUpperCase(Locale.ROOT)).matches()) {
            for (ConfigurationPropertyName name : names(variables, variable)) {
              found.putIfAbsent(name, new Property(name, "environment variable " + variable));
            }
          }
        }
      } else if (source instanceof IterableConfigurationPropertySource iterable) {
        iterable.stream().filter(KnownPropertyNames.PREFIX::isAncestorOf)
            .forEach(name -> found.putIfAbsent(name, new Property(name, name.toString())));
      }
    }
    return new ArrayList<>(found.values());
  }

  // Boot's own mapping of one variable (TOKENGATE_ISSUERS_0_ISSUER is tokengate.issuers[0].issuer).
  private static List<ConfigurationPropertyName> names(SystemEnvironmentPropertySource variables, String variable) {
    PropertySource<?> one = new SystemEnvironmentPropertySource(variables.getName(),
        Map.of(variable, String.valueOf(variables.getProperty(variable))));
    List<ConfigurationPropertyName> names = new ArrayList<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.from(one)) {
      if (source instanceof IterableConfigurationPropertySource iterable) {
        iterable.stream().filter(KnownPropertyNames.PREFIX::isAncestorOf).forEach(names::add);
      }
    }
    return names;
  }
}
