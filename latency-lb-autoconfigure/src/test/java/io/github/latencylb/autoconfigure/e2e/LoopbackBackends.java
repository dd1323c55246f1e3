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

	@Override
	void close();

}
