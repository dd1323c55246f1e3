/**
 * State that latency-lb shows to operators, shared by the actuator endpoint and the
 * metrics so that neither depends on the other.
 */
@NullMarked
package io.github.latencylb.autoconfigure.state;

import org.jspecify.annotations.NullMarked;
