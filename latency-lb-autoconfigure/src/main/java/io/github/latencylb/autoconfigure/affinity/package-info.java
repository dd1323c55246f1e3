/**
 * Sharing of pins between gateway replicas through Redis, off the request path.
 */
@NullMarked
package io.github.latencylb.autoconfigure.affinity;

import org.jspecify.annotations.NullMarked;
