/**
 * Actuator endpoint {@code latencylb}: what the scheduler of each service sees and why it
 * chooses, and draining of one instance.
 */
@NullMarked
package io.github.latencylb.autoconfigure.endpoint;

import org.jspecify.annotations.NullMarked;
