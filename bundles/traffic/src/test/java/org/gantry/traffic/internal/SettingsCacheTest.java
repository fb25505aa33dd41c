package org.gantry.traffic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.VersionPolicy;
import org.junit.jupiter.api.Test;

class SettingsCacheTest {

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();

    private SettingsCache<TrafficSettings> cache(Map<String, Map<String, String>> parameters) {
        return new SettingsCache<>(model -> {
            reads.incrementAndGet();
            if (!parameters.containsKey(model)) {
                throw GantryException.notFound("no model '%s'", model);
            }
            return new ModelConfig(model, "pytorch_libtorch", null, 0, List.of(), List.of(), VersionPolicy.DEFAULT,
                    List.of(), parameters.get(model), List.of());
        }, TrafficSettings::read, TrafficSettings.NONE, clock::get, 1000);
    }

    @Test
    void aModelsSettingsAreReadOncePerRefresh() {
        SettingsCache<TrafficSettings> cache = cache(Map.of("m", Map.of("canary_version", "2")));
        assertEquals("2", cache.get("m").canaryVersion());
        assertEquals("2", cache.get("m").canaryVersion());
        assertEquals(1, reads.get());
        clock.addAndGet(1000);
        cache.get("m");
        assertEquals(2, reads.get());
    }

    @Test
    void malformedSettingsMeanNoneAndUnknownModelsAreNotKept() {
        SettingsCache<TrafficSettings> cache = cache(Map.of("bad", Map.of("canary_version", "2",
                "canary_percent", "150")));
        assertEquals(TrafficSettings.NONE, cache.get("bad"));
        assertEquals(TrafficSettings.NONE, cache.get("nobody"));
        assertEquals(TrafficSettings.NONE, cache.get("nobody"));
        assertEquals(3, reads.get(), "an unknown model is read again, never cached");
    }
}
