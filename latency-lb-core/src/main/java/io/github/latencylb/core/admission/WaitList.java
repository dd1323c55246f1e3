package io.github.latencylb.core.admission;

import java.util.Collections;
import java.util.Comparator;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * The waiters of one {@link PriorityAdmissionQueue}, indexed twice: by service order
 * (priority class, then offset, then arrival sequence) and by deadline, with a count per
 * class. Not thread-safe: guarded by the queue's lock.
 */
final class WaitList {

	/**
	 * Service order: lower class first, then lower offset, then first come.
	 */
	static final Comparator<Ticket> SERVICE_ORDER = Comparator.comparingInt(Ticket::priorityClass)
		.thenComparingInt(Ticket::offset)
		.thenComparingLong((ticket) -> ticket.sequence);

	private static final Comparator<Ticket> DEADLINE_ORDER = Comparator
		.comparingLong((Ticket ticket) -> ticket.deadlineNanos)
		.thenComparingLong((ticket) -> ticket.sequence);

	private final TreeSet<Ticket> byService = new TreeSet<>(SERVICE_ORDER);

	private final TreeSet<Ticket> byDeadline = new TreeSet<>(DEADLINE_ORDER);

	private final TreeMap<Integer, Integer> byClass = new TreeMap<>();

	/**
	 * The number of waiters, published for readers without the lock (every scheduling
	 * decision asks whether its candidates have waiters).
	 */
	private volatile int published;

	void add(Ticket ticket) {
		this.byService.add(ticket);
		this.byDeadline.add(ticket);
		this.byClass.merge(ticket.priorityClass(), 1, Integer::sum);
		this.published = this.byService.size();
	}

	boolean remove(Ticket ticket) {
		if (!this.byService.remove(ticket)) {
			return false;
		}
		this.byDeadline.remove(ticket);
		this.byClass.computeIfPresent(ticket.priorityClass(), (key, count) -> (count > 1) ? count - 1 : null);
		this.published = this.byService.size();
		return true;
	}

	@Nullable Ticket peekFirst() {
		return this.byService.isEmpty() ? null : this.byService.first();
	}

	@Nullable Ticket peekLast() {
		return this.byService.isEmpty() ? null : this.byService.last();
	}

	@Nullable Ticket pollFirst() {
		return this.byService.isEmpty() ? null : removeFirst();
	}

	/**
	 * Remove and return the head.
	 * @return the head
	 * @throws java.util.NoSuchElementException if empty
	 */
	Ticket removeFirst() {
		Ticket first = this.byService.first();
		remove(first);
		return first;
	}

	/**
	 * Remove and return the waiter with the earliest deadline if that deadline is
	 * {@code <= nowNanos}.
	 * @param nowNanos the current time
	 * @return the overdue waiter, or {@code null}
	 */
	@Nullable Ticket pollOverdue(long nowNanos) {
		if (this.byDeadline.isEmpty() || this.byDeadline.first().deadlineNanos > nowNanos) {
			return null;
		}
		Ticket overdue = this.byDeadline.first();
		remove(overdue);
		return overdue;
	}

	int count(int priorityClass) {
		Integer count = this.byClass.get(priorityClass);
		return (count != null) ? count : 0;
	}

	int size() {
		return this.byService.size();
	}

	/**
	 * Return the number of waiters as of the last change: safe to read without the lock.
	 * @return the number of waiters
	 */
	int publishedSize() {
		return this.published;
	}

	SortedMap<Integer, Integer> countsByClass() {
		return Collections.unmodifiableSortedMap(new TreeMap<>(this.byClass));
	}

}
