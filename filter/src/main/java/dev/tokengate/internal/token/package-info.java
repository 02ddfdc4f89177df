/**
 * Nimbus wiring: parsing, the algorithm allow-list, header checks, signature verification and claim checks.
 * Internal: no compatibility promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.token;
