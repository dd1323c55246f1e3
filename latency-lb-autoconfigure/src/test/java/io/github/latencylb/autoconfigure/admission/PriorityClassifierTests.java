package io.github.latencylb.autoconfigure.admission;

import java.util.List;
import java.util.Map;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.admission.PriorityClassifier.Classification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PriorityClassifier}: health checks by path and user agent first, then
 * the first matching rule, else the default class.
 */
class PriorityClassifierTests {

	private static final int HEALTH = -2047;

	private final AdmissionProperties.Priority properties = new AdmissionProperties.Priority();

	@ParameterizedTest
	@ValueSource(strings = { "/health", "/healthz", "/actuator/health", "/actuator/health/liveness",
			"/actuator/health/readiness", "/actuator/health/db/primary" })
	void classifyWhenPathIsADefaultHealthCheckPathShouldGiveTheHealthCheckClass(String path) {
		Classification classification = classify(MockServerHttpRequest.get(path).build());
		assertThat(classification).isEqualTo(new Classification(HEALTH, 0, true));
	}

	@ParameterizedTest
	@ValueSource(strings = { "/healthcheck", "/api/health", "/actuator/healthx", "/actuator/info", "/" })
	void classifyWhenPathOnlyLooksLikeAHealthCheckShouldGiveTheDefaultClass(String path) {
		assertThat(classify(MockServerHttpRequest.get(path).build())).isEqualTo(new Classification(0, 0, false));
	}

	@ParameterizedTest
	@ValueSource(strings = { "kube-probe/1.29", "ELB-HealthChecker/2.0", "GoogleHC/1.0", "kube-probe/" })
	void classifyWhenUserAgentIsAHealthCheckerShouldGiveTheHealthCheckClass(String agent) {
		Classification classification = classify(
				MockServerHttpRequest.get("/api/orders").header("User-Agent", agent).build());
		assertThat(classification).isEqualTo(new Classification(HEALTH, 0, true));
	}

	@ParameterizedTest
	@ValueSource(strings = { "Mozilla/5.0 (kube-probe/1.29)", "curl/8.5.0", "ELB-HealthChecker", "kube-probe" })
	void classifyWhenUserAgentOnlyContainsAHealthCheckerNameShouldGiveTheDefaultClass(String agent) {
		Classification classification = classify(
				MockServerHttpRequest.get("/api/orders").header("User-Agent", agent).build());
		assertThat(classification).isEqualTo(new Classification(0, 0, false));
	}

	@Test
	void classifyWhenUserAgentPatternHasRegexCharactersShouldTreatThemLiterally() {
		this.properties.setHealthCheckUserAgents(List.of("Probe(v1.0)*"));
		assertThat(classify(MockServerHttpRequest.get("/x").header("User-Agent", "Probe(v1.0)-linux").build())
			.healthCheck()).isTrue();
		assertThat(
				classify(MockServerHttpRequest.get("/x").header("User-Agent", "Probev1x0-linux").build()).healthCheck())
			.isFalse();
	}

	@Test
	void classifyWhenHealthCheckPathsAreConfiguredShouldUseThemInsteadOfTheDefaults() {
		this.properties.setHealthCheckPaths(List.of("/ping", "/status/**"));
		this.properties.setHealthCheckClass(-100);
		assertThat(classify(MockServerHttpRequest.get("/ping").build())).isEqualTo(new Classification(-100, 0, true));
		assertThat(classify(MockServerHttpRequest.get("/status/deep/check").build()).healthCheck()).isTrue();
		assertThat(classify(MockServerHttpRequest.get("/health").build()).healthCheck()).isFalse();
	}

	@Test
	void classifyWhenNoRuleMatchesShouldGiveTheDefaultClass() {
		this.properties.setDefaultClass(10);
		this.properties.setRules(List.of(rule(List.of("/admin/**"), List.of(), Map.of(), -5, 0)));
		assertThat(classify(MockServerHttpRequest.get("/api/orders").build()))
			.isEqualTo(new Classification(10, 0, false));
	}

	@Test
	void classifyWhenRuleMatchesPathShouldGiveItsClassAndOffset() {
		this.properties.setRules(List.of(rule(List.of("/reports/**", "/export"), List.of(), Map.of(), 100, 7)));
		assertThat(classify(MockServerHttpRequest.get("/reports/2024/q1").build()))
			.isEqualTo(new Classification(100, 7, false));
		assertThat(classify(MockServerHttpRequest.get("/export").build())).isEqualTo(new Classification(100, 7, false));
		assertThat(classify(MockServerHttpRequest.get("/exports").build())).isEqualTo(new Classification(0, 0, false));
	}

