package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The starter is built on tokengate's public API, as a user's own adapter would be: none of its classes refers to a
 * type in {@code dev.tokengate.internal}, which may change in any release. It reads each compiled class's constant
 * pool, where every type a class uses is named, so no import, fully qualified name or reflection string slips by.
 */
class StarterUsesPublicApiTest {
  private static final Pattern INTERNAL_TYPE = Pattern.compile("dev[/.]tokengate[/.]internal[/.][\\w/.$]+");

  /** Internal types the starter may use, each for a reason written here: none (the filter's module exports none). */
  private static final Set<String> ALLOWED = Set.of();

  @Test
  void starterClasses_referToNoInternalType() throws IOException, URISyntaxException {
    Path classes = Path.of(RequiredScopeInterceptor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(classes.resolve("dev/tokengate/spring/RequiredScopeInterceptor.class")).exists();

    Set<String> used = new TreeSet<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
        scanned++;
        // Class and member names sit in the constant pool as (modified) UTF-8; ASCII names read alike in Latin-1.
        Matcher internal = INTERNAL_TYPE.matcher(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        while (internal.find()) {
          String type = internal.group().replace('/', '.');
          if (!ALLOWED.contains(type)) {
            used.add(classes.relativize(file) + " -> " + type);
          }
        }
      }
    }
    assertThat(scanned).isGreaterThan(30);
    assertThat(used).as("starter classes using tokengate internals").isEmpty();
  }
}
