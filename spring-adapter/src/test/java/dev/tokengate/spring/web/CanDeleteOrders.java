package dev.tokengate.spring.web;

import dev.tokengate.RequiredScope;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A meta-annotation naming a scope the test tokens lack. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@RequiredScope("orders:delete")
@interface CanDeleteOrders {}
