/**
 * Priority admission: request classification, per-instance bulkheads with priority
 * queues, and bounded retries on another instance.
 */
@NullMarked
package io.github.latencylb.autoconfigure.admission;

import org.jspecify.annotations.NullMarked;