	@Test
	void classifyWhenRuleHasMethodsShouldMatchThemWhateverTheirCase() {
		this.properties.setRules(List.of(rule(List.of(), List.of("post", "PUT"), Map.of(), 20, 0)));
		assertThat(classify(MockServerHttpRequest.post("/orders").build()).priorityClass()).isEqualTo(20);
		assertThat(classify(MockServerHttpRequest.put("/orders").build()).priorityClass()).isEqualTo(20);
		assertThat(classify(MockServerHttpRequest.get("/orders").build()).priorityClass()).isZero();
	}

	@Test
	void classifyWhenRuleHasHeadersShouldRequireEachToMatchItsRegex() {
		this.properties.setRules(
				List.of(rule(List.of(), List.of(), Map.of("X-Tier", "gold|platinum", "X-Region", "eu-.*"), -10, 2)));
		assertThat(classify(
				MockServerHttpRequest.get("/a").header("X-Tier", "gold").header("X-Region", "eu-west").build()))
			.isEqualTo(new Classification(-10, 2, false));
		// The regex must match the whole value.
		assertThat(classify(
				MockServerHttpRequest.get("/a").header("X-Tier", "golden").header("X-Region", "eu-west").build())
			.priorityClass()).isZero();
		// Every header must be present.
		assertThat(classify(MockServerHttpRequest.get("/a").header("X-Tier", "gold").build()).priorityClass()).isZero();
	}

	@Test
	void classifyWhenRuleCombinesPathMethodAndHeaderShouldRequireAll() {
		this.properties.setRules(List.of(rule(List.of("/api/**"), List.of("GET"), Map.of("X-Batch", "true"), 500, 0)));
		assertThat(classify(MockServerHttpRequest.get("/api/x").header("X-Batch", "true").build()).priorityClass())
			.isEqualTo(500);
		assertThat(classify(MockServerHttpRequest.post("/api/x").header("X-Batch", "true").build()).priorityClass())
			.isZero();
		assertThat(classify(MockServerHttpRequest.get("/web/x").header("X-Batch", "true").build()).priorityClass())
			.isZero();
		assertThat(classify(MockServerHttpRequest.get("/api/x").build()).priorityClass()).isZero();
	}

	@Test
	void classifyWhenSeveralRulesMatchShouldApplyTheFirst() {
		this.properties.setRules(List.of(rule(List.of("/api/orders/**"), List.of(), Map.of(), 1, 1),
				rule(List.of("/api/**"), List.of(), Map.of(), 2, 2), rule(List.of(), List.of(), Map.of(), 3, 3)));
		assertThat(classify(MockServerHttpRequest.get("/api/orders/7").build()))
			.isEqualTo(new Classification(1, 1, false));
		assertThat(classify(MockServerHttpRequest.get("/api/users/7").build()))
			.isEqualTo(new Classification(2, 2, false));
		assertThat(classify(MockServerHttpRequest.get("/other").build())).isEqualTo(new Classification(3, 3, false));
	}

	@Test
	void classifyWhenARuleWouldAlsoMatchAHealthCheckShouldStillGiveTheHealthCheckClass() {
		this.properties.setRules(List.of(rule(List.of(), List.of(), Map.of(), 900, 0)));
		assertThat(classify(MockServerHttpRequest.get("/actuator/health/liveness").build()))
			.isEqualTo(new Classification(HEALTH, 0, true));
		assertThat(classify(MockServerHttpRequest.get("/x").header("User-Agent", "kube-probe/1.29").build()))
			.isEqualTo(new Classification(HEALTH, 0, true));
	}

	@Test
	void classifyShouldNotChangeWhenThePropertiesChangeAfterwards() {
		PriorityClassifier classifier = new PriorityClassifier(this.properties);
		this.properties.getHealthCheckPaths().clear();
		this.properties.getRules().add(rule(List.of(), List.of(), Map.of(), 5, 0));
		assertThat(classifier.classify(MockServerHttpRequest.get("/health").build()).healthCheck()).isTrue();
		assertThat(classifier.classify(MockServerHttpRequest.get("/x").build()).priorityClass()).isZero();
	}

	private Classification classify(MockServerHttpRequest request) {
		return new PriorityClassifier(this.properties).classify(request);
	}

	private static AdmissionProperties.Rule rule(List<String> paths, List<String> methods, Map<String, String> headers,
			int priorityClass, int offset) {
		AdmissionProperties.Rule rule = new AdmissionProperties.Rule();
		rule.setPaths(paths);
		rule.setMethods(methods);
		rule.setHeaders(headers);
		rule.setPriorityClass(priorityClass);
		rule.setOffset(offset);
		return rule;
	}

}
