/**
 * Small extension points of the filter: implement them to observe or extend what it does. Public and kept
 * compatible like {@code dev.tokengate}.
 */
package dev.tokengate.spi;
