package io.github.latencylb.benchmarks.simulation;

import io.github.latencylb.core.NanoClock;

/**
 * Simulated time: a {@link NanoClock} that only moves when the event loop advances it.
 * Not thread-safe (the simulation is single-threaded).
 */
public final class SimulatedClock implements NanoClock {

	private long now;

	@Override
	public long nanoTime() {
		return this.now;
	}

	/**
	 * Move the clock forward.
	 * @param nanos the new time, never before the current one
	 */
	void advanceTo(long nanos) {
		if (nanos < this.now) {
			throw new IllegalStateException("Time cannot go back from " + this.now + " to " + nanos);
		}
		this.now = nanos;
	}

}
