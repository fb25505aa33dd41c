package org.gantry.status.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TimelineTest {

    private static List<String> models(List<Timeline.Event> events) {
        return events.stream().map(e -> e.what.model()).toList();
    }

    @Test
    void aPageThatPollsGetsOnlyTheEventsAfterTheLastItHas() {
        Timeline timeline = new Timeline(100, 60_000);
        timeline.add(new Timeline.Happening(1_000, Timeline.Kind.LOADED, "a", 1, 5, false), "");
        long seen = timeline.lastSequence();
        timeline.add(new Timeline.Happening(2_000, Timeline.Kind.EVICTED, "b", 1, 0, false), "");

        assertEquals(List.of("a", "b"), models(timeline.after(0, 3_000)));
        assertEquals(List.of("b"), models(timeline.after(seen, 3_000)));
        assertEquals(List.of(), models(timeline.after(timeline.lastSequence(), 3_000)));
    }

    @Test
    void anEvictionStormKeepsOnlyTheNewestEvents() {
        Timeline timeline = new Timeline(3, 60_000);
        for (int i = 0; i < 10; i++) {
            timeline.add(new Timeline.Happening(1_000 + i, Timeline.Kind.EVICTED, "m" + i, 1, 0, false), "");
        }

        assertEquals(List.of("m7", "m8", "m9"), models(timeline.after(0, 2_000)));
        assertEquals(10, timeline.lastSequence(), "sequence numbers go on, so a page notices what it missed");
    }

    @Test
    void eventsOlderThanTheTimelineLeaveIt() {
        Timeline timeline = new Timeline(100, 60_000);
        timeline.add(new Timeline.Happening(1_000, Timeline.Kind.LOADED, "old", 1, 5, false), "");
        timeline.add(new Timeline.Happening(50_000, Timeline.Kind.LOADED, "recent", 1, 5, false), "");

        assertEquals(List.of("recent"), models(timeline.after(0, 70_000)));
    }

    @Test
    void anEvictionIsExplainedOnceAndKeepsThatReasonWhenTheModelMovesOn() {
        Timeline timeline = new Timeline(100, 60_000);
        Timeline.Event evicted = timeline.add(new Timeline.Happening(1_000, Timeline.Kind.EVICTED, "a", 1, 0, false),
                "");
        Timeline.Event failed = timeline.add(new Timeline.Happening(1_000, Timeline.Kind.LOAD_FAILED, "b", 1, 0, false),
                "corrupt");

        timeline.explain((model, version) -> Map.of("a", "evicted (least recently used) to make room for c",
                "b", "something else").get(model));
        timeline.explain((model, version) -> "");
        timeline.explain((model, version) -> "loaded again");

        assertEquals("evicted (least recently used) to make room for c", evicted.reason());
        assertEquals("corrupt", failed.reason(), "a failure's reason comes with its event and stays");
    }
}
