/**
 * The test kit's Spring Boot side: {@link dev.tokengate.testing.spring.AutoConfigureTestIssuer} starts a {@link
 * dev.tokengate.testing.TestIssuer} for the test's application context and points {@code tokengate.issuer} at it;
 * {@link dev.tokengate.testing.spring.Bearer} sends its tokens with MockMvc, {@code RestTestClient} or {@code
 * WebTestClient}.
 */
package dev.tokengate.testing.spring;
