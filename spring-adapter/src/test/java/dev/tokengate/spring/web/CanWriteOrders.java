package dev.tokengate.spring.web;

import dev.tokengate.RequiredScope;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A user's own annotation, meta-annotated: what the starter must honour. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@RequiredScope("orders:write")
@interface CanWriteOrders {}
