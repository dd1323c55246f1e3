package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

/**
 * Redis side of pin sharing, through Spring Data Redis reactive: each pin is a string key
 * {@code <prefix>:<service>:pin:<key hash in hex>} whose value is
 * {@code <timestamp>|<replica>|<instance>} and whose expiry is the idle timeout; batches
 * are written (the newest version wins, in a Lua script) and published on
 * {@code <prefix>:pins} in one round trip. Every call is bounded by the timeout and
 * blocks the calling thread: call it only from the replicator's own thread, never from an
 * event loop.
 */
class RedisPinStore {

	/**
	 * Write each pin unless Redis holds a newer version, then publish the batch. KEYS:
	 * the pin keys; ARGV: value and expiry (ms) of each key, then the channel and the
	 * message.
	 */
	private static final RedisScript<Long> WRITE = RedisScript.of("""
			local n = #KEYS
			local written = 0
			for i = 1, n do
			  local value = ARGV[2 * i - 1]
			  local old = redis.call('GET', KEYS[i])
			  local newer = true
			  if old then
			    local oldVersion = string.match(old, '^([^|]*|[^|]*)|')
			    local newVersion = string.match(value, '^([^|]*|[^|]*)|')
			    if oldVersion and newVersion and oldVersion > newVersion then
			      newer = false
			    end
			  end
			  if newer then
			    redis.call('SET', KEYS[i], value, 'PX', ARGV[2 * i])
			    written = written + 1
			  end
			end
			redis.call('PUBLISH', ARGV[2 * n + 1], ARGV[2 * n + 2])
			return written
			""", Long.class);

	/**
	 * Value and remaining expiry (ms) of each key.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> READ = RedisScript.of("""
			local result = {}
			for i = 1, #KEYS do
			  result[2 * i - 1] = redis.call('GET', KEYS[i]) or ''
			  result[2 * i] = tostring(redis.call('PTTL', KEYS[i]))
			end
			return result
			""", List.class);

	private static final int READ_BATCH = 500;

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final ReactiveStringRedisTemplate template;

	private final String prefix;

	private final String channel;

	private final Duration timeout;

	private @Nullable ReactiveRedisMessageListenerContainer container;

	private @Nullable Disposable subscription;

	RedisPinStore(ReactiveRedisConnectionFactory connectionFactory, String prefix, Duration timeout) {
		this.connectionFactory = connectionFactory;
		this.template = new ReactiveStringRedisTemplate(connectionFactory);
		this.prefix = prefix;
		this.channel = prefix + ":pins";
		this.timeout = timeout;
	}

	String channel() {
		return this.channel;
	}

	String key(String service, long keyHash) {
		return this.prefix + ":" + service + ":pin:" + HexFormat.of().toHexDigits(keyHash);
	}

	void ping() {
		this.template.execute((connection) -> connection.ping()).next().timeout(this.timeout).block();
	}

	/**
	 * Write a batch (newest version wins) and publish it.
	 * @param batch the pin updates
	 * @return how many pins were written
	 */
	long write(List<PinUpdate> batch) {
		List<String> keys = new ArrayList<>(batch.size());
		List<String> args = new ArrayList<>(batch.size() * 2 + 2);
		for (PinUpdate update : batch) {
			keys.add(key(update.service(), update.keyHash()));
			args.add(update.storeValue());
			args.add(Long.toString(Math.max(1, update.ttlMillis())));
		}
		args.add(this.channel);
		args.add(PinUpdate.encode(batch));
		Long written = this.template.execute(WRITE, keys, args).next().timeout(this.timeout).block();
		return (written != null) ? written : 0;
	}

	/**
	 * Read every pin of every service under the prefix, in batches, each call bounded by
	 * the timeout.
	 * @param sink receives each pin read, with its remaining expiry as ttl
	 * @return how many pins were read
	 */
	@SuppressWarnings("unchecked")
	long load(Consumer<PinUpdate> sink) {
		String match = this.prefix + ":*";
		String marker = ":pin:";
		Long count = this.template.scan(ScanOptions.scanOptions().match(match).count(1000).build())
			.timeout(this.timeout)
			.filter((key) -> key.lastIndexOf(marker) > this.prefix.length())
			.buffer(READ_BATCH)
			.concatMap((keys) -> this.template.execute(READ, keys, List.of())
				.next()
				.timeout(this.timeout)
				.map((values) -> parse(keys, (List<Object>) values, marker)))
			.doOnNext((pins) -> pins.forEach(sink))
			.map(List::size)
			.reduce(0L, (total, n) -> total + n)
			.block();
		return (count != null) ? count : 0;
	}

	private List<PinUpdate> parse(List<String> keys, List<Object> values, String marker) {
		List<PinUpdate> pins = new ArrayList<>(keys.size());
		for (int i = 0; i < keys.size() && 2 * i + 1 < values.size(); i++) {
			String key = keys.get(i);
			String value = String.valueOf(values.get(2 * i));
			long ttl;
			try {
				ttl = Long.parseLong(String.valueOf(values.get(2 * i + 1)));
			}
			catch (NumberFormatException ex) {
				continue;
			}
			int at = key.lastIndexOf(marker);
			if (value.isEmpty() || ttl <= 0) {
				continue;
			}
			String service = key.substring(this.prefix.length() + 1, at);
			String hex = key.substring(at + marker.length());
			if (hex.length() != 16) {
				continue;
			}
			try {
				PinUpdate pin = PinUpdate.fromStore(service, HexFormat.fromHexDigitsToLong(hex), value, ttl);
				if (pin != null) {
					pins.add(pin);
				}
			}
			catch (IllegalArgumentException ex) {
				// Not a key of ours.
			}
		}
		return pins;
	}

	/**
	 * Subscribe to the channel (a fresh subscription replaces any previous one), waiting
	 * until Redis confirmed it.
	 * @param onMessage receives each message, on a Redis client thread
	 * @param onError called if the subscription fails later
	 */
	synchronized void subscribe(Consumer<String> onMessage, Consumer<Throwable> onError) {
		unsubscribe();
		ReactiveRedisMessageListenerContainer container = new ReactiveRedisMessageListenerContainer(
				this.connectionFactory);
		this.container = container;
		Flux<String> messages = container.receiveLater(ChannelTopic.of(this.channel))
			.timeout(this.timeout)
			.block()
			.map((message) -> message.getMessage());
		this.subscription = messages.subscribe(onMessage, onError);
	}

	synchronized void unsubscribe() {
		Disposable subscription = this.subscription;
		ReactiveRedisMessageListenerContainer container = this.container;
		this.subscription = null;
		this.container = null;
		if (subscription != null) {
			subscription.dispose();
		}
		if (container != null) {
			container.destroyLater().timeout(this.timeout).onErrorComplete().subscribe();
		}
	}

}
