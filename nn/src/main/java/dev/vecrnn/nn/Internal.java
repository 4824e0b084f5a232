package dev.vecrnn.nn;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class or member that is public only because another package of this library uses it (the packages
 * depend one way: core, io, recurrent, layers, model, format, train). It is not part of the supported API: it
 * checks less than the public API does, and it may change or go without notice.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface Internal {
}
