package io.github.latencylb.core;

/**
 * Why an existing flow left the instance it was recorded on. Every move has a cause: with
 * a healthy, steady fleet no flow moves.
 */
public enum MoveCause {

	/** Its instance became slow (latency factor or stuck request). */
	SLOW("slow"),

	/** Its instance left the fleet or was ejected. */
	UNAVAILABLE("unavailable"),

	/** A retry after a failed attempt placed it on another instance. */
	RETRY("retry");

	private final String tag;

	MoveCause(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the lower-case name used in metrics and endpoints.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}
