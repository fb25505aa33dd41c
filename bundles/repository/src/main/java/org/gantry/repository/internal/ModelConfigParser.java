package org.gantry.repository.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.gantry.api.error.GantryException;
import org.gantry.api.model.DynamicBatching;
import org.gantry.api.model.EnsembleStep;
import org.gantry.api.model.InstanceGroup;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.ModelWarmup;
import org.gantry.api.model.QueuePolicy;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.model.VersionPolicy;
import org.gantry.api.model.WarmupInput;
import org.gantry.api.tensor.DataType;
import org.gantry.triton.config.ModelConfigProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.TextFormat;

/**
 * Parses Triton's {@code config.pbtxt} (protobuf text format over Triton's {@code ModelConfig} schema) into the
 * API's {@link ModelConfig}. Fields this schema does not know are warned about and ignored, as newer Triton
 * releases add fields; syntax errors are reported with their line and column.
 */
public final class ModelConfigParser {

    private static final Logger LOG = LoggerFactory.getLogger(ModelConfigParser.class);
    private static final TextFormat.Parser STRICT = TextFormat.Parser.newBuilder().build();
    private static final TextFormat.Parser LENIENT = TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build();

    private ModelConfigParser() {
    }

    /**
     * @param text       the text of a config.pbtxt
     * @param folderName the model's folder name, which the config's {@code name} must match (or be empty)
     * @param source     where the text came from, for messages (e.g. the file's path)
     */
    public static ModelConfig parse(String text, String folderName, String source) {
        return toModelConfig(parseProto(text, source), folderName, source);
    }

    /** Parses a configuration served under {@code name} whatever name it gives itself (a model added by an API). */
    public static ModelConfig parseRenamed(String text, String name, String source) {
        return toModelConfig(parseProto(text, source).toBuilder().setName(name).build(), name, source);
    }

    static ModelConfigProto.ModelConfig parseProto(String text, String source) {
        ModelConfigProto.ModelConfig.Builder strict = ModelConfigProto.ModelConfig.newBuilder();
        try {
            STRICT.merge(text, strict);
            return strict.build();
        } catch (TextFormat.ParseException strictFailure) {
            ModelConfigProto.ModelConfig.Builder lenient = ModelConfigProto.ModelConfig.newBuilder();
            try {
                LENIENT.merge(text, lenient);
            } catch (TextFormat.ParseException syntaxError) {
                throw GantryException.invalidArgument("%s is not a valid model configuration: line %d, column %d: %s",
                        source, syntaxError.getLine(), syntaxError.getColumn(), stripPosition(syntaxError));
            }
            // Only unknown fields separate the two parsers: a newer Triton field, or a typo worth seeing.
            LOG.warn("{}: ignoring a field Gantry does not know (line {}, column {}): {}", source,
                    strictFailure.getLine(), strictFailure.getColumn(), stripPosition(strictFailure));
            return lenient.build();
        }
    }

    private static String stripPosition(TextFormat.ParseException e) {
        // protobuf prefixes "line:column: " to its messages; the position is reported separately.
        return e.getMessage().replaceFirst("^\\d+:\\d+: ", "");
    }

