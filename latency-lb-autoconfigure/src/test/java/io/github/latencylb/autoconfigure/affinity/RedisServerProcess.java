package io.github.latencylb.autoconfigure.affinity;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis server for tests, on a free port of 127.0.0.1, without persistence: the
 * {@code redis-server} on the PATH when there is one, otherwise the Linux build that the
 * {@code com.github.codemonstur:embedded-redis} test dependency ships (so that the tests
 * pass on a machine where nothing was installed by hand). Set the system property
 * {@code latency-lb.test.redis=embedded} to use the shipped binary even when one is on
 * the PATH. Can be stopped and started again on the same port.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

	private final Path binary;

	private final int port;

	private final Path log;

	private Process process;

	private RedisServerProcess(Path binary, int port) throws IOException {
		this.binary = binary;
		this.port = port;
		this.log = Files.createTempFile("redis-test-", ".log");
		this.log.toFile().deleteOnExit();
	}

	/**
	 * Start a server on a free port.
	 * @return the running server
	 */
	public static RedisServerProcess start() {
		try {
			RedisServerProcess server = new RedisServerProcess(findBinary(), freePort());
			server.startAgain();
			return server;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start a Redis server", ex);
		}
	}

	/**
	 * Return the port.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return the binary in use.
	 * @return its path
	 */
	public Path binary() {
		return this.binary;
	}

	/**
	 * Start the server (again) on its port, and wait until it answers PING.
	 */
	public synchronized void startAgain() {
		if (this.process != null && this.process.isAlive()) {
			return;
		}
		try {
			this.process = new ProcessBuilder(this.binary.toString(), "--port", Integer.toString(this.port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.log.toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + this.binary, ex);
		}
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (!answersPing()) {
			if (!this.process.isAlive() || System.nanoTime() - deadline > 0) {
				String output = readLog();
				stop();
				throw new IllegalStateException("Redis server " + this.binary + " did not start:\n" + output);
			}
			sleep(50);
		}
	}

	/**
	 * Stop the server as a crash would, and wait until it is gone.
	 */
	public synchronized void stop() {
		Process process = this.process;
		if (process == null) {
			return;
		}
		process.destroy();
		try {
			if (!process.waitFor(5, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	@Override
	public void close() {
		stop();
	}

	/**
	 * Whether the server answers PING now.
	 * @return whether it does
	 */
	public boolean answersPing() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 500);
			socket.setSoTimeout(1000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			byte[] buffer = new byte[7];
			InputStream in = socket.getInputStream();
			int read = in.readNBytes(buffer, 0, 7);
			return read == 7 && new String(buffer, StandardCharsets.US_ASCII).equals("+PONG\r\n");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private String readLog() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	/**
	 * {@code redis-server} from the PATH, else the binary shipped in the embedded-redis
	 * jar for this architecture, extracted to a temporary file.
	 */
	static Path findBinary() throws IOException {
		if (!"embedded".equals(System.getProperty("latency-lb.test.redis"))) {
			String path = System.getenv("PATH");
			if (path != null) {
				for (String dir : path.split(File.pathSeparator)) {
					Path candidate = Path.of(dir, "redis-server");
					if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
						return candidate;
					}
				}
			}
		}
		return shippedBinary();
	}

	static Path shippedBinary() throws IOException {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		List<String> names;
		if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
			names = List.of("redis-server-6.2.6-v5-linux-amd64");
		}
		else if (os.contains("linux") && (arch.equals("aarch64") || arch.equals("arm64"))) {
			names = List.of("redis-server-6.2.7-linux-arm64");
		}
		else if (os.contains("mac")) {
			names = List.of((arch.contains("aarch64") || arch.contains("arm")) ? "redis-server-6.2.6-v5-darwin-arm64"
					: "redis-server-6.2.6-v5-darwin-amd64");
		}
		else {
			throw new IllegalStateException("No redis-server on the PATH and no shipped build for " + os + "/" + arch);
		}
		for (String name : names) {
			try (InputStream in = RedisServerProcess.class.getResourceAsStream("/" + name)) {
				if (in == null) {
					continue;
				}
				Path file = Files.createTempFile("redis-server-", "");
				file.toFile().deleteOnExit();
				Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
				if (!file.toFile().setExecutable(true)) {
					throw new IOException("Could not make " + file + " executable");
				}
				return file;
			}
		}
		throw new IllegalStateException("No redis-server on the PATH and " + names + " not on the classpath");
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
