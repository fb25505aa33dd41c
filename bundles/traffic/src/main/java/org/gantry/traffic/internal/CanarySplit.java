package org.gantry.traffic.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.traffic.ExchangeInterceptor;

/**
 * One model's weighted split between its primary and its candidate version. A request with a routing key always
 * lands on the same side (the key's hash picks a bucket of 10,000, the candidate owns the first
 * {@code percent × 100}), so one caller sees one version; a request without one draws at random. Promotion and
 * rollback are a volatile write the next request reads: both versions stay loaded, so no request waits or fails.
 */
final class CanarySplit {

    /** Where the operator has put the split. */
    enum State {
        CANARY,
        PROMOTED,
        ROLLED_BACK;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final int BUCKETS = 10_000;

    private final Map<String, LongAdder> servedByVersion = new ConcurrentHashMap<>();
    private volatile State state = State.CANARY;
    /** The settings the operator's decision was made under: new settings start a new canary. */
    private volatile TrafficSettings decidedUnder;

    State state(TrafficSettings settings) {
        if (state != State.CANARY && !settings.equals(decidedUnder)) {
            state = State.CANARY;
        }
        return state;
    }

    void decide(State decision, TrafficSettings settings) {
        decidedUnder = settings;
        state = decision;
    }

    /** The version a request without one goes to; null leaves it to the version policy (no primary named). */
    String route(TrafficSettings settings, InferenceRequest request) {
        return switch (state(settings)) {
            case PROMOTED -> settings.canaryVersion();
            case ROLLED_BACK -> settings.primaryVersion();
            case CANARY -> bucket(request) < settings.canaryPercent() * (BUCKETS / 100)
                    ? settings.canaryVersion() : settings.primaryVersion();
        };
    }

    void served(String version) {
        servedByVersion.computeIfAbsent(version, v -> new LongAdder()).increment();
    }

    Map<String, Long> servedByVersion() {
        Map<String, Long> counts = new TreeMap<>();
        servedByVersion.forEach((version, count) -> counts.put(version, count.sum()));
        return counts;
    }

    private static int bucket(InferenceRequest request) {
        Object key = request.parameters().get(ExchangeInterceptor.ROUTING_KEY_PARAMETER);
        if (key == null) {
            return ThreadLocalRandom.current().nextInt(BUCKETS);
        }
        return Math.floorMod(fnv1a(String.valueOf(key)), BUCKETS);
    }

    /** FNV-1a over the key's UTF-8 bytes, with a final mix: stable across restarts and JVMs, unlike hashCode. */
    static int fnv1a(String key) {
        int hash = 0x811c9dc5;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        hash ^= hash >>> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >>> 13;
        return hash;
    }
}
