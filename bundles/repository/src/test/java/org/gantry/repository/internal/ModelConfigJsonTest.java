package org.gantry.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.QueuePolicy;
import org.junit.jupiter.api.Test;

class ModelConfigJsonTest {

    private static final String PBTXT = """
            name: "ranked"
            platform: "pytorch_libtorch"
            max_batch_size: 8
            input { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 4 ] reshape { shape: [ 2, 2 ] } }
            output { name: "OUTPUT__0" data_type: TYPE_BF16 dims: [ -1 ] }
            version_policy { specific { versions: [ 1, 3 ] } }
            instance_group { count: 2 kind: KIND_CPU }
            parameters { key: "pinned" value: { string_value: "true" } }
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 100
              priority_levels: 2
              default_priority_level: 2
              default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5000 max_queue_size: 7 }
              priority_queue_policy { key: 1 value: { max_queue_size: 3 allow_timeout_override: true } }
            }
            model_warmup { name: "zeros" batch_size: 1 inputs { key: "INPUT__0" value: { data_type: TYPE_FP32 dims: [ 4 ] zero_data: true } } }
            """;

    @Test
    void printedJsonParsesBackToTheSameConfiguration() {
        ModelConfig config = ModelConfigParser.parse(PBTXT, "ranked", "test");

        String json = ModelConfigJson.print(config);

        assertTrue(json.contains("\"max_batch_size\":8"), json);
        assertTrue(json.contains("\"data_type\":\"TYPE_BF16\""), json);
        assertTrue(json.contains("\"dims\":[4]") && json.contains("\"dims\":[-1]"), json);
        assertTrue(json.contains("\"versions\":[1,3]") && json.contains("\"max_queue_delay_microseconds\":100"), json);
        assertTrue(json.contains("\"priority_queue_policy\":{\"1\":{"), json);
        assertEquals(config, ModelConfigJson.parse(json, "ranked"));
        QueuePolicy byDefault = config.dynamicBatching().queuePolicy(2);
        assertEquals(QueuePolicy.TimeoutAction.DELAY, byDefault.timeoutAction());
        assertEquals(5000, byDefault.defaultTimeoutMicros());
        assertEquals(3, config.dynamicBatching().queuePolicy(1).maxQueueSize());
        assertEquals(2, config.instanceCount());
    }

    @Test
    void invalidJsonConfigurationsSayWhy() {
        for (String bad : new String[] { "{", "{\"max_batch_size\": \"many\"}", "{\"no_such_field\": 1}",
                "{\"name\": \"other\"}", "{\"input\": [{\"name\": \"x\"}]}" }) {
            GantryException e = assertThrows(GantryException.class, () -> ModelConfigJson.parse(bad, "ranked"), bad);
            assertTrue(e.getMessage().contains("config"), e.getMessage());
        }
    }

    @Test
    void priorityLevelsMustHoldTheDefaultLevel() {
        String text = "name: \"m\" dynamic_batching { priority_levels: 2 default_priority_level: 3 }";
        assertThrows(GantryException.class, () -> ModelConfigParser.parse(text, "m", "test"));
    }
}
