package org.gantry.repository.internal;

import java.math.BigInteger;
import java.util.Map;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.ModelWarmup;
import org.gantry.api.model.QueuePolicy;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.model.VersionPolicy;
import org.gantry.triton.config.ModelConfigProto;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/**
 * Triton's JSON form of a model configuration: protobuf's JSON mapping of {@code ModelConfig} with the proto's
 * field names, which is what Triton's load API accepts and its config endpoint returns.
 */
public final class ModelConfigJson {

    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private ModelConfigJson() {
    }

    /** Parses a configuration given for the model {@code modelName}; its {@code name} may be empty or must match. */
    public static ModelConfig parse(String json, String modelName) {
        ModelConfigProto.ModelConfig.Builder builder = ModelConfigProto.ModelConfig.newBuilder();
        try {
            PARSER.merge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // JsonFormat reports malformed JSON as Gson's runtime exceptions.
            throw GantryException.invalidArgument("the 'config' parameter is not a valid model configuration: %s",
                    e.getMessage());
        }
        return ModelConfigParser.toModelConfig(builder.build(), modelName, "the 'config' parameter");
    }

    /**
     * Prints a configuration as Triton does: protobuf's JSON mapping, but 64-bit integers (such as {@code dims})
     * as JSON numbers rather than the strings protobuf writes, so clients read {@code "dims":[-1,3]}.
     */
    public static String print(ModelConfig config) {
        ModelConfigProto.ModelConfig proto = toProto(config);
        try {
            JsonElement json = JsonParser.parseString(PRINTER.print(proto));
            numbersFor64BitIntegers(json, proto.getDescriptorForType());
            return json.toString();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a model configuration could not be printed as JSON", e);
        }
    }

