package io.github.latencylb.autoconfigure.admission;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import io.github.latencylb.autoconfigure.AdmissionProperties;
import io.github.latencylb.autoconfigure.admission.PriorityClassifier.Classification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

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
	@ValueSource(strings = { "kube-probe/1.30", "ELB-HealthChecker/2.0", "GoogleHC/1.0" })
	void classifyByDefaultShouldGiveAHealthCheckerUserAgentNoPriority(String agent) {
		// A User-Agent is chosen by the client: by default it grants nothing.
		assertThat(this.properties.getHealthCheckUserAgents()).isEmpty();
		Classification classification = classify(
				MockServerHttpRequest.get("/api/orders").header("User-Agent", agent).build());
		assertThat(classification).isEqualTo(new Classification(0, 0, false));
	}

	@ParameterizedTest
	@ValueSource(strings = { "kube-probe/1.29", "ELB-HealthChecker/2.0", "GoogleHC/1.0", "kube-probe/" })
	void classifyWhenUserAgentIsAConfiguredHealthCheckerShouldGiveTheHealthCheckClass(String agent) {
		this.properties.setHealthCheckUserAgents(List.of("ELB-HealthChecker/*", "kube-probe/*", "GoogleHC/*"));
		Classification classification = classify(
				MockServerHttpRequest.get("/api/orders").header("User-Agent", agent).build());
		assertThat(classification).isEqualTo(new Classification(HEALTH, 0, true));
	}

	@ParameterizedTest
	@ValueSource(strings = { "Mozilla/5.0 (kube-probe/1.29)", "curl/8.5.0", "ELB-HealthChecker", "kube-probe" })
	void classifyWhenUserAgentOnlyContainsAHealthCheckerNameShouldGiveTheDefaultClass(String agent) {
		this.properties.setHealthCheckUserAgents(List.of("ELB-HealthChecker/*", "kube-probe/*", "GoogleHC/*"));
		Classification classification = classify(
				MockServerHttpRequest.get("/api/orders").header("User-Agent", agent).build());
		assertThat(classification).isEqualTo(new Classification(0, 0, false));
	}

	@Test
	void userAgentPatternsShouldMatchLikeAnchoredGlobs() {
		UserAgentPatterns patterns = UserAgentPatterns.of(List.of("a*b*c", "exact", "*-probe", "x**y"));
		assertThat(List.of("abc", "aXbYc", "abbc", "ab-c-c", "exact", "kube-probe", "-probe", "xy", "x-y"))
			.allMatch(patterns::matches);
		assertThat(List.of("ab", "acb", "abcd", "exactly", "probe", "kube-probe2", "y", "x", "Abc"))
			.noneMatch(patterns::matches);
		// The middle part may not overlap the suffix.
		assertThat(UserAgentPatterns.of(List.of("a*bc*c")).matches("abc")).isFalse();
		assertThat(UserAgentPatterns.of(List.of("a*bc*c")).matches("abcc")).isTrue();
		assertThat(UserAgentPatterns.of(List.of("*")).matches("")).isTrue();
	}

	@Test
	void classifyWhenTrustedSourcesAreSetShouldGiveTheHealthCheckClassOnlyToThem() {
		this.properties.setTrustedSources(List.of("10.0.0.0/8", "192.0.2.7", "fd00::/8", "2001:db8::1/128"));
		assertThat(healthCheckFrom("10.20.30.40")).isTrue();
		assertThat(healthCheckFrom("192.0.2.7")).isTrue();
		assertThat(healthCheckFrom("fd12:3456::1")).isTrue();
		assertThat(healthCheckFrom("2001:db8::1")).isTrue();
		// IPv4-mapped IPv6 matches as IPv4.
		assertThat(healthCheckFrom("::ffff:10.1.1.1")).isTrue();
		assertThat(healthCheckFrom("11.0.0.1")).isFalse();
		assertThat(healthCheckFrom("192.0.2.8")).isFalse();
		assertThat(healthCheckFrom("127.0.0.1")).isFalse();
		assertThat(healthCheckFrom("fe80::1")).isFalse();
		assertThat(healthCheckFrom("2001:db8::2")).isFalse();
		// Without an address: not trusted.
		assertThat(classify(MockServerHttpRequest.get("/health").build())).isEqualTo(new Classification(0, 0, false));
		// The user agent is subject to the same restriction.
		this.properties.setHealthCheckUserAgents(List.of("kube-probe/*"));
		assertThat(classify(MockServerHttpRequest.get("/x")
			.header("User-Agent", "kube-probe/1.30")
			.remoteAddress(new InetSocketAddress("127.0.0.1", 4000))
			.build()).healthCheck()).isFalse();
		assertThat(classify(MockServerHttpRequest.get("/x")
			.header("User-Agent", "kube-probe/1.30")
			.remoteAddress(new InetSocketAddress("10.0.0.1", 4000))
			.build()).healthCheck()).isTrue();
	}

	@Test
	void trustedSourcesShouldMatchPrefixesOfAnyLength() {
		TrustedSources sources = TrustedSources.parse(List.of("172.16.0.0/12", "0.0.0.0/0"), "p");
		assertThat(sources.matches(new InetSocketAddress("8.8.8.8", 1))).isTrue();
		TrustedSources twelve = TrustedSources.parse(List.of("172.16.0.0/12", "2001:db8:8000::/33"), "p");
		assertThat(twelve.matches(new InetSocketAddress("172.31.255.255", 1))).isTrue();
		assertThat(twelve.matches(new InetSocketAddress("172.32.0.0", 1))).isFalse();
		assertThat(twelve.matches(new InetSocketAddress("172.15.255.255", 1))).isFalse();
		assertThat(twelve.matches(new InetSocketAddress("2001:db8:ffff::1", 1))).isTrue();
		assertThat(twelve.matches(new InetSocketAddress("2001:db8:7fff::1", 1))).isFalse();
		// An unresolved address (as forwarded-header handling sets) is parsed as a
		// literal,
		// never looked up.
		assertThat(twelve.matches(InetSocketAddress.createUnresolved("localhost", 1))).isFalse();
		assertThat(twelve.matches(InetSocketAddress.createUnresolved("172.16.0.1", 1))).isTrue();
		assertThat(twelve.matches(InetSocketAddress.createUnresolved("[2001:db8:8000::1]", 1))).isTrue();
		assertThat(twelve.matches(InetSocketAddress.createUnresolved("172.16.0.1.example.com", 1))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "10.0.0.0/33", "10.0.0.1/8", "10.0.0", "300.1.1.1", "localhost", "10.0.0.0/x",
			"fe80::1%eth0", "::1/129", "1:2", "", "/8", "example.com/24" })
	void trustedSourcesShouldRejectAnInvalidBlockNamingTheProperty(String cidr) {
		this.properties.setTrustedSources(List.of("127.0.0.1", cidr));
		assertThatIllegalArgumentException().isThrownBy(() -> new PriorityClassifier(this.properties))
			.withMessageContaining("latency-lb.priority.trusted-sources[1]")
			.withMessageContaining("'" + cidr + "'");
	}

	@Test
	void classifyShouldUseTheRemoteAddressThatSpringForwardedHeaderHandlingSets() {
		this.properties.setTrustedSources(List.of("10.0.0.0/8"));
		PriorityClassifier classifier = new PriorityClassifier(this.properties);
		MockServerHttpRequest viaProxy = MockServerHttpRequest.get("/health")
			.remoteAddress(new InetSocketAddress("192.0.2.1", 4000))
			.header("X-Forwarded-For", "10.1.2.3")
			.build();
		// Forwarded headers are not read unless the application enables their handling.
		assertThat(classifier.classify(viaProxy).healthCheck()).isFalse();
		// With server.forward-headers-strategy=framework, Spring's transformer rewrites
		// the remote address before any filter runs.
		ServerHttpRequest forwarded = new ForwardedHeaderTransformer().apply(viaProxy);
		assertThat(classifier.classify(forwarded).healthCheck()).isTrue();
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
		this.properties.setHealthCheckUserAgents(List.of("kube-probe/*"));
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

	private boolean healthCheckFrom(String address) {
		return classify(
				MockServerHttpRequest.get("/health").remoteAddress(new InetSocketAddress(address, 4000)).build())
			.healthCheck();
	}

	private Classification classify(ServerHttpRequest request) {
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
