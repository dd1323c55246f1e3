package io.github.latencylb.benchmarks.simulation;

import java.util.PriorityQueue;

/**
 * Discrete-event loop: actions run in time order, ties in the order they were scheduled,
 * and the {@link SimulatedClock} jumps to each action's time before it runs. Not
 * thread-safe.
 */
final class DiscreteEventLoop {

	private final SimulatedClock clock;

	private final PriorityQueue<Event> events = new PriorityQueue<>();

	private long sequence;

	DiscreteEventLoop(SimulatedClock clock) {
		this.clock = clock;
	}

	/**
	 * Run an action at an absolute time (now if that time has passed).
	 * @param atNanos when
	 * @param action what
	 */
	void at(long atNanos, Runnable action) {
		this.events.add(new Event(Math.max(atNanos, this.clock.nanoTime()), this.sequence++, action));
	}

	/**
	 * Run every action due up to {@code endNanos}, then leave the clock there.
	 * @param endNanos the end of the simulation
	 */
	void runUntil(long endNanos) {
		while (!this.events.isEmpty() && this.events.peek().at <= endNanos) {
			Event event = this.events.poll();
			this.clock.advanceTo(event.at);
			event.action.run();
		}
		this.clock.advanceTo(endNanos);
	}

	private record Event(long at, long sequence, Runnable action) implements Comparable<Event> {

		@Override
		public int compareTo(Event other) {
			int c = Long.compare(this.at, other.at);
			return (c != 0) ? c : Long.compare(this.sequence, other.sequence);
		}

	}

}
