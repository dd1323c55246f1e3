/**
 * Per-instance admission control: concurrency permits and a priority queue of waiters
 * with direct hand-off, in the manner of HAProxy's {@code maxconn} and
 * {@code timeout queue}.
 */
@NullMarked
package io.github.latencylb.core.admission;

import org.jspecify.annotations.NullMarked;
