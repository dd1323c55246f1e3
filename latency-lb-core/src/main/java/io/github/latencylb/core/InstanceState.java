package io.github.latencylb.core;

/**
 * Life-cycle state of an instance as the scheduler sees it.
 */
public enum InstanceState {

	/** Newly seen: its weight is still ramping up (slow start). */
	WARMING,

	/** Serving with its full weight. */
	ACTIVE,

	/** Takes no new flow and no keyless request; its existing flows stay until idle. */
	DRAINING,

	/** Failed repeatedly: takes no traffic until its ejection interval ends. */
	EJECTED

}
