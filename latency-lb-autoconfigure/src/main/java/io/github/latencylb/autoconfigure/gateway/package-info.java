/**
 * Spring Cloud Gateway global filters: flow key extraction and in-flight accounting.
 */
@NullMarked
package io.github.latencylb.autoconfigure.gateway;

import org.jspecify.annotations.NullMarked;
