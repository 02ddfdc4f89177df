/**
 * Logging that an operator cannot lose: messages that say whether tokengate works (its start-up summary, trouble
 * with the issuer's key server) go through SLF4J when a provider is bound, and through {@code java.util.logging},
 * which every JVM and servlet container has and routes to its log, when none is. Internal: no compatibility promise;
 * do not use from outside tokengate.
 */
package dev.tokengate.internal.log;