    static ModelConfig toModelConfig(ModelConfigProto.ModelConfig proto, String folderName, String source) {
        String name = proto.getName().isEmpty() ? folderName : proto.getName();
        if (!name.equals(folderName)) {
            throw GantryException.invalidArgument("%s names the model '%s' but its folder is '%s': they must match",
                    source, name, folderName);
        }
        if (proto.getMaxBatchSize() < 0) {
            throw GantryException.invalidArgument("%s: max_batch_size must not be negative (%d)", source,
                    proto.getMaxBatchSize());
        }
        List<TensorConfig> inputs = new ArrayList<>();
        for (ModelConfigProto.ModelInput input : proto.getInputList()) {
            inputs.add(
                    new TensorConfig(input.getName(), dataType(input.getDataType(), "input", input.getName(), source),
                            dims(input.getDimsList(), "input", input.getName(), source),
                            input.hasReshape() ? input.getReshape().getShapeList() : List.of(), input.getOptional()));
        }
        List<TensorConfig> outputs = new ArrayList<>();
        for (ModelConfigProto.ModelOutput output : proto.getOutputList()) {
            outputs.add(new TensorConfig(output.getName(),
                    dataType(output.getDataType(), "output", output.getName(), source),
                    dims(output.getDimsList(), "output", output.getName(), source),
                    output.hasReshape() ? output.getReshape().getShapeList() : List.of(), false));
        }
        checkNames(inputs, "input", source);
        checkNames(outputs, "output", source);
        Map<String, String> parameters = new LinkedHashMap<>();
        proto.getParametersMap().forEach((key, value) -> parameters.put(key, value.getStringValue()));
        if (!proto.getDefaultModelFilename().isEmpty()) {
            parameters.putIfAbsent("default_model_filename", proto.getDefaultModelFilename());
        }
        return ModelConfig.builder(name).platform(proto.getPlatform()).backend(proto.getBackend())
                .maxBatchSize(proto.getMaxBatchSize()).inputs(inputs).outputs(outputs)
                .versionPolicy(versionPolicy(proto.getVersionPolicy(), source))
                .instanceGroups(instanceGroups(proto.getInstanceGroupList(), source)).parameters(parameters)
                .warmup(warmups(proto.getModelWarmupList(), source))
                .dynamicBatching(proto.hasDynamicBatching()
                        ? dynamicBatching(proto.getDynamicBatching(), source) : null)
                .ensembleSteps(ensembleSteps(proto.getEnsembleScheduling(), source)).build();
    }

    private static List<EnsembleStep> ensembleSteps(ModelConfigProto.ModelEnsembling ensembling, String source) {
        List<EnsembleStep> steps = new ArrayList<>();
        for (ModelConfigProto.ModelEnsembling.Step step : ensembling.getStepList()) {
            if (step.getModelName().isEmpty()) {
                throw GantryException.invalidArgument("%s: ensemble_scheduling step %d has no model_name", source,
                        steps.size() + 1);
            }
            if (step.getModelVersion() < EnsembleStep.DEFAULT_VERSION) {
                throw GantryException.invalidArgument("%s: ensemble_scheduling step %d (model '%s') has model_version"
                        + " %d; use -1 for the default version or a version number", source, steps.size() + 1,
                        step.getModelName(), step.getModelVersion());
            }
            steps.add(new EnsembleStep(step.getModelName(), step.getModelVersion(), step.getInputMapMap(),
                    step.getOutputMapMap()));
        }
        return steps;
    }

    private static DynamicBatching dynamicBatching(ModelConfigProto.ModelDynamicBatching batching, String source) {
        long levels = batching.getPriorityLevels();
        long defaultLevel = batching.getDefaultPriorityLevel();
        if (levels > 0 && (defaultLevel < 1 || defaultLevel > levels)) {
            throw GantryException.invalidArgument("%s: dynamic_batching default_priority_level must lie in 1..%d"
                    + " (priority_levels)", source, levels);
        }
        if (levels > 1_000_000) {
            throw GantryException.invalidArgument("%s: dynamic_batching priority_levels %d is too large", source,
                    levels);
        }
        Map<Integer, QueuePolicy> perLevel = new LinkedHashMap<>();
        batching.getPriorityQueuePolicyMap().forEach((level, policy) -> {
            if (level < 1 || level > levels) {
                throw GantryException.invalidArgument("%s: priority_queue_policy for level %d, but priority_levels is"
                        + " %d", source, level, levels);
            }
            perLevel.put(level.intValue(), queuePolicy(policy));
        });
        for (int size : batching.getPreferredBatchSizeList()) {
            if (size < 1) {
                throw GantryException.invalidArgument("%s: preferred_batch_size %d must be positive", source, size);
            }
        }
        return new DynamicBatching(batching.getPreferredBatchSizeList(), batching.getMaxQueueDelayMicroseconds(),
                batching.getPreserveOrdering(), (int) levels, (int) defaultLevel,
                batching.hasDefaultQueuePolicy() ? queuePolicy(batching.getDefaultQueuePolicy()) : QueuePolicy.DEFAULT,
                perLevel);
    }

    private static QueuePolicy queuePolicy(ModelConfigProto.ModelQueuePolicy policy) {
        return new QueuePolicy(policy.getTimeoutAction() == ModelConfigProto.ModelQueuePolicy.TimeoutAction.DELAY
                ? QueuePolicy.TimeoutAction.DELAY : QueuePolicy.TimeoutAction.REJECT,
                policy.getDefaultTimeoutMicroseconds(), policy.getAllowTimeoutOverride(), policy.getMaxQueueSize());
    }

