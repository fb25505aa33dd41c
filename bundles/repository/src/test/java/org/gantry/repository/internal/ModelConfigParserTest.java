package org.gantry.repository.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.ModelWarmup;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.model.WarmupInput;
import org.gantry.api.tensor.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelConfigParserTest {

    private static final String FULL = """
            name: "encoder"
            platform: "pytorch_libtorch"
            max_batch_size: 16
            version_policy: { specific: { versions: [ 1, 3 ] } }
            input [
              {
                name: "INPUT__0"
                data_type: TYPE_INT64
                dims: [ -1 ]
              },
              {
                name: "INPUT__1"
                data_type: TYPE_FP32
                dims: [ 2, 3 ]
                reshape: { shape: [ 6 ] }
                optional: true
              }
            ]
            output [
              {
                name: "OUTPUT__0"
                data_type: TYPE_FP16
                dims: [ 384 ]
              }
            ]
            instance_group [
              { count: 2, kind: KIND_GPU, gpus: [ 0, 1 ] },
              { kind: KIND_CPU }
            ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 100
            }
            parameters: { key: "pooling" value: { string_value: "mean" } }
            default_model_filename: "encoder.pt"
            model_warmup [
              {
                name: "zeros"
                batch_size: 4
                inputs { key: "INPUT__0" value: { data_type: TYPE_INT64, dims: [ 8 ], zero_data: true } }
                inputs { key: "INPUT__1" value: { data_type: TYPE_FP32, dims: [ 2, 3 ], random_data: true } }
                count: 3
              }
            ]
            """;

    private static ModelConfig parse(String text, String folder) {
        return ModelConfigParser.parse(text, folder, folder + "/config.pbtxt");
    }

    private static String rejection(String text) {
        GantryException error = assertThrows(GantryException.class, () -> parse(text, "m"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, error.kind());
        return error.getMessage();
    }

    @Test
    void parsesEveryFieldGantryUses() {
        ModelConfig config = parse(FULL, "encoder");
        assertEquals("encoder", config.name());
        assertEquals("pytorch_libtorch", config.platform());
        assertEquals(16, config.maxBatchSize());
        assertEquals(new VersionPolicy.Specific(new TreeSet<>(Set.of(1L, 3L))), config.versionPolicy());
        assertEquals(List.of(new TensorConfig("INPUT__0", DataType.INT64, List.of(-1L)),
                new TensorConfig("INPUT__1", DataType.FP32, List.of(2L, 3L), List.of(6L), true)), config.inputs());
        assertEquals(List.of(new TensorConfig("OUTPUT__0", DataType.FP16, List.of(384L))), config.outputs());
        assertEquals(List.of(new InstanceGroup("", 2, InstanceGroup.Kind.GPU, List.of(0, 1)),
                new InstanceGroup("", 1, InstanceGroup.Kind.CPU, List.of())), config.instanceGroups());
        assertEquals(Map.of("pooling", "mean", "default_model_filename", "encoder.pt"), config.parameters());
        ModelWarmup warmup = config.warmup().get(0);
        assertEquals("zeros", warmup.name());
        assertEquals(4, warmup.batchSize());
        assertEquals(3, warmup.count());
        assertEquals(new WarmupInput(DataType.INT64, List.of(8L), WarmupInput.Source.ZERO, ""),
                warmup.inputs().get("INPUT__0"));
        assertEquals(WarmupInput.Source.RANDOM, warmup.inputs().get("INPUT__1").source());
    }

    @Test
    void defaultsFollowTriton() {
        ModelConfig config = parse("backend: \"pytorch\"", "tiny");
        assertEquals("tiny", config.name());
        assertEquals("pytorch", config.backend());
        assertEquals(0, config.maxBatchSize());
        assertEquals(new VersionPolicy.Latest(1), config.versionPolicy());
        assertEquals(new VersionPolicy.All(), parse("version_policy: { all { } }", "m").versionPolicy());
        assertEquals(new VersionPolicy.Latest(2),
                parse("version_policy: { latest { num_versions: 2 } }", "m").versionPolicy());
    }

    @ParameterizedTest
    @EnumSource(DataType.class)
    void everyDatatypeHasItsConfigName(DataType type) {
        ModelConfig config = parse("input [ { name: \"x\" data_type: " + type.configName() + " dims: [ 1 ] } ]", "m");
        assertEquals(type, config.inputs().get(0).dataType());
    }

    @Test
    void unknownFieldsAreIgnoredNotFatal() {
        ModelConfig config = parse("platform: \"pytorch_libtorch\"\nfuture_field: { enabled: true }\nmax_batch_size: 2",
                "m");
        assertEquals(2, config.maxBatchSize());
    }

    @Test
    void syntaxErrorsNameTheFileLineAndColumn() {
        String message = rejection("platform: \"pytorch_libtorch\"\ninput [ { name: \"x\" dims: [ 1, ] } ]");
        assertTrue(message.startsWith("m/config.pbtxt is not a valid model configuration: line 2"), message);
    }

    @Test
    void inconsistentConfigurationsAreExplained() {
        assertTrue(rejection("name: \"other\"").contains("folder is 'm'"));
        assertTrue(rejection("max_batch_size: -1").contains("max_batch_size must not be negative"));
        assertTrue(rejection("input [ { name: \"x\" dims: [ 1 ] } ]").contains("needs a data_type"));
        assertTrue(rejection("input [ { name: \"x\" data_type: TYPE_FP32 dims: [ -2 ] } ]").contains("dimension -2"));
        assertTrue(rejection("output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 1 ] },"
                + " { name: \"y\" data_type: TYPE_FP32 dims: [ 1 ] } ]").contains("declared twice"));
        assertTrue(rejection("version_policy: { latest { num_versions: 0 } }").contains("num_versions"));
        assertTrue(rejection("input [ { name: \"x\" data_type: TYPE_FP33 dims: [ 1 ] } ]").contains("line 1"));
    }

    @Test
    void ensembleSchedulingAsTritonDocumentsIt() {
        ModelConfig config = parse("""
                name: "ensemble_model"
                platform: "ensemble"
                max_batch_size: 1
                input [ { name: "IMAGE" data_type: TYPE_STRING dims: [ 1 ] } ]
                output [ { name: "CLASSIFICATION" data_type: TYPE_FP32 dims: [ 1000 ] } ]
                ensemble_scheduling {
                  step [
                    {
                      model_name: "image_preprocess_model"
                      model_version: -1
                      input_map { key: "RAW_IMAGE" value: "IMAGE" }
                      output_map { key: "PREPROCESSED_OUTPUT" value: "preprocessed_image" }
                    },
                    {
                      model_name: "classification_model"
                      model_version: 2
                      input_map { key: "FORMATTED_IMAGE" value: "preprocessed_image" }
                      output_map { key: "CLASSIFICATION_OUTPUT" value: "CLASSIFICATION" }
                    }
                  ]
                }
                """, "ensemble_model");

        assertEquals(List.of(
                new EnsembleStep("image_preprocess_model", -1, Map.of("RAW_IMAGE", "IMAGE"),
                        Map.of("PREPROCESSED_OUTPUT", "preprocessed_image")),
                new EnsembleStep("classification_model", 2, Map.of("FORMATTED_IMAGE", "preprocessed_image"),
                        Map.of("CLASSIFICATION_OUTPUT", "CLASSIFICATION"))),
                config.ensembleSteps());
        assertEquals(null, config.ensembleSteps().get(0).versionOrNull());
        assertEquals("2", config.ensembleSteps().get(1).versionOrNull());
        assertEquals(config, ModelConfigJson.parse(ModelConfigJson.print(config), "ensemble_model"));
        assertTrue(rejection("ensemble_scheduling { step [ { model_version: 1 } ] }").contains("step 1 has no"
                + " model_name"));
        assertTrue(rejection("ensemble_scheduling { step [ { model_name: \"a\" model_version: -2 } ] }")
                .contains("model_version -2"));
    }
}
