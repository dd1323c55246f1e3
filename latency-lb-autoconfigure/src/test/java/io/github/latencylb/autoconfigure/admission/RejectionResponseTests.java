package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;

import io.github.latencylb.core.admission.AdmissionRejectedException;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RejectionResponse}.
 */
class RejectionResponseTests {

	@Test
	void rejectedShouldWrite503WithRetryAfterAndTheCause() {
		MockServerHttpResponse response = new MockServerHttpResponse();
		RejectionResponse.rejected(response, new AdmissionRejectedException(AdmissionRejectedException.Cause.TIMEOUT))
			.block(Duration.ofSeconds(1));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("1");
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(response.getBodyAsString().block(Duration.ofSeconds(1))).isEqualTo(
				"{\"status\":503,\"error\":\"queue_timeout\",\"message\":\"No instance tried had a free slot within the queue timeout\"}");
	}

	@Test
	void rejectedWhenTheResponseIsCommittedShouldPassTheErrorOn() {
		MockServerHttpResponse response = new MockServerHttpResponse();
		response.setComplete().block(Duration.ofSeconds(1));
		AdmissionRejectedException full = new AdmissionRejectedException(AdmissionRejectedException.Cause.FULL);
		assertThatExceptionOfType(AdmissionRejectedException.class)
			.isThrownBy(() -> RejectionResponse.rejected(response, full).block(Duration.ofSeconds(1)));
	}

	@Test
	void noInstanceShouldNameTheServiceWithoutQuotesAndLeave404ToGateway() {
		MockServerHttpResponse response = new MockServerHttpResponse();
		RejectionResponse.noInstance(response, "s\"v\\c", NotFoundException.create(false, "none"))
			.block(Duration.ofSeconds(1));
		assertThat(response.getBodyAsString().block(Duration.ofSeconds(1))).contains("\"error\":\"no_instance\"",
				"Service 'svc' has no available instance");
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		assertThatExceptionOfType(NotFoundException.class).isThrownBy(() -> RejectionResponse
			.noInstance(exchange.getResponse(), "svc", NotFoundException.create(true, "none"))
			.block(Duration.ofSeconds(1)));
		assertThat(exchange.getResponse().getStatusCode()).isNull();
	}

}
