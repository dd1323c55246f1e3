package io.github.latencylb.autoconfigure.admission;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link GatewayExchanges#isEventStream}: what parsing the media type would say, without
 * parsing the media types that cannot be an event stream.
 */
class GatewayExchangesTests {

	@Test
	void eventStreamTypesShouldBeStreamsWhateverTheirCaseAndParameters() {
		assertThat(isEventStream("text/event-stream")).isTrue();
		assertThat(isEventStream("text/event-stream;charset=UTF-8")).isTrue();
		assertThat(isEventStream("TEXT/Event-Stream")).isTrue();
	}

	@Test
	void wildcardsCompatibleWithEventStreamsShouldBeStreams() {
		assertThat(isEventStream("text/*")).isTrue();
		assertThat(isEventStream("*/*")).isTrue();
		assertThat(isEventStream("application/*")).isFalse();
	}

	@Test
	void otherTypesShouldNotBeStreams() {
		assertThat(isEventStream(null)).isFalse();
		assertThat(isEventStream("")).isFalse();
		assertThat(isEventStream("text/html;charset=UTF-8")).isFalse();
		assertThat(isEventStream("application/json")).isFalse();
		assertThat(isEventStream("application/json;profile=\"event-stream\"")).isFalse();
	}

	@Test
	void malformedTypesShouldNotBeStreams() {
		assertThat(isEventStream("text/event-stream;=")).isFalse();
	}

	private static boolean isEventStream(String contentType) {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		if (contentType != null) {
			exchange.getResponse().getHeaders().set(HttpHeaders.CONTENT_TYPE, contentType);
		}
		return GatewayExchanges.isEventStream(exchange);
	}

}
