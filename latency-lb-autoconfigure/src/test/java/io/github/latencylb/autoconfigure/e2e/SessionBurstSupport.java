package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the session-burst tests share: sessions homed on one instance, sent all at once,
 * round after round, while the other instances stand idle.
 */
abstract class SessionBurstSupport extends AdmissionEndToEndSupport {

	/**
	 * Find sessions whose first request went to the same instance (their home).
	 * @param client the client
	 * @param count how many
	 * @return the home and the sessions
	 */
	static Homed sessionsHomedTogether(HttpClient client, int count) {
		String home = send(client, "session-0").block(Duration.ofSeconds(10)).instance();
		List<String> sessions = new ArrayList<>(List.of("session-0"));
		for (int i = 1; i < 500 && sessions.size() < count; i++) {
			if (send(client, "session-" + i).block(Duration.ofSeconds(10)).instance().equals(home)) {
				sessions.add("session-" + i);
			}
		}
		assertThat(sessions).hasSize(count);
		return new Homed(home, sessions);
	}

	/**
	 * Send one request of every session at once, {@code rounds} times.
	 * @param client the client
	 * @param sessions the sessions
	 * @param rounds how many rounds
	 * @return how many requests each instance served, and the slowest request
	 */
	static Bursts burst(HttpClient client, List<String> sessions, int rounds) {
		Map<String, Long> servedBy = new TreeMap<>();
		long slowest = 0;
		for (int round = 0; round < rounds; round++) {
			List<Answer> answers = Flux.fromIterable(sessions)
				.flatMap((session) -> send(client, session), sessions.size())
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(answers).hasSize(sessions.size());
			for (Answer answer : answers) {
				servedBy.merge(answer.instance(), 1L, Long::sum);
				slowest = Math.max(slowest, answer.millis());
			}
		}
		return new Bursts(servedBy, slowest);
	}

	/**
	 * One request of a session.
	 * @param client the client
	 * @param session the session cookie
	 * @return the instance that served it and how long it took; an error unless it was a
	 * 200
	 */
	static Mono<Answer> send(HttpClient client, String session) {
		return Mono.defer(() -> {
			long sent = System.nanoTime();
			return client.headers((h) -> h.set("Cookie", "SESSION=" + session))
				.get()
				.uri("/work")
				.responseSingle((response, body) -> body.asString().defaultIfEmpty("").flatMap((text) -> {
					String instance = response.responseHeaders().get("X-Instance");
					return (response.status().code() == 200 && instance != null)
							? Mono.just(new Answer(instance, Duration.ofNanos(System.nanoTime() - sent).toMillis()))
							: Mono.error(new IllegalStateException(session + ": " + response.status() + " " + text));
				}));
		}).timeout(Duration.ofSeconds(15));
	}

	record Homed(String home, List<String> sessions) {

	}

	record Bursts(Map<String, Long> servedBy, long slowestMillis) {

	}

	record Answer(String instance, long millis) {

	}

}
