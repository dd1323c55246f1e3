package io.github.latencylb.autoconfigure.admission;

import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Moves a request that waited for its permit back to its own event loop. A permit is
 * granted on the thread that freed it: inside another request's response (its commit, or
 * the end of its body), on that request's event loop. Left there, the waiter's whole
 * filter chain (for a WebSocket upgrade, its handshake, and the next waiter's grant when
 * it gives its permit back at the upgrade) would run nested in the other request's
 * callback, on an event loop its connection does not belong to. Resumed on its own event
 * loop, a waiter runs where it would have run had it been admitted at once.
 */
final class GrantResumption {

	private GrantResumption() {
	}

	/**
	 * Deliver the grant on {@code executor}. If the grant cannot reach it (the executor
	 * refuses the task, e.g. shut down), {@code giveBack} returns the permit and the
	 * error goes on.
	 * @param <T> the grant's type
	 * @param grant the grant
	 * @param executor the request's event loop, or {@code null} to resume where the grant
	 * completes
	 * @param giveBack returns the permit of a grant that was never delivered (does
	 * nothing once the permit is held or gone)
	 * @return the grant, signalled on {@code executor}
	 */
	static <T> Mono<T> resumeOn(Mono<T> grant, @Nullable Executor executor, Runnable giveBack) {
		if (executor == null) {
			return grant;
		}
		return grant.publishOn(Schedulers.fromExecutor(executor)).doOnError((ex) -> giveBack.run());
	}

}
