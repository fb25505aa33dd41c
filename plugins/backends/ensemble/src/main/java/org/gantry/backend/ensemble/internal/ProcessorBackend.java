package org.gantry.backend.ensemble.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.gantry.api.backend.Backend;
import org.gantry.api.backend.LoadedModel;
import org.gantry.api.backend.ModelLoadContext;
import org.gantry.api.error.GantryException;
import org.gantry.api.inference.InferenceRequest;
import org.gantry.api.model.ModelConfig;
import org.gantry.api.model.TensorConfig;
import org.gantry.api.processor.Processor;
import org.gantry.api.processor.ProcessorFunction;
import org.gantry.api.tensor.Tensor;

/**
 * A {@link Processor} as a backend of its own name. The model's configuration is completed with the processor's
 * tensors when it declares none; tensors it declares must be the processor's, with the same datatypes.
 */
final class ProcessorBackend implements Backend {

    private final Processor processor;

    ProcessorBackend(Processor processor) {
        this.processor = processor;
    }

    @Override
    public String name() {
        return processor.name();
    }

    @Override
    public Set<String> platforms() {
        return Set.of();
    }

    @Override
    public ModelConfig complete(ModelLoadContext context) {
        try (ProcessorFunction function = processor.open(context)) {
            ModelConfig config = context.config();
            return config.withTensors(complete(config, "input", config.inputs(), function.inputs()),
                    complete(config, "output", config.outputs(), function.outputs()));
        }
    }

    private List<TensorConfig> complete(ModelConfig config, String kind, List<TensorConfig> declared,
            List<TensorConfig> offered) {
        if (declared.isEmpty()) {
            return offered;
        }
        List<TensorConfig> checked = new ArrayList<>();
        for (TensorConfig tensor : declared) {
            Optional<TensorConfig> match = offered.stream().filter(t -> t.name().equals(tensor.name())).findFirst();
            if (match.isEmpty()) {
                throw GantryException.invalidArgument("model '%s': processor '%s' has no %s '%s' (its %ss: %s)",
                        config.name(), processor.name(), kind, tensor.name(), kind,
                        offered.stream().map(TensorConfig::name).toList());
            }
            if (match.get().dataType() != tensor.dataType()) {
                throw GantryException.invalidArgument("model '%s': %s '%s' of processor '%s' is %s, not %s",
                        config.name(), kind, tensor.name(), processor.name(), match.get().dataType(),
                        tensor.dataType());
            }
            checked.add(tensor);
        }
        return checked;
    }

    @Override
    public LoadedModel load(ModelLoadContext context) {
        ProcessorFunction function = processor.open(context);
        Set<String> declared = context.config().outputs().stream().map(TensorConfig::name)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        boolean everyOutput = declared.size() == function.outputs().size();
        return new LoadedModel() {
            @Override
            public List<Tensor> infer(InferenceRequest request) {
                List<Tensor> outputs = function.apply(request);
                // A configuration that declares some of the processor's outputs gets only those.
                return everyOutput ? outputs : outputs.stream().filter(t -> declared.contains(t.name())).toList();
            }

            @Override
            public long footprintBytes() {
                return function.footprintBytes();
            }

            @Override
            public void close() {
                function.close();
            }
        };
    }
}
