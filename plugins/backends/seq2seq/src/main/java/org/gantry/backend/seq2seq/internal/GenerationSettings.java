package org.gantry.backend.seq2seq.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.gantry.api.error.GantryException;

/**
 * How one request generates: the model's defaults from {@code config.pbtxt} parameters, overridden by the request's
 * parameters within the model's {@link Limits}. Every bad value is the caller's error, naming the parameter.
 *
 * @param seed  the sampling seed, or null for a fresh one per request
 * @param stop  stop strings: generation ends before the first one the text contains
 */
record GenerationSettings(int maxNewTokens, long eosTokenId, long padTokenId, long decoderStartTokenId,
        Decoding decoding, int numBeams, double temperature, int topK, double topP, Long seed, List<String> stop) {

    enum Decoding {
        GREEDY,
        BEAM,
        SAMPLING
    }

    /** Names of the parameters a request may override ({@code max_tokens} is {@code max_new_tokens}). */
    static final List<String> REQUEST_PARAMETERS = List.of("max_new_tokens", "max_tokens", "decoding", "num_beams",
            "temperature", "top_k", "top_p", "seed", "stop");

    /**
     * The model's limits.
     *
     * @param maxNewTokensLimit   most tokens one request may generate
     * @param maxBatch            most decoder rows (requests, or beams of a request) in one decode step
     * @param kvCacheBytes        most bytes the running requests' key/value caches and encoder states may lease
     * @param maxInputTokens      most tokens of one input text
     * @param admissionTimeoutMs  how long a request waits for room in the batch before it is refused
     */
    record Limits(int maxNewTokensLimit, int maxBatch, long kvCacheBytes, int maxInputTokens, long admissionTimeoutMs) {

        static Limits of(Map<String, String> config) {
            Function<String, String> get = config::get;
            int maxBatch = (int) integer(get, "max_batch", 16, 1, 1024, "the model configuration");
            return new Limits((int) integer(get, "max_new_tokens_limit", 256, 1, 1 << 20, "the model configuration"),
                    maxBatch,
                    integer(get, "kv_cache_bytes", 256L << 20, 1, Long.MAX_VALUE, "the model configuration"),
                    (int) integer(get, "max_input_tokens", 512, 1, Integer.MAX_VALUE, "the model configuration"),
                    integer(get, "admission_timeout_ms", 30_000, 0, Long.MAX_VALUE, "the model configuration"));
        }
    }

    /** Decoder rows one request takes: its beams, or one. */
    int rows() {
        return decoding == Decoding.BEAM ? numBeams : 1;
    }

    /** The model's defaults, checked against its limits (a bad value fails the load with its name). */
    static GenerationSettings defaults(Map<String, String> config, Limits limits, long vocabularySize) {
        GenerationSettings base = new GenerationSettings(Math.min(64, limits.maxNewTokensLimit()),
                token(config, "eos_token_id", 1, vocabularySize), token(config, "pad_token_id", 0, vocabularySize),
                token(config, "decoder_start_token_id", 0, vocabularySize), Decoding.GREEDY, 1, 1.0, 0, 1.0, null,
                List.of());
        return base.apply(config::get, limits, "the model configuration");
    }

    /** These settings overridden by a request's parameters (protocol values: String, Number or Boolean). */
    GenerationSettings withRequest(Map<String, Object> parameters, Limits limits) {
        if (parameters.isEmpty()) {
            return this;
        }
        return apply(key -> {
            Object value = parameters.get(key);
            return value == null ? null : value instanceof Number n && isIntegral(n) ? Long.toString(n.longValue())
                    : value.toString();
        }, limits, "the request");
    }

    private GenerationSettings apply(Function<String, String> get, Limits limits, String source) {
        // Generate clients (Triton's examples, OpenAI-style ones) say max_tokens: the same bound under another name.
        String maxName = get.apply("max_tokens") == null ? "max_new_tokens" : "max_tokens";
        if (get.apply("max_tokens") != null && get.apply("max_new_tokens") != null) {
            throw GantryException.invalidArgument("%s gives both 'max_new_tokens' and 'max_tokens', which mean the"
                    + " same; give one", source);
        }
        int maxNew = (int) integer(get, maxName, maxNewTokens, 1, limits.maxNewTokensLimit(), source);
        Decoding mode = decoding;
        String modeText = get.apply("decoding");
        if (modeText != null) {
            try {
                mode = Decoding.valueOf(modeText.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw GantryException.invalidArgument("parameter 'decoding' of %s must be greedy, beam or sampling,"
                        + " not '%s'", source, modeText);
            }
        }
        int beams = (int) integer(get, "num_beams", numBeams, 1, limits.maxBatch(), source);
        double temp = real(get, "temperature", temperature, source);
        if (temp == 0) {
            // Temperature 0 is the limit of sampling: always the most likely token, which is greedy decoding (as
            // OpenAI-style and Triton's generate clients mean it). Beam search keeps its beams.
            mode = mode == Decoding.SAMPLING ? Decoding.GREEDY : mode;
            temp = temperature;
        }
        if (!(temp > 0) || temp > 100) {
            throw GantryException.invalidArgument("parameter 'temperature' of %s must be from 0 (greedy) to 100, not"
                    + " %s", source, get.apply("temperature"));
        }
        int k = (int) integer(get, "top_k", topK, 0, Integer.MAX_VALUE, source);
        double p = real(get, "top_p", topP, source);
        if (!(p > 0 && p <= 1)) {
            throw GantryException.invalidArgument("parameter 'top_p' of %s must be above 0 and at most 1, not %s",
                    source, get.apply("top_p"));
        }
        Long newSeed = seed;
        if (get.apply("seed") != null) {
            newSeed = integer(get, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE, source);
        }
        List<String> stops = stop;
        String stopText = get.apply("stop");
        if (stopText != null) {
            // Protocol parameters are scalars, so several stop strings come as one, separated by '|'.
            stops = Arrays.stream(stopText.split("\\|")).filter(s -> !s.isEmpty()).toList();
        }
        return new GenerationSettings(maxNew, eosTokenId, padTokenId, decoderStartTokenId, mode, beams, temp, k, p,
                newSeed, stops);
    }

    private static boolean isIntegral(Number n) {
        return !(n instanceof Double || n instanceof Float) || n.doubleValue() == Math.rint(n.doubleValue());
    }

    private static long token(Map<String, String> config, String name, long fallback, long vocabularySize) {
        return integer(config::get, name, fallback, 0, vocabularySize - 1, "the model configuration (the vocabulary"
                + " has " + vocabularySize + " tokens)");
    }

    static long integer(Function<String, String> get, String name, long fallback, long min, long max, String source) {
        String text = get.apply(name);
        if (text == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw GantryException.invalidArgument("parameter '%s' of %s must be an integer, not '%s'", name, source,
                    text);
        }
        if (value < min || value > max) {
            throw GantryException.invalidArgument("parameter '%s' of %s must be from %d to %d, not %d", name, source,
                    min, max, value);
        }
        return value;
    }

    private static double real(Function<String, String> get, String name, double fallback, String source) {
        String text = get.apply(name);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw GantryException.invalidArgument("parameter '%s' of %s must be a number, not '%s'", name, source,
                    text);
        }
    }
}
