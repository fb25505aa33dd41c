package org.gantry.backend.seq2seq.internal;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Turns generated token ids into text incrementally: each token gives the new text suffix only. A token's text
 * depends on its neighbours (a WordPiece {@code ##ing} joins the word before; a word token brings its leading
 * space), so the window from the previous token on is decoded and the part after the previous token's own text is
 * new (as text-generation-inference does). Text that could be the start of a stop string is held back until it is
 * clear; a stop string ends the text before it.
 */
final class TextStream {

    private final Function<long[], String> decode;
    private final List<String> stops;
    private final int longestStop;
    private long[] ids = new long[16];
    private int count;
    private int prefixOffset;
    private int readOffset;
    /** All text so far, and how much of it was handed out. */
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    /** @param decode ids to text, special tokens skipped */
    TextStream(Function<long[], String> decode, List<String> stops) {
        this.decode = decode;
        this.stops = stops;
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Whether a stop string has ended the text. */
    boolean stopped() {
        return stopped;
    }

    /** Adds a token and returns the text that may be handed out now (all that is left when {@code last}). */
    String next(long id, boolean last) {
        if (stopped) {
            return "";
        }
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String before = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String after = decode.apply(Arrays.copyOfRange(ids, prefixOffset, count));
        // A shorter window, or one ending in U+FFFD (half a character), is not yet text.
        if (after.length() > before.length() && !after.endsWith("\uFFFD") && after.startsWith(before)) {
            text.append(after, before.length(), after.length());
            prefixOffset = readOffset;
            readOffset = count;
        }
        return release(last);
    }

    private String release(boolean last) {
        if (!stops.isEmpty()) {
            int from = Math.max(0, emitted - longestStop);
            int cut = -1;
            for (String stop : stops) {
                int at = text.indexOf(stop, from);
                if (at >= 0 && (cut < 0 || at < cut)) {
                    cut = at;
                }
            }
            if (cut >= 0) {
                stopped = true;
                text.setLength(Math.max(cut, emitted));
                return take(text.length());
            }
        }
        return take(last ? text.length() : text.length() - heldBack());
    }

    /** Length of the longest end of the text that a stop string starts with. */
    private int heldBack() {
        int held = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length() - emitted); n > held; n--) {
                if (text.substring(text.length() - n).equals(stop.substring(0, n))) {
                    held = n;
                    break;
                }
            }
        }
        return held;
    }

    private String take(int upTo) {
        String piece = text.substring(emitted, upTo);
        emitted = upTo;
        return piece;
    }

    /** All text handed out. */
    String text() {
        return text.substring(0, emitted);
    }
}
