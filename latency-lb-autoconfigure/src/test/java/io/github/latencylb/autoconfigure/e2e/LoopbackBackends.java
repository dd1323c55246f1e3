package io.github.latencylb.autoconfigure.e2e;

import java.util.List;

/**
 * HTTP backends on loopback that an end-to-end test starts and stops.
 */
interface LoopbackBackends extends AutoCloseable {

	/**
	 * Return the ports the backends listen on, in order.
	 * @return the ports
	 */
	List<Integer> ports();

	/**
	 * Return the ids of the instances the backends are, in order.
	 * @return {@code 127.0.0.1:<port>} of each
	 */
	default List<String> instanceIds() {
		return ports().stream().map((port) -> "127.0.0.1:" + port).toList();
	}

	@Override
	void close();

}
