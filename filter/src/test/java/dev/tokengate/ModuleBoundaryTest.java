package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user's own module can see of tokengate: javac compiles a small user module against the filter's module
 * (this build's classes, with its module-info) and its dependencies on the module path.
 */
class ModuleBoundaryTest {
  @TempDir Path work;

  @Test
  void userModule_compilesAgainstThePublicApiAndSpi() throws Exception {
    String result = compileUserModule("""
        package com.example.orders;

        import dev.tokengate.BearerResponses;
        import dev.tokengate.RequiredScope;
        import dev.tokengate.ScopeRequirement;
        import dev.tokengate.TokenGateConfig;
        import dev.tokengate.TokenGateFilter;
        import dev.tokengate.TokenValidator;
        import dev.tokengate.spi.ValidationListener;

        public class Protect {
          public TokenGateFilter filter() {
            ValidationListener listener = new ValidationListener() {};
            TokenGateConfig config = TokenGateConfig.builder().issuer("https://issuer.example").audiences("api").build();
            return new TokenGateFilter(TokenValidator.create(config), listener);
          }

          // What a framework adapter needs to enforce @RequiredScope as the filter does, all public API.
          public BearerResponses responses(RequiredScope annotation) {
            ScopeRequirement requirement = ScopeRequirement.of(annotation);
            return BearerResponses.forRealm("api");
          }
        }
        """);
    assertThat(result).isEqualTo("compiled");
  }

  @Test
  void userModule_cannotUseAnInternalType() throws Exception {
    String result = compileUserModule("""
        package com.example.orders;

        import dev.tokengate.internal.http.ErrorResponses;

        public class Sneak {
          ErrorResponses responses = new ErrorResponses("api");
        }
        """);
    assertThat(result).contains("package dev.tokengate.internal.http is not visible",
        "package dev.tokengate.internal.http is declared in module dev.tokengate, which does not export it");
  }

  @Test
  void userModule_cannotUseTheScopePackage_exportedToNoModule() throws Exception {
    String result = compileUserModule("""
        package com.example.orders;

        public class Sneak {
          Object resolver = dev.tokengate.internal.scope.ServletScopeResolver.class;
        }
        """);
    assertThat(result).contains("package dev.tokengate.internal.scope is not visible",
        "package dev.tokengate.internal.scope is declared in module dev.tokengate, which does not export it");
  }

  @Test
  void userModule_cannotUseAnUnexportedInternalPackage() throws Exception {
    String result = compileUserModule("""
        package com.example.orders;

        public class Sneak {
          Object verifier = dev.tokengate.internal.token.AccessTokenVerifier.class;
        }
        """);
    assertThat(result).contains("package dev.tokengate.internal.token is not visible",
        "package dev.tokengate.internal.token is declared in module dev.tokengate, which does not export it");
  }

  /** Compiles module com.example.orders (requires dev.tokengate) with one class; "compiled" or javac's messages. */
  private String compileUserModule(String javaSource) throws IOException, URISyntaxException {
    Path source = work.resolve("src");
    Path packageDir = source.resolve("com/example/orders");
    Files.createDirectories(packageDir);
    Files.writeString(source.resolve("module-info.java"),
        "module com.example.orders {\n  requires dev.tokengate;\n}\n");
    String className = javaSource.replaceAll("(?s).*public class (\\w+).*", "$1");
    Files.writeString(packageDir.resolve(className + ".java"), javaSource);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter messages = new StringWriter();
    // An empty class path: javac would otherwise take this JVM's, where every tokengate class is visible.
    Path emptyClassPath = Files.createDirectories(work.resolve("empty"));
    List<String> options = List.of("--module-path", modulePath(), "--class-path", emptyClassPath.toString(),
        "-d", work.resolve("out").toString(), "-Xlint:none", "-proc:none");
    List<Path> sources;
    try (Stream<Path> files = Files.walk(source)) {
      sources = files.filter(file -> file.toString().endsWith(".java")).collect(Collectors.toList());
    }
    boolean compiled;
    try (StandardJavaFileManager fileManager = javac.getStandardFileManager(null, null, null)) {
      compiled = javac.getTask(messages, fileManager, null, options, null,
          fileManager.getJavaFileObjectsFromPaths(sources)).call();
    }
    return compiled ? "compiled" : messages.toString();
  }

  /** The filter's module (the directory holding module-info.class) and the modules it requires. */
  private static String modulePath() throws URISyntaxException {
    Path filterModule = Path.of(TokenGateFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(filterModule.resolve("module-info.class")).exists();
    List<String> entries = new ArrayList<>(List.of(filterModule.toString()));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.matches("(jakarta\\.servlet-api|nimbus-jose-jwt|caffeine|slf4j-api)-[0-9].*\\.jar")) {
        entries.add(entry);
      }
    }
    assertThat(entries).hasSize(5);
    return String.join(File.pathSeparator, entries);
  }
}
