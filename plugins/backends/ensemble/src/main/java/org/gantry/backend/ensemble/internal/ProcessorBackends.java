package org.gantry.backend.ensemble.internal;

import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.gantry.api.backend.Backend;
import org.gantry.api.processor.Processor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor whiteboard: every {@link Processor} service gets a {@link Backend} service of its name, so a model
 * folder naming the processor as its {@code backend} loads through the server like any model, and a processor
 * bundle that stops takes its backend with it (its models unload; requests wait for it to return).
 */
@Component(immediate = true)
public final class ProcessorBackends {

    static final String PROCESSOR_PROPERTY = "gantry.processor";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorBackends.class);

    private final Set<Processor> bound = new LinkedHashSet<>();
    private final Map<Processor, ServiceRegistration<Backend>> registrations = new HashMap<>();
    private BundleContext context;

    @Activate
    synchronized void activate(BundleContext bundleContext) {
        context = bundleContext;
        bound.forEach(this::register); // processors bound before activation
    }

    @Deactivate
    synchronized void deactivate() {
        registrations.values().forEach(ProcessorBackends::unregister);
        registrations.clear();
        context = null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addProcessor(Processor processor) {
        bound.add(processor);
        if (context != null) {
            register(processor);
        }
    }

    synchronized void removeProcessor(Processor processor) {
        bound.remove(processor);
        ServiceRegistration<Backend> registration = registrations.remove(processor);
        if (registration != null) {
            unregister(registration);
        }
    }

    private void register(Processor processor) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(PROCESSOR_PROPERTY, processor.name());
        registrations.put(processor, context.registerService(Backend.class, new ProcessorBackend(processor),
                properties));
        LOG.info("Processor '{}' available: models with backend '{}' run it", processor.name(), processor.name());
    }

    private static void unregister(ServiceRegistration<Backend> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregistered it with the bundle
        }
    }
}
