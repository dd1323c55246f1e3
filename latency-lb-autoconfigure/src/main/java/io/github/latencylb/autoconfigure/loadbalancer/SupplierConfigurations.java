package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Start-up check of the instance-list configurations that Spring Cloud LoadBalancer users
 * select with {@code spring.cloud.loadbalancer.configurations} (globally) and
 * {@code spring.cloud.loadbalancer.clients.<service>.configurations} (per service, which
 * wins, as in Spring Cloud's own conditions). latency-lb schedules over whatever list the
 * selected supplier chain returns; the configurations that would fight its affinity, or
 * hand it partial lists, fail start-up with a message saying what to use instead:
 * <ul>
 * <li>{@code same-instance-preference} sends all of a service's traffic to the instance
 * chosen last (and relies on a callback latency-lb does not make, so it would silently do
 * nothing): latency-lb already keeps each flow on its instance;</li>
 * <li>{@code request-based-sticky-session} pins on the raw instance id of a cookie, a
 * second affinity that would override latency-lb's;</li>
 * <li>{@code health-check} with {@code health-check.update-results-list=true} (Spring's
 * default) emits the list growing one instance at a time in every check round, so healthy
 * instances would seem to leave and their flows would move.</li>
 * </ul>
 * See {@code docs/suppliers.md}.
 */
public final class SupplierConfigurations {

	static final String PREFIX = "spring.cloud.loadbalancer";

	private SupplierConfigurations() {
	}

	/**
	 * Fail if the environment selects an instance-list configuration that latency-lb
	 * refuses.
	 * @param environment the application environment
	 * @throws IllegalStateException naming the property and what to use instead
	 */
	public static void check(Environment environment) {
		List<String> problems = new ArrayList<>();
		String global = environment.getProperty(PREFIX + ".configurations");
		checkOne(PREFIX, global, updateResultsList(environment, null), problems);
		for (String client : clients(environment)) {
			String own = environment.getProperty(PREFIX + ".clients." + client + ".configurations");
			String effective = (own != null) ? own : global;
			if (own != null || updateResultsListSet(environment, client)) {
				checkOne(PREFIX + ".clients." + client, effective, updateResultsList(environment, client), problems);
			}
		}
		if (!problems.isEmpty()) {
			throw new IllegalStateException("latency-lb cannot schedule with this Spring Cloud LoadBalancer "
					+ "configuration (see docs/suppliers.md):\n - " + String.join("\n - ", problems));
		}
	}

	private static void checkOne(String prefix, @Nullable String configuration, boolean updateResultsList,
			List<String> problems) {
		if (configuration == null) {
			return;
		}
		String value = configuration.trim();
		if (value.equalsIgnoreCase("same-instance-preference")) {
			problems.add(prefix + ".configurations=same-instance-preference would send all of the service's "
					+ "traffic to the instance chosen last, a second affinity besides latency-lb's. Remove it: "
					+ "latency-lb keeps each flow on its instance by the flow key it reads from "
					+ "latency-lb.affinity.cookie-names, header-names or client-ip.");
		}
		else if (value.equalsIgnoreCase("request-based-sticky-session")) {
			problems.add(prefix + ".configurations=request-based-sticky-session would pin requests on the raw "
					+ "instance id in a cookie, a second affinity besides latency-lb's. Remove it and name your "
					+ "session cookie in latency-lb.affinity.cookie-names (default SESSION,JSESSIONID): the flow "
					+ "then stays on its instance and moves only if that instance leaves, is ejected or is slow.");
		}
		else if (value.equalsIgnoreCase("health-check") && updateResultsList) {
			problems.add(prefix + ".configurations=health-check needs " + prefix
					+ ".health-check.update-results-list=false: with true (Spring's default) every check round "
					+ "emits the list growing one instance at a time, so healthy instances would seem to leave "
					+ "and their flows would move.");
		}
	}

	private static boolean updateResultsList(Environment environment, @Nullable String client) {
		String key = ".health-check.update-results-list";
		String value = (client != null) ? environment.getProperty(PREFIX + ".clients." + client + key) : null;
		if (value == null) {
			value = environment.getProperty(PREFIX + key);
		}
		return value == null || Boolean.parseBoolean(value.trim());
	}

	private static boolean updateResultsListSet(Environment environment, String client) {
		return environment.getProperty(PREFIX + ".clients." + client + ".health-check.update-results-list") != null;
	}

	private static Iterable<String> clients(Environment environment) {
		Map<String, Object> clients = Binder.get(environment)
			.bind(PREFIX + ".clients", Bindable.mapOf(String.class, Object.class))
			.orElse(Collections.emptyMap());
		return new TreeSet<>(clients.keySet());
	}

}
