package io.github.latencylb.core;

import java.util.PriorityQueue;

/**
 * Discrete-event loop on a {@link FakeClock}: actions run in time order (ties in the
 * order they were scheduled), and the clock jumps to each action's time before it runs.
 * Not thread-safe.
 */
final class EventLoop {

	private final FakeClock clock;

	private final PriorityQueue<Event> queue = new PriorityQueue<>();

	private long sequence;

	EventLoop(FakeClock clock) {
		this.clock = clock;
	}

	/**
	 * Run an action after a delay from now.
	 */
	void after(long delayNanos, Runnable action) {
		this.queue.add(new Event(this.clock.nanoTime() + Math.max(0, delayNanos), this.sequence++, action));
	}

	/**
	 * Run every action due up to {@code delayNanos} from now, then leave the clock there.
	 */
	void runFor(long delayNanos) {
		long end = this.clock.nanoTime() + delayNanos;
		while (!this.queue.isEmpty() && this.queue.peek().at - end <= 0) {
			Event event = this.queue.poll();
			this.clock.advanceTo(event.at);
			event.action.run();
		}
		this.clock.advanceTo(end);
	}

	/**
	 * Run until no action is left.
	 */
	void drain() {
		while (!this.queue.isEmpty()) {
			Event event = this.queue.poll();
			this.clock.advanceTo(event.at);
			event.action.run();
		}
	}

	private record Event(long at, long sequence, Runnable action) implements Comparable<Event> {

		@Override
		public int compareTo(Event other) {
			int c = Long.compare(this.at - other.at, 0);
			return (c != 0) ? c : Long.compare(this.sequence, other.sequence);
		}

	}

}
