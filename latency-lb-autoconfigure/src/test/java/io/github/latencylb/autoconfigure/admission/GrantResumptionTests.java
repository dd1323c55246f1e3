package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link GrantResumption}: a waiter resumes on its own executor, and a grant that cannot
 * reach it gives its permit back.
 */
class GrantResumptionTests {

	@Test
	void grantIsDeliveredOnTheRequestsExecutorNotOnTheFreeingThread() throws Exception {
		ExecutorService own = Executors.newSingleThreadExecutor((task) -> new Thread(task, "own-loop"));
		try {
			Sinks.One<String> grant = Sinks.one();
			AtomicReference<String> resumedOn = new AtomicReference<>();
			AtomicInteger givenBack = new AtomicInteger();
			Mono<String> resumed = GrantResumption.resumeOn(grant.asMono(), own, givenBack::incrementAndGet)
				.doOnNext((granted) -> resumedOn.set(Thread.currentThread().getName()));
			Thread freeing = new Thread(() -> grant.tryEmitValue("permit"), "freeing");
			Mono<String> result = resumed.cache();
			result.subscribe();
			freeing.start();
			freeing.join();
			assertThat(result.block(Duration.ofSeconds(5))).isEqualTo("permit");
			assertThat(resumedOn.get()).isEqualTo("own-loop");
			assertThat(givenBack).hasValue(0);
		}
		finally {
			own.shutdownNow();
		}
	}

	@Test
	void grantThatCannotReachAShutExecutorGivesThePermitBack() {
		ExecutorService own = Executors.newSingleThreadExecutor();
		own.shutdown();
		AtomicInteger givenBack = new AtomicInteger();
		Mono<String> resumed = GrantResumption.resumeOn(Mono.just("permit"), own, givenBack::incrementAndGet);
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> resumed.block(Duration.ofSeconds(5)));
		assertThat(givenBack).hasValue(1);
	}

	@Test
	void withoutExecutorTheGrantGoesOnWhereItCompletes() {
		Mono<String> grant = Mono.just("permit");
		assertThat(GrantResumption.resumeOn(grant, null, () -> {
		})).isSameAs(grant);
	}

}
