package org.gantry.api.backend;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Provides backends that ship with the server but are not running, such as a Karaf feature installed on first use.
 * Provisioners are OSGi services (whiteboard): when a model's configuration names a backend or platform that no
 * running backend serves, the runtime asks each one, and the first that knows a backend for it starts providing it.
 */
@ConsumerType
public interface BackendProvisioner {

    /**
     * Starts making a backend for {@code backendOrPlatform} available, if this provisioner knows one, and returns at
     * once; a call while that is under way returns the same provisioning.
     *
     * @param backendOrPlatform a configuration's {@code backend} name, or its {@code platform} when it names none
     * @return empty when this provisioner knows no backend for it
     */
    Optional<Provisioning> provision(String backendOrPlatform);

    /**
     * A backend on its way.
     *
     * @param source     what provides it, for messages (e.g. {@code Karaf feature gantry-backend-tensorflow})
     * @param manualStep what an operator runs to provide it by hand (e.g. {@code feature:install
     *                   gantry-backend-tensorflow} in the Karaf console)
     * @param done       completes once the provider has done its part (the backend service may register a moment
     *                   later), or exceptionally with the reason it could not
     */
    record Provisioning(String source, String manualStep, CompletionStage<Void> done) {

        public Provisioning {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(manualStep, "manualStep");
            Objects.requireNonNull(done, "done");
        }
    }
}
