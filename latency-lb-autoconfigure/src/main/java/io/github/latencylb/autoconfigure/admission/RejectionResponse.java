package io.github.latencylb.autoconfigure.admission;

import java.nio.charset.StandardCharsets;

import io.github.latencylb.core.admission.AdmissionRejectedException;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;

/**
 * Writes the 503 of a request that latency-lb turns away: {@code Retry-After: 1} and a
 * short JSON body naming the cause ({@code queue_full}, {@code queue_timeout} or
 * {@code no_instance}). A response already committed is left alone (the error goes on).
 */
public final class RejectionResponse {

	private RejectionResponse() {
	}

	/**
	 * Answer a request that admission turned away on every instance tried.
	 * @param response the response
	 * @param rejected the rejection
	 * @return completes when written; the rejection if the response was committed
	 */
	public static Mono<Void> rejected(ServerHttpResponse response, AdmissionRejectedException rejected) {
		if (response.isCommitted()) {
			return Mono.error(rejected);
		}
		boolean full = rejected.cause() == AdmissionRejectedException.Cause.FULL;
		return unavailable(response, full ? "queue_full" : "queue_timeout",
				full ? "Every instance tried was at its concurrency limit with a full queue"
						: "No instance tried had a free slot within the queue timeout");
	}

	/**
	 * Answer a request whose service had no instance to choose (Gateway's 503). A 404
	 * configured through {@code spring.cloud.gateway.loadbalancer.use404} is left to
	 * Gateway.
	 * @param response the response
	 * @param serviceId the service
	 * @param ex the error Gateway raised
	 * @return completes when written; the error if left to Gateway
	 */
	public static Mono<Void> noInstance(ServerHttpResponse response, String serviceId, NotFoundException ex) {
		if (response.isCommitted() || ex.getStatusCode().value() != HttpStatus.SERVICE_UNAVAILABLE.value()) {
			return Mono.error(ex);
		}
		return unavailable(response, "no_instance",
				"Service '" + serviceId.replace("\"", "").replace("\\", "") + "' has no available instance");
	}

	private static Mono<Void> unavailable(ServerHttpResponse response, String cause, String message) {
		response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		response.getHeaders().set("Retry-After", "1");
		byte[] body = ("{\"status\":503,\"error\":\"" + cause + "\",\"message\":\"" + message + "\"}")
			.getBytes(StandardCharsets.UTF_8);
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

}
