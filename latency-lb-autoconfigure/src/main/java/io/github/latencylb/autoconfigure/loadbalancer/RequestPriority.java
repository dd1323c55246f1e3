package io.github.latencylb.autoconfigure.loadbalancer;

/**
 * The priority of one request in admission queues: its class and its offset within the
 * class, set by the global classification unless a route set them, and whether the
 * request is a health check. Part of the {@link LatencyLbRequestContext}.
 */
public final class RequestPriority {

	private int priorityClass;

	private int offset;

	private boolean overridden;

	private boolean healthCheck;

	RequestPriority() {
	}

	/**
	 * Set the priority from the global classification: the class and offset apply unless
	 * a route set them ({@link #override}).
	 * @param priorityClass the class, lower is served first
	 * @param offset the order within the class
	 * @param healthCheck whether the request is a health check
	 */
	public void classify(int priorityClass, int offset, boolean healthCheck) {
		if (!this.overridden) {
			this.priorityClass = priorityClass;
			this.offset = offset;
		}
		this.healthCheck = healthCheck;
	}

	/**
	 * Set the class and offset from a route, overriding the global classification.
	 * @param priorityClass the class
	 * @param offset the offset
	 */
	public void override(int priorityClass, int offset) {
		this.overridden = true;
		this.priorityClass = priorityClass;
		this.offset = offset;
	}

	/**
	 * Return the class.
	 * @return the class, lower is served first
	 */
	public int getPriorityClass() {
		return this.priorityClass;
	}

	/**
	 * Return the offset within the class.
	 * @return the offset, lower is served first
	 */
	public int getOffset() {
		return this.offset;
	}

	/**
	 * Return whether the request is a health check.
	 * @return whether it is one
	 */
	public boolean isHealthCheck() {
		return this.healthCheck;
	}

}
