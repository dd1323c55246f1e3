/**
 * Priority admission: request classification, per-instance bulkheads with priority
 * queues, and bounded retries along the ring.
 */
@NullMarked
package io.github.latencylb.autoconfigure.admission;

import org.jspecify.annotations.NullMarked;
