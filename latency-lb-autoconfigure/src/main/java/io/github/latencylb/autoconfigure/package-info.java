/**
 * Spring Boot auto-configuration and properties of latency-lb.
 */
@NullMarked
package io.github.latencylb.autoconfigure;

import org.jspecify.annotations.NullMarked;