    private static void numbersFor64BitIntegers(JsonElement json, Descriptors.Descriptor type) {
        if (!json.isJsonObject()) {
            return;
        }
        JsonObject object = json.getAsJsonObject();
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            JsonElement value = object.get(field.getName());
            if (value == null) {
                continue;
            }
            if (field.isMapField()) {
                Descriptors.FieldDescriptor mapValue = field.getMessageType().findFieldByName("value");
                for (Map.Entry<String, JsonElement> entry : value.getAsJsonObject().entrySet()) {
                    fix(entry, mapValue, value.getAsJsonObject());
                }
            } else if (value.isJsonArray()) {
                JsonArray array = value.getAsJsonArray();
                for (int i = 0; i < array.size(); i++) {
                    JsonElement element = array.get(i);
                    if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                        numbersFor64BitIntegers(element, field.getMessageType());
                    } else if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.LONG) {
                        array.set(i, new JsonPrimitive(new BigInteger(element.getAsString())));
                    }
                }
            } else {
                fix(Map.entry(field.getName(), value), field, object);
            }
        }
    }

    /** Converts one entry of {@code container} in place, descending into messages. */
    private static void fix(Map.Entry<String, JsonElement> entry, Descriptors.FieldDescriptor field,
            JsonObject container) {
        if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
            numbersFor64BitIntegers(entry.getValue(), field.getMessageType());
        } else if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.LONG) {
            container.add(entry.getKey(), new JsonPrimitive(new BigInteger(entry.getValue().getAsString())));
        }
    }

    static ModelConfigProto.ModelConfig toProto(ModelConfig config) {
        ModelConfigProto.ModelConfig.Builder proto = ModelConfigProto.ModelConfig.newBuilder()
                .setName(config.name())
                .setPlatform(config.platform())
                .setBackend(config.backend())
                .setMaxBatchSize(config.maxBatchSize())
                .setVersionPolicy(versionPolicy(config.versionPolicy()));
        for (TensorConfig input : config.inputs()) {
            ModelConfigProto.ModelInput.Builder tensor = ModelConfigProto.ModelInput.newBuilder()
                    .setName(input.name())
                    .setDataType(dataType(input))
                    .addAllDims(input.dims())
                    .setOptional(input.optional());
            if (!input.reshape().isEmpty()) {
                tensor.setReshape(ModelConfigProto.ModelTensorReshape.newBuilder().addAllShape(input.reshape()));
            }
            proto.addInput(tensor);
        }
        for (TensorConfig output : config.outputs()) {
            ModelConfigProto.ModelOutput.Builder tensor = ModelConfigProto.ModelOutput.newBuilder()
                    .setName(output.name())
                    .setDataType(dataType(output))
                    .addAllDims(output.dims());
            if (!output.reshape().isEmpty()) {
                tensor.setReshape(ModelConfigProto.ModelTensorReshape.newBuilder().addAllShape(output.reshape()));
            }
            proto.addOutput(tensor);
        }
        for (InstanceGroup group : config.instanceGroups()) {
            proto.addInstanceGroup(ModelConfigProto.ModelInstanceGroup.newBuilder()
                    .setName(group.name())
                    .setCount(group.count())
                    .setKind(ModelConfigProto.ModelInstanceGroup.Kind.valueOf("KIND_" + group.kind().name()))
                    .addAllGpus(group.gpus()));
        }
        for (Map.Entry<String, String> parameter : config.parameters().entrySet()) {
            proto.putParameters(parameter.getKey(),
                    ModelConfigProto.ModelParameter.newBuilder().setStringValue(parameter.getValue()).build());
        }
        for (ModelWarmup warmup : config.warmup()) {
            proto.addModelWarmup(warmup(warmup));
        }
        if (config.dynamicBatching() != null) {
            proto.setDynamicBatching(dynamicBatching(config.dynamicBatching()));
        }
        if (!config.ensembleSteps().isEmpty()) {
            ModelConfigProto.ModelEnsembling.Builder ensembling = ModelConfigProto.ModelEnsembling.newBuilder();
            for (EnsembleStep step : config.ensembleSteps()) {
                ensembling.addStep(ModelConfigProto.ModelEnsembling.Step.newBuilder()
                        .setModelName(step.modelName())
                        .setModelVersion(step.modelVersion())
                        .putAllInputMap(step.inputMap())
                        .putAllOutputMap(step.outputMap()));
            }
            proto.setEnsembleScheduling(ensembling);
        }
        return proto.build();
    }

    private static ModelConfigProto.DataType dataType(TensorConfig tensor) {
        return ModelConfigProto.DataType.valueOf(tensor.dataType().configName());
    }

    private static ModelConfigProto.ModelVersionPolicy versionPolicy(VersionPolicy policy) {
        ModelConfigProto.ModelVersionPolicy.Builder proto = ModelConfigProto.ModelVersionPolicy.newBuilder();
        if (policy instanceof VersionPolicy.Latest latest) {
            proto.setLatest(ModelConfigProto.ModelVersionPolicy.Latest.newBuilder()
                    .setNumVersions(latest.numVersions()));
        } else if (policy instanceof VersionPolicy.All) {
            proto.setAll(ModelConfigProto.ModelVersionPolicy.All.getDefaultInstance());
        } else if (policy instanceof VersionPolicy.Specific specific) {
            proto.setSpecific(ModelConfigProto.ModelVersionPolicy.Specific.newBuilder()
                    .addAllVersions(specific.versions()));
        }
        return proto.build();
    }

    private static ModelConfigProto.ModelWarmup warmup(ModelWarmup warmup) {
        ModelConfigProto.ModelWarmup.Builder proto = ModelConfigProto.ModelWarmup.newBuilder()
                .setName(warmup.name())
                .setBatchSize(warmup.batchSize())
                .setCount(warmup.count());
        warmup.inputs().forEach((name, input) -> {
            ModelConfigProto.ModelWarmup.Input.Builder data = ModelConfigProto.ModelWarmup.Input.newBuilder()
                    .setDataType(ModelConfigProto.DataType.valueOf(input.dataType().configName()))
                    .addAllDims(input.dims());
            switch (input.source()) {
                case ZERO -> data.setZeroData(true);
                case RANDOM -> data.setRandomData(true);
                case FILE -> data.setInputDataFile(input.inputFile());
            }
            proto.putInputs(name, data.build());
        });
        return proto.build();
    }

    private static ModelConfigProto.ModelDynamicBatching dynamicBatching(DynamicBatching batching) {
        ModelConfigProto.ModelDynamicBatching.Builder proto = ModelConfigProto.ModelDynamicBatching.newBuilder()
                .addAllPreferredBatchSize(batching.preferredBatchSizes())
                .setMaxQueueDelayMicroseconds(batching.maxQueueDelayMicros())
                .setPreserveOrdering(batching.preserveOrdering())
                .setPriorityLevels(batching.priorityLevels())
                .setDefaultPriorityLevel(batching.defaultPriorityLevel())
                .setDefaultQueuePolicy(queuePolicy(batching.defaultQueuePolicy()));
        batching.priorityQueuePolicies().forEach((level, policy) -> proto.putPriorityQueuePolicy(level,
                queuePolicy(policy)));
        return proto.build();
    }

    private static ModelConfigProto.ModelQueuePolicy queuePolicy(QueuePolicy policy) {
        return ModelConfigProto.ModelQueuePolicy.newBuilder()
                .setTimeoutAction(policy.timeoutAction() == QueuePolicy.TimeoutAction.DELAY
                        ? ModelConfigProto.ModelQueuePolicy.TimeoutAction.DELAY
                        : ModelConfigProto.ModelQueuePolicy.TimeoutAction.REJECT)
                .setDefaultTimeoutMicroseconds(policy.defaultTimeoutMicros())
                .setAllowTimeoutOverride(policy.allowTimeoutOverride())
                .setMaxQueueSize(policy.maxQueueSize())
                .build();
    }
}
