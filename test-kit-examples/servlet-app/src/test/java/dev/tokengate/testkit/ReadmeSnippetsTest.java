package dev.tokengate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's "Testing your API" shows whole files, each after a {@code <!-- file: path -->} marker. The build compiles
 * and runs those files (the example modules), and this test holds the README to them: every marked block equals its
 * file byte for byte, and every file of the example projects is shown, so neither can drift from the other.
 */
class ReadmeSnippetsTest {
  private static final Path REPOSITORY = Path.of("../..").toAbsolutePath().normalize();
  private static final Pattern MARKED_BLOCK =
      Pattern.compile("<!-- file: (\\S+) -->\n```\\w*\n(.*?)```\n", Pattern.DOTALL);

  @Test
  void everyMarkedBlock_isItsFileVerbatim() throws IOException {
    Map<String, String> blocks = markedBlocks();
    assertThat(blocks).isNotEmpty();
    blocks.forEach((path, block) -> {
      try {
        assertThat(block).as(path).isEqualTo(Files.readString(REPOSITORY.resolve(path)));
      } catch (IOException e) {
        throw new AssertionError("README shows " + path + ", which does not exist", e);
      }
    });
  }

  @Test
  void everyFileOfTheExampleProjects_isShown() throws IOException {
    TreeSet<String> projectFiles = new TreeSet<>();
    for (String app : new String[] {"servlet-app", "spring-app"}) {
      Path base = REPOSITORY.resolve("test-kit-examples").resolve(app);
      projectFiles.add("test-kit-examples/" + app + "/user-pom.xml");
      try (Stream<Path> files = Files.walk(base.resolve("src"))) {
        files.filter(Files::isRegularFile)
            // This project's own checks of the kit, not part of the user's project.
            .filter(file -> !file.toString().contains("/dev/tokengate/testkit/"))
            .forEach(file -> projectFiles.add(REPOSITORY.relativize(file).toString()));
      }
    }
    assertThat(new TreeSet<>(markedBlocks().keySet())).isEqualTo(projectFiles);
  }

  @Test
  void theMarkersAreFound_soTheChecksAboveCannotPassOnNothing() throws IOException {
    assertThat(markedBlocks().keySet().stream().filter(path -> path.endsWith("OrdersApiTest.java"))
        .collect(Collectors.toList())).hasSize(2);
  }

  private static Map<String, String> markedBlocks() throws IOException {
    String readme = Files.readString(REPOSITORY.resolve("README.md"));
    Map<String, String> blocks = new LinkedHashMap<>();
    Matcher matcher = MARKED_BLOCK.matcher(readme);
    while (matcher.find()) {
      assertThat(blocks.put(matcher.group(1), matcher.group(2))).as("shown twice: " + matcher.group(1)).isNull();
    }
    return blocks;
  }
}
