package io.github.latencylb.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Replaces the generated part of a Markdown file: the text between a begin and an end
 * marker (HTML comments), so that a rerun updates the figures and keeps the prose.
 */
public final class MarkdownRegion {

	private MarkdownRegion() {
	}

	/**
	 * Replace the text between two markers.
	 * @param file the Markdown file
	 * @param begin the begin marker
	 * @param end the end marker
	 * @param content the new text between them
	 * @return whether the file had both markers and was updated
	 * @throws IOException if the file cannot be read or written
	 */
	public static boolean replace(Path file, String begin, String end, String content) throws IOException {
		if (!Files.exists(file)) {
			return false;
		}
		String text = Files.readString(file, StandardCharsets.UTF_8);
		int from = text.indexOf(begin);
		int to = text.indexOf(end);
		if (from < 0 || to < from) {
			return false;
		}
		String updated = text.substring(0, from + begin.length()) + "\n" + content.strip() + "\n" + text.substring(to);
		Files.writeString(file, updated, StandardCharsets.UTF_8);
		return true;
	}

}
