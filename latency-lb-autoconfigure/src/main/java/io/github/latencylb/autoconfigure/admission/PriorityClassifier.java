package io.github.latencylb.autoconfigure.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.github.latencylb.autoconfigure.AdmissionProperties;

import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Decides a request's priority class and offset: health checks (by path pattern or user
 * agent, from a trusted source when sources are configured) get the health-check class,
 * then the first matching rule applies, else the default class. The source is the
 * request's remote address, which Spring's {@code ForwardedHeaderTransformer} rewrites
 * from forwarded headers only when the application enables it
 * ({@code server.forward-headers-strategy=framework}); no header is read here. Immutable
 * and thread-safe; patterns are compiled once.
 */
public final class PriorityClassifier {

	private final List<PathPattern> healthCheckPaths;

	private final UserAgentPatterns healthCheckUserAgents;

	private final TrustedSources trustedSources;

	private final int healthCheckClass;

	private final int defaultClass;

	private final List<CompiledRule> rules = new ArrayList<>();

	/**
	 * Create a classifier from properties.
	 * @param properties the priority properties
	 */
	public PriorityClassifier(AdmissionProperties.Priority properties) {
		this.healthCheckPaths = patterns(properties.getHealthCheckPaths(), "latency-lb.priority.health-check-paths");
		this.healthCheckUserAgents = UserAgentPatterns.of(properties.getHealthCheckUserAgents());
		this.trustedSources = TrustedSources.parse(properties.getTrustedSources(),
				"latency-lb.priority.trusted-sources");
		this.healthCheckClass = properties.getHealthCheckClass();
		this.defaultClass = properties.getDefaultClass();
		for (int i = 0; i < properties.getRules().size(); i++) {
			this.rules.add(new CompiledRule(properties.getRules().get(i), "latency-lb.priority.rules[" + i + "]"));
		}
	}

	/**
	 * Classify a request.
	 * @param request the request
	 * @return its class, offset and whether it is a health check
	 */
	public Classification classify(ServerHttpRequest request) {
		PathContainer path = request.getPath().pathWithinApplication();
		if (isHealthCheck(request, path)) {
			return new Classification(this.healthCheckClass, 0, true);
		}
		for (CompiledRule rule : this.rules) {
			if (rule.matches(request, path)) {
				return new Classification(rule.priorityClass, rule.offset, false);
			}
		}
		return new Classification(this.defaultClass, 0, false);
	}

	private boolean isHealthCheck(ServerHttpRequest request, PathContainer path) {
		if (!looksLikeHealthCheck(request, path)) {
			return false;
		}
		return this.trustedSources.isEmpty() || this.trustedSources.matches(request.getRemoteAddress());
	}

	private boolean looksLikeHealthCheck(ServerHttpRequest request, PathContainer path) {
		for (PathPattern pattern : this.healthCheckPaths) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		if (this.healthCheckUserAgents.isEmpty()) {
			return false;
		}
		String agent = request.getHeaders().getFirst("User-Agent");
		return agent != null && this.healthCheckUserAgents.matches(agent);
	}

	private static List<PathPattern> patterns(List<String> patterns, String property) {
		List<PathPattern> parsed = new ArrayList<>(patterns.size());
		for (String pattern : patterns) {
			try {
				parsed.add(PathPatternParser.defaultInstance.parse(pattern));
			}
			catch (RuntimeException ex) {
				throw new IllegalArgumentException(
						property + ": invalid path pattern '" + pattern + "': " + ex.getMessage(), ex);
			}
		}
		return List.copyOf(parsed);
	}

	/**
	 * A request's place in the queues.
	 *
	 * @param priorityClass lower is served first
	 * @param offset lower is served first within a class
	 * @param healthCheck whether it is a health check
	 */
	public record Classification(int priorityClass, int offset, boolean healthCheck) {
	}

	private static final class CompiledRule {

		final List<PathPattern> paths;

		final List<String> methods;

		final Map<String, Pattern> headers;

		final int priorityClass;

		final int offset;

		CompiledRule(AdmissionProperties.Rule rule, String property) {
			this.paths = patterns(rule.getPaths(), property + ".paths");
			this.methods = rule.getMethods().stream().map((m) -> m.toUpperCase(Locale.ROOT)).toList();
			this.headers = new java.util.LinkedHashMap<>();
			rule.getHeaders().forEach((name, regex) -> {
				try {
					this.headers.put(name, Pattern.compile(regex));
				}
				catch (RuntimeException ex) {
					throw new IllegalArgumentException(property + ".headers." + name + ": invalid regular expression '"
							+ regex + "': " + ex.getMessage(), ex);
				}
			});
			this.priorityClass = rule.getPriorityClass();
			this.offset = rule.getOffset();
		}

		boolean matches(ServerHttpRequest request, PathContainer path) {
			if (!this.paths.isEmpty() && this.paths.stream().noneMatch((p) -> p.matches(path))) {
				return false;
			}
			if (!this.methods.isEmpty() && !this.methods.contains(request.getMethod().name())) {
				return false;
			}
			for (Map.Entry<String, Pattern> header : this.headers.entrySet()) {
				String value = request.getHeaders().getFirst(header.getKey());
				if (value == null || !header.getValue().matcher(value).matches()) {
					return false;
				}
			}
			return true;
		}

	}

}
