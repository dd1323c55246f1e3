/**
 * Benchmarks that reach package-private parts of the scheduling core (the flow table's
 * lookup alone), placed in the core's package; not part of the starter.
 */
@NullMarked
package io.github.latencylb.core;

import org.jspecify.annotations.NullMarked;
