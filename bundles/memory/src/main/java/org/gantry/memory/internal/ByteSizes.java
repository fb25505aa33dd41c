package org.gantry.memory.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints byte sizes such as {@code 512MiB}, {@code 8GiB}, {@code 2GB} or plain bytes. */
final class ByteSizes {

    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?\\s*",
            Pattern.CASE_INSENSITIVE);

    private ByteSizes() {
    }

    static long parse(String text) {
        Matcher matcher = SIZE.matcher(text == null ? "" : text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a byte size: '" + text + "' (e.g. 1073741824, 512MiB, 8GiB)");
        }
        double number = Double.parseDouble(matcher.group(1));
        String unit = matcher.group(2) == null ? "b" : matcher.group(2).toLowerCase(Locale.ROOT);
        int power = "bkmgt".indexOf(unit.charAt(0));
        long base = unit.contains("i") || unit.length() == 1 ? 1024 : 1000;
        return (long) (number * Math.pow(base, power));
    }

    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        int power = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
        return String.format(Locale.ROOT, "%.1f %siB", bytes / Math.pow(1024, power), "KMGTPE".charAt(power - 1));
    }
}
