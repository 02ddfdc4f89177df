/**
 * Scope requirements: path rules and {@link dev.tokengate.RequiredScope} on servlets. Internal: no compatibility
 * promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.scope;
