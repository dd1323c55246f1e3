package io.github.latencylb.core;

/**
 * When a topology listener (see {@link Scheduler#addTopologyListener}) learns of a new
 * instance set.
 */
public enum TopologyPhase {

	/**
	 * Before the set is published: what the listener creates for new instances (admission
	 * queues, stream limits) exists before any decision can name one of them.
	 */
	BEFORE_PUBLICATION,

	/**
	 * Once the set is published, so that the listener can use it (e.g. apply pins waiting
	 * for an instance).
	 */
	PUBLISHED

}
