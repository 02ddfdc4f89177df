package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The generated metadata is what IDEs show: every filter setting is a property, and every property is explained. */
class ConfigurationMetadataTest {
  @Test
  void everyFilterSetting_isAPropertyWithADescription() throws IOException {
    Map<String, JsonNode> properties = properties();
    for (String setting : TokenGateConfig.settingNames()) {
      assertThat(properties).as("tokengate.%s", setting).containsKey("tokengate." + setting);
    }
    assertThat(properties).containsKeys("tokengate.issuers", "tokengate.filter.url-patterns", "tokengate.filter.order");
    properties.forEach((name, property) ->
        assertThat(property.path("description").asString("")).as(name).isNotBlank());
  }

  @Test
  void defaults_areDocumented() throws IOException {
    Map<String, JsonNode> properties = properties();
    assertThat(properties.get("tokengate.clock-skew").path("defaultValue").asString()).isEqualTo("60s");
    assertThat(properties.get("tokengate.filter.order").path("defaultValue").asInt()).isEqualTo(-110);
    assertThat(properties.get("tokengate.scope-claims").path("defaultValue").toString()).isEqualTo("[\"scope\",\"scp\"]");
    assertThat(properties.get("tokengate.jwks-refresh-burst").path("defaultValue").asInt()).isEqualTo(2);
    assertThat(properties.get("tokengate.jwks-snapshot-directory").path("type").asString()).isEqualTo("java.nio.file.Path");
  }

  private static Map<String, JsonNode> properties() throws IOException {
    try (InputStream json = ConfigurationMetadataTest.class.getResourceAsStream(
        "/META-INF/spring-configuration-metadata.json")) {
      assertThat(json).isNotNull();
      Map<String, JsonNode> properties = new LinkedHashMap<>();
      for (JsonNode property : new ObjectMapper().readTree(json).path("properties")) {
        properties.put(property.path("name").asString(), property);
      }
      return properties;
    }
  }
}
