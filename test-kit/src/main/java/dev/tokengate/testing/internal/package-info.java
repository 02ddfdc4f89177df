/**
 * Bridges from the test kit to Nimbus JOSE+JWT types, for tokengate's own tests (which sign and inspect tokens with
 * Nimbus). Not part of the kit's API: no compatibility promise, and it may change or go with any release.
 */
package dev.tokengate.testing.internal;
