package org.gantry.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.inference.InferenceResponse;
import org.gantry.api.traffic.Exchange;
import org.gantry.api.traffic.ExchangeInterceptor;
import org.junit.jupiter.api.Test;

class ExchangesTest {

    private final Exchanges exchanges = new Exchanges();
    private final List<Exchange> seen = new ArrayList<>();

    private static InferenceRequest request(Map<String, Object> parameters) {
        return new InferenceRequest("r-1", parameters, List.of(), List.of());
    }

    private static InferenceResponse answer(String version) {
        return new InferenceResponse("m", version, "r-1", Map.of(), List.of());
    }

    /** Routes every request of every model to {@code version} (null: leaves the choice), and records exchanges. */
    private ExchangeInterceptor routingTo(String version) {
        return new ExchangeInterceptor() {
            @Override
            public String route(String model, InferenceRequest request) {
                return version;
            }

            @Override
            public void exchanged(Exchange exchange) {
                seen.add(exchange);
            }
        };
    }

    private static final ExchangeInterceptor BROKEN = new ExchangeInterceptor() {
        @Override
        public String route(String model, InferenceRequest request) {
            throw new IllegalStateException("broken on purpose");
        }

        @Override
        public void exchanged(Exchange exchange) {
            throw new IllegalStateException("broken on purpose");
        }
    };

    @Test
    void withoutInterceptorsTheVersionPolicyChooses() {
        assertNull(exchanges.route("m", null, request(Map.of())));
        assertEquals("3", exchanges.route("m", "3", request(Map.of())));
    }

    @Test
    void theVersionTheCallerNamesIsNeverRoutedElsewhere() {
        exchanges.add(routingTo("2"));
        assertEquals("1", exchanges.route("m", "1", request(Map.of())));
        assertEquals("2", exchanges.route("m", null, request(Map.of())));
    }

    @Test
    void theFirstInterceptorThatChoosesDecides() {
        exchanges.add(routingTo(null));
        exchanges.add(routingTo("2"));
        exchanges.add(routingTo("5"));
        assertEquals("2", exchanges.route("m", null, request(Map.of())));
    }

    @Test
    void anInterceptorsOwnCopiesAreNeitherRoutedNorReportedAgain() {
        exchanges.add(routingTo("2"));
        InferenceRequest copy = request(Map.of(ExchangeInterceptor.ORIGIN_PARAMETER, "shadow"));
        assertNull(exchanges.route("m", null, copy));
        exchanges.answered("m", false, copy, answer("1"), System.nanoTime());
        assertTrue(seen.isEmpty());
    }

    @Test
    void everyInterceptorSeesTheAnsweredRequestWithTheVersionThatServedIt() {
        exchanges.add(routingTo(null));
        exchanges.add(routingTo(null));
        long received = System.nanoTime();
        exchanges.answered("m", true, request(Map.of()), answer("2"), received);
        assertEquals(2, seen.size());
        Exchange exchange = seen.get(0);
        assertEquals("m", exchange.model());
        assertEquals("2", exchange.servedVersion());
        assertTrue(exchange.routed());
        assertTrue(exchange.durationNanos() >= 0 && exchange.durationNanos() <= System.nanoTime() - received);
    }

    @Test
    void aFailingInterceptorNeitherFailsTheRequestNorSilencesTheOthers() {
        exchanges.add(BROKEN);
        exchanges.add(routingTo("2"));
        assertEquals("2", exchanges.route("m", null, request(Map.of())));
        exchanges.answered("m", true, request(Map.of()), answer("2"), System.nanoTime());
        assertEquals(1, seen.size());
    }

    @Test
    void aRemovedInterceptorIsNoLongerAsked() {
        ExchangeInterceptor interceptor = routingTo("2");
        exchanges.add(interceptor);
        exchanges.remove(interceptor);
        assertNull(exchanges.route("m", null, request(Map.of())));
    }
}
