package dev.tokengate.spring;

import java.beans.PropertyDescriptor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.core.ResolvableType;

/**
 * The names {@link TokenGateProperties} binds, read from its JavaBean properties, so that a property added there is
 * known here without a second list. Names are compared as Spring Boot's relaxed binding does ({@code typ-policy},
 * {@code typPolicy}, {@code TYPPOLICY} are one name), so every spelling that binds is accepted.
 */
final class KnownPropertyNames {
  static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("tokengate");

  private static final Node ROOT = Node.bean(TokenGateProperties.class);

  private KnownPropertyNames() {}

  /** Why {@code name} (under {@code tokengate.}) does not bind, with the nearest known name; empty when it binds. */
  static Optional<Unknown> check(ConfigurationPropertyName name) {
    Node node = ROOT;
    StringBuilder known = new StringBuilder(PREFIX.toString());
    for (int i = PREFIX.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
      boolean indexed = name.isNumericIndex(i);
      switch (node.kind) {
        case MAP -> {
          return Optional.empty();
        }
        case LIST, BEAN_LIST -> {
          if (!indexed) {
            return Optional.of(new Unknown(name, null));
          }
          known.append('[').append(name.getElement(i, Form.ORIGINAL)).append(']');
          node = node.kind == Kind.LIST ? Node.LEAF : node.element;
        }
        case BEAN -> {
          String element = name.getElement(i, Form.UNIFORM);
          Node child = indexed ? null : node.children.get(element);
          if (child == null) {
            return Optional.of(new Unknown(name, suggest(node, known.toString(), name, i)));
          }
          known.append('.').append(node.dashed.get(element));
          node = child;
        }
        case LEAF -> {
          return Optional.of(new Unknown(name, null));
        }
      }
    }
    // A group on its own (e.g. an empty 'tokengate.filter:' in YAML) sets nothing; an unindexed list of beans is
    // what binding fails on anyway.
    return Optional.empty();
  }

  /** Every known name, dashed, for messages: {@code tokengate.issuers[].audiences}. */
  static List<String> all() {
    return ROOT.names(PREFIX.toString()).toList();
  }

  // The nearest child of 'bean' to the element at 'index', or to it joined with the elements after it: an
  // environment variable's '_' splits a dashed name (TOKENGATE_TYP_POLICY is tokengate.typ.policy).
  private static String suggest(Node bean, String parent, ConfigurationPropertyName name, int index) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    StringBuilder joined = new StringBuilder();
    for (int end = index; end < name.getNumberOfElements() && !name.isNumericIndex(end); end++) {
      joined.append(name.getElement(end, Form.UNIFORM));
      for (String candidate : bean.children.keySet()) {
        int distance = distance(candidate, joined.toString());
        if (distance <= Math.max(2, Math.min(candidate.length(), joined.length()) / 3) && distance < bestDistance) {
          bestDistance = distance;
          best = parent + "." + bean.dashed.get(candidate) + rest(name, end + 1);
        }
      }
    }
    return best;
  }

  private static String rest(ConfigurationPropertyName name, int from) {
    StringBuilder rest = new StringBuilder();
    for (int i = from; i < name.getNumberOfElements(); i++) {
      rest.append(name.isNumericIndex(i) ? "[" + name.getElement(i, Form.ORIGINAL) + "]"
          : "." + name.getElement(i, Form.DASHED));
    }
    return rest.toString();
  }

  // Optimal string alignment distance: a swapped pair of letters ('polciy') counts as one edit.
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** A name that binds to nothing, and the known name it probably meant. */
  record Unknown(ConfigurationPropertyName name, String suggestion) {}

  private enum Kind { LEAF, LIST, MAP, BEAN, BEAN_LIST }

  private static final class Node {
    static final Node LEAF = new Node(Kind.LEAF, null);

    final Kind kind;
    final Node element;
    final Map<String, Node> children = new LinkedHashMap<>();
    final Map<String, String> dashed = new LinkedHashMap<>();

    private Node(Kind kind, Node element) {
      this.kind = kind;
      this.element = element;
    }

    static Node bean(Class<?> type) {
      Node node = new Node(Kind.BEAN, null);
      for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
        if (property.getReadMethod() == null || property.getName().equals("class")) {
          continue;
        }
        ResolvableType propertyType = ResolvableType.forMethodReturnType(property.getReadMethod());
        String dashed = dashed(property.getName());
        String uniform = dashed.replace("-", "");
        node.children.put(uniform, of(propertyType));
        node.dashed.put(uniform, dashed);
      }
      return node;
    }

    private static Node of(ResolvableType type) {
      Class<?> raw = type.resolve(Object.class);
      if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
        Class<?> element = (raw.isArray() ? type.getComponentType() : type.asCollection().getGeneric(0))
            .resolve(Object.class);
        return isNested(element) ? new Node(Kind.BEAN_LIST, bean(element)) : new Node(Kind.LIST, null);
      }
      if (Map.class.isAssignableFrom(raw)) {
        return new Node(Kind.MAP, null);
      }
      return isNested(raw) ? bean(raw) : LEAF;
    }

    // The nested groups are TokenGateProperties' own member classes (Filter, Issuer, ...).
    private static boolean isNested(Class<?> type) {
      return type.getEnclosingClass() == TokenGateProperties.class && !type.isEnum();
    }

    private static String dashed(String camel) {
      StringBuilder dashed = new StringBuilder();
      for (char c : camel.toCharArray()) {
        if (Character.isUpperCase(c)) {
          dashed.append('-').append(Character.toLowerCase(c));
        } else {
          dashed.append(c);
        }
      }
      return dashed.toString().toLowerCase(Locale.ROOT);
    }

    Stream<String> names(String prefix) {
      return children.entrySet().stream().flatMap(entry -> {
        String name = prefix + "." + dashed.get(entry.getKey());
        Node child = entry.getValue();
        return switch (child.kind) {
          case BEAN -> child.names(name);
          case BEAN_LIST -> child.element.names(name + "[]");
          default -> Stream.of(name);
        };
      });
    }
  }
}
