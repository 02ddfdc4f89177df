package dev.tokengate.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a start-up failure caused by a {@code tokengate.*} property: which property, and how to fix it. */
final class TokenGateFailureAnalyzer extends AbstractFailureAnalyzer<InvalidTokenGatePropertyException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidTokenGatePropertyException cause) {
    String action = cause.action() != null ? cause.action()
        : "Correct the property '" + cause.property() + "' in your application configuration"
            + " (application.properties, application.yaml or the environment). Every tokengate.* property is listed"
            + " in the tokengate README.";
    return new FailureAnalysis("tokengate is misconfigured: " + cause.getMessage(), action, cause);
  }
}