    private static DataType dataType(ModelConfigProto.DataType type, String kind, String tensor, String source) {
        if (type == ModelConfigProto.DataType.TYPE_INVALID || type == ModelConfigProto.DataType.UNRECOGNIZED) {
            throw GantryException.invalidArgument("%s: %s '%s' needs a data_type (e.g. TYPE_FP32)", source, kind,
                    tensor);
        }
        return DataType.fromConfigName(type.name());
    }

    private static List<Long> dims(List<Long> dims, String kind, String tensor, String source) {
        for (long dim : dims) {
            if (dim < -1) {
                throw GantryException.invalidArgument("%s: %s '%s' has dimension %d; dims are -1 (variable) or"
                        + " at least 0", source, kind, tensor, dim);
            }
        }
        return dims;
    }

    private static void checkNames(List<TensorConfig> tensors, String kind, String source) {
        Set<String> seen = new HashSet<>();
        for (TensorConfig tensor : tensors) {
            if (tensor.name().isEmpty()) {
                throw GantryException.invalidArgument("%s: an %s has no name", source, kind);
            }
            if (!seen.add(tensor.name())) {
                throw GantryException.invalidArgument("%s: %s '%s' is declared twice", source, kind, tensor.name());
            }
        }
    }

    private static VersionPolicy versionPolicy(ModelConfigProto.ModelVersionPolicy policy, String source) {
        switch (policy.getPolicyChoiceCase()) {
            case ALL:
                return new VersionPolicy.All();
            case SPECIFIC:
                if (policy.getSpecific().getVersionsCount() == 0) {
                    throw GantryException.invalidArgument("%s: version_policy specific lists no versions", source);
                }
                return new VersionPolicy.Specific(new TreeSet<>(policy.getSpecific().getVersionsList()));
            case LATEST:
                int latest = policy.getLatest().getNumVersions();
                if (latest < 1) {
                    throw GantryException.invalidArgument("%s: version_policy latest needs num_versions of at least 1",
                            source);
                }
                return new VersionPolicy.Latest(latest);
            default:
                return VersionPolicy.DEFAULT;
        }
    }

    private static List<InstanceGroup> instanceGroups(List<ModelConfigProto.ModelInstanceGroup> groups, String source) {
        List<InstanceGroup> result = new ArrayList<>();
        for (ModelConfigProto.ModelInstanceGroup group : groups) {
            if (group.getCount() < 0) {
                throw GantryException.invalidArgument("%s: instance_group count must not be negative", source);
            }
            InstanceGroup.Kind kind = switch (group.getKind()) {
                case KIND_GPU -> InstanceGroup.Kind.GPU;
                case KIND_CPU -> InstanceGroup.Kind.CPU;
                case KIND_MODEL -> InstanceGroup.Kind.MODEL;
                default -> InstanceGroup.Kind.AUTO;
            };
            // Triton's default count is one instance.
            result.add(new InstanceGroup(group.getName(), Math.max(group.getCount(), 1), kind, group.getGpusList()));
        }
        return result;
    }

    private static List<ModelWarmup> warmups(List<ModelConfigProto.ModelWarmup> warmups, String source) {
        List<ModelWarmup> result = new ArrayList<>();
        for (ModelConfigProto.ModelWarmup warmup : warmups) {
            Map<String, WarmupInput> inputs = new LinkedHashMap<>();
            warmup.getInputsMap().forEach((inputName, input) -> {
                WarmupInput.Source data = switch (input.getInputDataTypeCase()) {
                    case RANDOM_DATA -> WarmupInput.Source.RANDOM;
                    case INPUT_DATA_FILE -> WarmupInput.Source.FILE;
                    case ZERO_DATA -> WarmupInput.Source.ZERO;
                    default -> throw GantryException.invalidArgument("%s: warm-up '%s' input '%s' needs zero_data,"
                            + " random_data or input_data_file", source, warmup.getName(), inputName);
                };
                inputs.put(inputName, new WarmupInput(dataType(input.getDataType(), "warm-up input", inputName, source),
                        dims(input.getDimsList(), "warm-up input", inputName, source), data, input.getInputDataFile()));
            });
            result.add(new ModelWarmup(warmup.getName(), warmup.getBatchSize(), inputs, warmup.getCount()));
        }
        return result;
    }
}
